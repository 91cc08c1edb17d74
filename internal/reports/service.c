/* SPDX-License-Identifier: MIT */
/* service.c — the reports domain's door (see service.h). */
#include "internal/reports/service.h"

#include <stdio.h>
#include <string.h>

#include "internal/reports/sen2.h"
#include "internal/reports/store.h"

enum pb_err pb_report_sen2(struct pb_db *db, const char *la, int32_t census_date,
    enum pb_report_format format, char **body, size_t *len)
{
	struct pb_sen2 r;
	struct pb_buf b;

	*body = NULL;
	*len = 0;
	memset(&r, 0, sizeof(r));
	snprintf(r.la, sizeof(r.la), "%s", la);
	r.census_date = census_date;
	enum pb_err err = pb_report_store_sen2(db, la, census_date, &r);
	if (err)
		return err;
	if (format == PB_REPORT_JSON) {
		*body = pb_sen2_json(&r);
		*len = strlen(*body);
		return PB_OK;
	}
	pb_buf_init(&b, PB_SEN2_CSV_MAX);
	err = pb_sen2_csv(&r, &b);
	if (err == PB_OK)
		*body = pb_buf_take(&b, len);
	pb_buf_free(&b);
	/* 17 rows of short cells always fit: a failure is ours */
	return err ? PB_EINTERNAL : PB_OK;
}
