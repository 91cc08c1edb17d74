/* SPDX-License-Identifier: MIT */
/* audit.c — audit row + event row in the caller's transaction (audit.h). */
#include "internal/audit/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/core/uuid.h"
#include "internal/db/db.h"

enum pb_err pb_audit_record(struct pb_db *db, const struct pb_actor *actor,
    const char *action, const char *entity_type, const char *entity_id,
    const char *changes_json, const char *event_type, const char *payload_json)
{
	char audit_id[37], event_id[37];

	pb_uuid_new(audit_id);
	const char *ap[] = { actor->la, audit_id, actor->sub, action, entity_type,
	    entity_id, actor->request_id, changes_json ? changes_json : "{}" };
	enum pb_err err = pb_db_query(db,
	    "INSERT INTO audit_log (la, id, actor_sub, action, entity_type, entity_id,"
	    " request_id, changes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)",
	    8, ap, NULL);
	if (err || event_type == NULL)
		return err;
	pb_uuid_new(event_id);
	const char *ep[] = { actor->la, event_id, event_type, entity_type, entity_id,
	    actor->request_id, payload_json ? payload_json : (changes_json ? changes_json : "{}") };
	return pb_db_query(db,
	    "WITH c AS (INSERT INTO event_counters AS ec (la, last_seq) VALUES ($1, 1)"
	    " ON CONFLICT (la) DO UPDATE SET last_seq = ec.last_seq + 1"
	    " RETURNING last_seq)"
	    " INSERT INTO events (la, seq, id, type, entity_type, entity_id, request_id, payload)"
	    " SELECT $1, c.last_seq, $2, $3, $4, $5, $6, $7::jsonb FROM c",
	    7, ep, NULL);
}

char *pb_audit_before_after(const char *before, const char *after)
{
	size_t n = (before ? strlen(before) : 4) + strlen(after) + 32;
	char *s = malloc(n);

	if (s == NULL)
		abort();
	snprintf(s, n, "{\"before\":%s,\"after\":%s}", before ? before : "null", after);
	return s;
}
