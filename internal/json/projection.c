/* SPDX-License-Identifier: MIT */
/* projection.c — the family projection of a JSON answer (see projection.h). */
#include "internal/json/projection.h"

#include <stdlib.h>
#include <string.h>

#include "internal/json/output.h"

/* Members never shown to a family, by exact name (see projection.h). */
static const char *const hidden[] = {
	"sub", "actor", "actor_sub",
	"bank", "sort_code", "account_number", "account_name", "roll_number", "failure_reason",
	"note", "internal_notes", "cancel_reason", "write_off_reason", "stop_reason",
	"cost_centre", "subjective_code", "run_id",
};

int pb_json_family_hidden(const char *key, int is_string)
{
	size_t n;

	if (key == NULL)
		return 0;
	n = strlen(key);
	if ((is_string && n > 3 && strcmp(key + n - 3, "_by") == 0) ||
	    strncmp(key, "bank_", 5) == 0)
		return 1;
	for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
		if (strcmp(key, hidden[i]) == 0)
			return 1;
	return 0;
}

size_t pb_json_family_project(cJSON *doc)
{
	size_t n = 0;

	if (doc == NULL)
		return 0;
	for (cJSON *c = doc->child, *next; c != NULL; c = next) {
		next = c->next;
		if (cJSON_IsObject(doc) && pb_json_family_hidden(c->string, cJSON_IsString(c))) {
			if (!cJSON_IsNull(c)) {
				cJSON_ReplaceItemInObjectCaseSensitive(doc, c->string, cJSON_CreateNull());
				n++;
			}
		} else if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
			n += pb_json_family_project(c);
		}
	}
	return n;
}

void pb_json_family_project_text(const char *text, size_t len, char **out)
{
	*out = NULL;
	if (text == NULL || len == 0)
		return;
	cJSON *doc = cJSON_ParseWithLength(text, len);
	if (doc != NULL && pb_json_family_project(doc) > 0)
		*out = pb_json_print(doc);
	else
		cJSON_Delete(doc);
}
