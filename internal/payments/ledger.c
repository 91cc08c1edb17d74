/* SPDX-License-Identifier: MIT */
/* ledger.c — the council's finance codes per service type (see ledger.h). */
#include "internal/payments/ledger.h"

#include <stdlib.h>
#include <string.h>

#include "internal/audit/service.h"
#include "internal/db/db.h"
#include "internal/payments/store.h"

int pb_pay_ledger_code_ok(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n < 1 || n > 12)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

enum pb_err pb_pay_ledger_put(struct pb_db *db, const struct pb_actor *actor,
    const char *service_type, const char *cost_centre, const char *subjective_code,
    int if_match, char **json, int *version)
{
	char *before = NULL, id[37];
	int v = 0;

	*json = NULL;
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	err = pb_pay_store_ledger_lock(db, actor->la, service_type, &before, &v);
	if (err == PB_ENOTFOUND)
		err = PB_OK;                    /* a new one: version 0 */
	if (err == PB_OK && if_match >= 0 && if_match != v)
		err = PB_EPRECONDITION;
	if (err == PB_OK)
		err = pb_pay_store_ledger_put(db, actor, service_type, cost_centre, subjective_code,
		    id, json, version);
	if (err == PB_OK) {
		char *changes = pb_audit_before_after(before, *json);
		err = pb_audit_record(db, actor, "ledger_codes.updated", "ledger_codes", id, changes,
		    "ledger_codes.updated", *json);
		free(changes);
	}
	free(before);
	return pb_db_finish_json(db, err, json);
}

enum pb_err pb_pay_ledger_list(struct pb_db *db, const char *la, char **json)
{
	return pb_pay_store_ledger_list(db, la, json);
}
