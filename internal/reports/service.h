/* SPDX-License-Identifier: MIT */
/*
 * reports/service.h — the one door of the reports domain: returns to the
 * Department for Education computed from the council's own records.
 *
 * Today one: the SEN2 return's personal-budget counts (domain.md REP-1,
 * docs/reports.md).  Reads only, one statement each, so they may run on a
 * reader handle (db.h pb_db_acquire_reader).  Thread-safety: one struct
 * pb_db per task.
 */
#ifndef PB_REPORTS_SERVICE_H
#define PB_REPORTS_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#include "internal/core/err.h"

struct pb_db;

enum pb_report_format { PB_REPORT_JSON, PB_REPORT_CSV };

/*
 * pb_report_sen2 — la's SEN2 personal-budget counts on census_date,
 * rendered as JSON (openapi.yaml Sen2Return) or CSV (reports/sen2.h):
 * *body is malloc'd (the caller frees; NUL-terminated), *len its length.
 * Errors: PB_EUNAVAILABLE, PB_EDB (nothing returned).
 */
enum pb_err pb_report_sen2(struct pb_db *db, const char *la, int32_t census_date,
    enum pb_report_format format, char **body, size_t *len);

#endif
