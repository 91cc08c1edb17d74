/* SPDX-License-Identifier: MIT */
/*
 * payments/ledger.h — the council's finance codes per service type
 * (PUT /v1/ledger-codes/{service_type}, GET /v1/ledger-codes;
 * docs/payments.md "Ledger codes").  A payment takes its element's
 * service type's codes when it is made (the database does it:
 * 021_ledger_bacs.sql); the CSV export carries them.
 */
#ifndef PB_PAYMENTS_LEDGER_H
#define PB_PAYMENTS_LEDGER_H

#include "internal/core/err.h"
#include "internal/core/scope.h"

struct pb_db;

/* A code: 1 to 12 of A-Z 0-9. */
int pb_pay_ledger_code_ok(const char *s);

/* Set the codes of service_type (validated by the caller) in one
 * transaction: lock, If-Match (if_match >= 0: the current version, 0 when
 * none → else PB_EPRECONDITION), write, audit ledger_codes.updated with
 * before and after, an event.  *json malloc'd (caller frees). */
enum pb_err pb_pay_ledger_put(struct pb_db *db, const struct pb_actor *actor,
    const char *service_type, const char *cost_centre, const char *subjective_code,
    int if_match, char **json, int *version);

/* {"items": [...]} of la's codes.  *json malloc'd. */
enum pb_err pb_pay_ledger_list(struct pb_db *db, const char *la, char **json);

#endif
