/* SPDX-License-Identifier: MIT */
/* section_j.c — Section J of the EHC plan from a budget (section_j.h). */
#include "internal/budgets/section_j.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal/budgets/rules.h"
#include "internal/core/buf.h"
#include "internal/core/money.h"

#define TEXT_MAX (256 * 1024)

static const char *str(const cJSON *o, const char *name)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* Integer pence; the JSON came from PostgreSQL bigint (exact below 2^53). */
static int64_t pence(const cJSON *o, const char *name)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsNumber(it) ? (int64_t)it->valuedouble : 0;
}

static const char *stream_label(const char *s)
{
	if (s && strcmp(s, "education") == 0)
		return "Education";
	if (s && strcmp(s, "social_care") == 0)
		return "Social care";
	if (s && strcmp(s, "health") == 0)
		return "Health";
	return "Other";
}

static const char *arrangement_label(const char *a)
{
	if (a && strcmp(a, "direct_payment") == 0)
		return "direct payment";
	if (a && strcmp(a, "third_party") == 0)
		return "third-party arrangement";
	if (a && strcmp(a, "notional") == 0)
		return "notional arrangement";
	if (a && strcmp(a, "mixed") == 0)
		return "mixed arrangement";
	return "arrangement";
}

/* "short_breaks" → "short breaks" into the buffer. */
static void add_service(struct pb_buf *b, const char *s)
{
	for (; s && *s; s++)
		pb_buf_add(b, *s == '_' ? " " : s, 1);
}

static const char *holder(const cJSON *e)
{
	const char *arr = str(e, "arrangement");
	const char *name = str(e, "payee_name");

	if (arr && strcmp(arr, "notional") == 0)
		return "the council (notional)";
	return name ? name : "not yet named";
}

enum pb_err pb_budget_section_j_render(const cJSON *data, cJSON **json, char **text)
{
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(data, "budget");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(data, "child");
	const cJSON *els = cJSON_GetObjectItemCaseSensitive(b, "elements");
	char money[PB_MONEY_TEXT_MAX];
	struct pb_buf t;
	int i = 0;

	if (json)
		*json = NULL;
	if (text)
		*text = NULL;
	if (!cJSON_IsObject(b) || !cJSON_IsObject(c) || !cJSON_IsArray(els) ||
	    !str(b, "id") || !str(b, "period_start") || !str(b, "period_end"))
		return PB_EINTERNAL;

	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "budget_id", str(b, "id"));
	cJSON *oc = cJSON_AddObjectToObject(o, "child");
	cJSON_AddStringToObject(oc, "id", str(c, "id") ? str(c, "id") : "");
	cJSON_AddStringToObject(oc, "given_name", str(c, "given_name") ? str(c, "given_name") : "");
	cJSON_AddStringToObject(oc, "family_name", str(c, "family_name") ? str(c, "family_name") : "");
	cJSON_AddStringToObject(o, "status", str(b, "status") ? str(b, "status") : "");
	cJSON_AddStringToObject(o, "period_start", str(b, "period_start"));
	cJSON_AddStringToObject(o, "period_end", str(b, "period_end"));
	cJSON_AddStringToObject(o, "arrangement", str(b, "arrangement") ? str(b, "arrangement") : "");
	cJSON_AddNumberToObject(o, "total_pence", (double)pence(b, "allocated_pence"));
	pb_money_format(pence(b, "allocated_pence"), PB_MONEY_DISPLAY, money);
	cJSON_AddStringToObject(o, "total", money);

	pb_buf_init(&t, TEXT_MAX);
	pb_buf_addf(&t, "Section J: Personal Budget\n\n");
	pb_buf_addf(&t, "Child: %s %s\n", str(c, "given_name") ? str(c, "given_name") : "",
	    str(c, "family_name") ? str(c, "family_name") : "");
	pb_buf_addf(&t, "Period: %s to %s\n", str(b, "period_start"), str(b, "period_end"));
	pb_buf_addf(&t, "Total personal budget: %s (%s)\n", money,
	    arrangement_label(str(b, "arrangement")));

	cJSON *oe = cJSON_AddArrayToObject(o, "elements");
	const cJSON *e;
	cJSON_ArrayForEach(e, els) {
		const char *arr = str(e, "arrangement");
		const cJSON *ag = cJSON_GetObjectItemCaseSensitive(e, "agreement");
		cJSON *x = cJSON_CreateObject();

		pb_money_format(pence(e, "allocated_pence"), PB_MONEY_DISPLAY, money);
		cJSON_AddStringToObject(x, "element_id", str(e, "id") ? str(e, "id") : "");
		cJSON_AddStringToObject(x, "stream", str(e, "stream") ? str(e, "stream") : "");
		cJSON_AddStringToObject(x, "service_type", str(e, "service_type") ? str(e, "service_type") : "");
		cJSON_AddStringToObject(x, "arrangement", arr ? arr : "");
		cJSON_AddNumberToObject(x, "amount_pence", (double)pence(e, "allocated_pence"));
		cJSON_AddStringToObject(x, "amount", money);
		cJSON_AddStringToObject(x, "held_by", holder(e));

		pb_buf_addf(&t, "\n%d. %s: ", ++i, stream_label(str(e, "stream")));
		add_service(&t, str(e, "service_type"));
		pb_buf_addf(&t, "\n   Amount: %s\n   Arrangement: %s\n   Held by: %s\n",
		    money, arrangement_label(arr), holder(e));

		if (arr && strcmp(arr, "direct_payment") == 0 && cJSON_IsObject(ag)) {
			const cJSON *outs = cJSON_GetObjectItemCaseSensitive(ag, "outcomes"), *oi;
			const char *prov = str(ag, "agreed_provision");
			cJSON *dp = cJSON_AddObjectToObject(x, "direct_payment");
			cJSON *dpo;

			cJSON_AddStringToObject(dp, "agreed_provision", prov ? prov : "");
			dpo = cJSON_AddArrayToObject(dp, "outcomes");
			pb_buf_addf(&t, "   Agreed provision: %s\n", prov ? prov : "");
			pb_buf_addf(&t, "   Outcomes this direct payment is to meet:\n");
			cJSON_ArrayForEach(oi, outs) {
				if (!cJSON_IsString(oi))
					continue;
				cJSON_AddItemToArray(dpo, cJSON_CreateString(oi->valuestring));
				pb_buf_addf(&t, "   - %s\n", oi->valuestring);
			}
		} else {
			cJSON_AddNullToObject(x, "direct_payment");
		}
		cJSON_AddItemToArray(oe, x);
	}
	if (json)
		*json = o;
	else
		cJSON_Delete(o);
	if (text)
		*text = pb_buf_take(&t, NULL);
	pb_buf_free(&t);
	return PB_OK;
}
