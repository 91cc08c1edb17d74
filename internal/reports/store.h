/* SPDX-License-Identifier: MIT */
/*
 * store.h — the reports' SQL (private to internal/reports): council-wide
 * counts read in one statement each, for returns to the Department for
 * Education.
 *
 * Every function takes the tenant (la) and names it in every statement;
 * statements are parameterised ($n).  Reads only: none begins a
 * transaction (one statement sees one snapshot).  Errors are
 * pb_db_query()'s (PB_EUNAVAILABLE, PB_EDB).  Thread-safety: one struct
 * pb_db per task, as db.h says.
 */
#ifndef PB_REPORTS_STORE_H
#define PB_REPORTS_STORE_H

#include <stdint.h>

#include "internal/core/err.h"
#include "internal/reports/sen2.h"

struct pb_db;

/* The SEN2 counts of la on census_date into out (out->la and
 * out->census_date are the caller's): docs/reports.md defines each. */
enum pb_err pb_report_store_sen2(struct pb_db *db, const char *la, int32_t census_date,
    struct pb_sen2 *out);

#endif
