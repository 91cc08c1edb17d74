/* SPDX-License-Identifier: MIT */
/* sen2.c — rendering the SEN2 return's counts (see sen2.h). */
#include "internal/reports/sen2.h"

#include <stdio.h>

#include "internal/core/csv.h"
#include "internal/core/date.h"
#include "internal/json/output.h"

/* The scopes' names, in JSON and CSV alike. */
static const char *const scope_names[PB_SEN2_NSCOPES] = {
	"all", "education", "social_care", "health"
};

static int64_t total(const struct pb_sen2_split *s)
{
	return s->dp_only + s->organised_only + s->both;
}

static cJSON *split_json(const struct pb_sen2_split *s)
{
	cJSON *o = cJSON_CreateObject();

	pb_json_add_int(o, "direct_payment_only", s->dp_only);
	pb_json_add_int(o, "organised_only", s->organised_only);
	pb_json_add_int(o, "both", s->both);
	pb_json_add_int(o, "total", total(s));
	return o;
}

char *pb_sen2_json(const struct pb_sen2 *r)
{
	char day[11];
	cJSON *o = cJSON_CreateObject(), *by;

	pb_date_format(r->census_date, day);
	cJSON_AddStringToObject(o, "la", r->la);
	cJSON_AddStringToObject(o, "census_date", day);
	pb_json_add_int(o, "children_with_ehc_plan", r->with_plan);
	cJSON_AddItemToObject(o, "personal_budgets", split_json(&r->split[PB_SEN2_ALL]));
	by = cJSON_AddObjectToObject(o, "by_element");
	for (int s = PB_SEN2_EDUCATION; s < PB_SEN2_NSCOPES; s++)
		cJSON_AddItemToObject(by, scope_names[s], split_json(&r->split[s]));
	return pb_json_print(o);
}

/* One data row: la, census date, element, category, count. */
static enum pb_err row(struct pb_buf *out, const struct pb_sen2 *r, const char *day,
    const char *element, const char *category, int64_t n)
{
	char num[24];

	snprintf(num, sizeof(num), "%lld", (long long)n);
	enum pb_err err = pb_csv_field(out, r->la, 0);
	if (err == PB_OK)
		err = pb_csv_field(out, day, 0);
	if (err == PB_OK)
		err = pb_csv_field(out, element, 0);
	if (err == PB_OK)
		err = pb_csv_field(out, category, 0);
	if (err == PB_OK)
		err = pb_csv_field(out, num, 1);
	return err;
}

enum pb_err pb_sen2_csv(const struct pb_sen2 *r, struct pb_buf *out)
{
	static const char header[] = "la,census_date,element,category,children\r\n";
	char day[11];

	pb_date_format(r->census_date, day);
	enum pb_err err = pb_buf_add(out, header, sizeof(header) - 1);
	if (err == PB_OK)
		err = row(out, r, day, scope_names[PB_SEN2_ALL], "ehc_plan", r->with_plan);
	for (int s = PB_SEN2_ALL; s < PB_SEN2_NSCOPES && err == PB_OK; s++) {
		const struct pb_sen2_split *x = &r->split[s];
		err = row(out, r, day, scope_names[s], "direct_payment_only", x->dp_only);
		if (err == PB_OK)
			err = row(out, r, day, scope_names[s], "organised_only", x->organised_only);
		if (err == PB_OK)
			err = row(out, r, day, scope_names[s], "both", x->both);
		if (err == PB_OK)
			err = row(out, r, day, scope_names[s], "total", total(x));
	}
	return err;
}
