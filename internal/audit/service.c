/* SPDX-License-Identifier: MIT */
/* service.c — audit rows and events in the caller's transaction (service.h). */
#include "internal/audit/service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/audit/store.h"
#include "internal/core/uuid.h"

enum pb_err pb_audit_record(struct pb_db *db, const struct pb_actor *actor,
    const char *action, const char *entity_type, const char *entity_id,
    const char *changes_json, const char *event_type, const char *payload_json)
{
	char audit_id[37], event_id[37];
	const char *changes = changes_json ? changes_json : "{}";

	pb_uuid_new(audit_id);
	enum pb_err err = pb_audit_store_insert(db, actor, audit_id, action, entity_type,
	    entity_id, changes);
	if (err || event_type == NULL)
		return err;
	pb_uuid_new(event_id);
	return pb_audit_store_event(db, actor, event_id, event_type, entity_type, entity_id,
	    payload_json ? payload_json : changes);
}

enum pb_err pb_audit_record_many(struct pb_db *db, const struct pb_actor *actor,
    const char *action, const char *entity_type, const char *entities_json)
{
	return pb_audit_store_insert_many(db, actor, action, entity_type, entities_json);
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

enum pb_err pb_audit_list(struct pb_db *db, const char *la, const struct pb_audit_filter *f,
    const char *after, int limit, char **json)
{
	return pb_audit_store_list(db, la, f, after, limit, json);
}

enum pb_err pb_events_list(struct pb_db *db, const char *la, const char *after,
    int limit, char **json)
{
	return pb_audit_store_events(db, la, after, limit, json);
}
