/* SPDX-License-Identifier: MIT */
/*
 * audit/store.h — the SQL of the audit log and the events feed (private to
 * internal/audit: callers use service.h).  Never begins or ends a
 * transaction.  Errors are pb_db_query's.
 */
#ifndef PB_AUDIT_STORE_H
#define PB_AUDIT_STORE_H

#include "internal/audit/service.h"
#include "internal/core/err.h"
#include "internal/core/scope.h"

struct pb_db;

enum pb_err pb_audit_store_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *action, const char *entity_type,
    const char *entity_id, const char *changes_json);

/* Append the event (no lock on anything shared: its feed seq is given once
 * its transaction and every older writing one have ended, migration 010). */
enum pb_err pb_audit_store_event(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *type, const char *entity_type,
    const char *entity_id, const char *payload_json);

/* Audit rows and events for every {"id","after"} of entities_json. */
enum pb_err pb_audit_store_insert_many(struct pb_db *db,
    const struct pb_actor *actor, const char *action, const char *entity_type,
    const char *entities_json);

/* Pages in seq order: after / entity_id may be NULL.  The events page
 * first runs one pass of pb_events_sequence() (outside any transaction of
 * the caller's: call it on its own), then reads the feed. */
enum pb_err pb_audit_store_list(struct pb_db *db, const char *la,
    const struct pb_audit_filter *f, const char *after, int limit, char **json);
enum pb_err pb_audit_store_events(struct pb_db *db, const char *la,
    const char *after, int limit, char **json);

#endif
