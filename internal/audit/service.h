/* SPDX-License-Identifier: MIT */
/*
 * audit/service.h — the audit row and domain event that every change
 * writes, and the two read-only feeds (GET /v1/audit, GET /v1/events).
 *
 * Call pb_audit_record() (or pb_audit_record_many() for a set of changes)
 * inside the transaction that makes the change, so the change, its audit
 * row and its event commit or vanish together.  The event's seq comes from
 * a per-la counter row that stays locked until the transaction ends, so
 * seq values become visible in strictly increasing order (a reader paging
 * with ?after=SEQ never skips an event).  Call it as the last statement
 * before commit to hold that lock briefly.  Never put secrets (bank
 * details, tokens) in changes or payloads.  Thread-safety: one struct
 * pb_db per task.
 */
#ifndef PB_AUDIT_SERVICE_H
#define PB_AUDIT_SERVICE_H

#include <stdint.h>

#include "internal/core/err.h"
#include "internal/core/scope.h"

struct pb_db;

/* action: "child.created"; changes_json: a JSON object text of what changed
 * (never secrets); event_type: NULL for no event, else e.g.
 * "budget.approved" with payload_json (JSON object text; NULL = changes). */
enum pb_err pb_audit_record(struct pb_db *db, const struct pb_actor *actor,
    const char *action, const char *entity_type, const char *entity_id,
    const char *changes_json, const char *event_type, const char *payload_json);

/* One audit row {"after": <after>} and one event (type = action, payload
 * <after>) per member of entities_json, a JSON array of {"id": uuid,
 * "after": object} (an empty array writes nothing), in one statement
 * however many there are. */
enum pb_err pb_audit_record_many(struct pb_db *db, const struct pb_actor *actor,
    const char *action, const char *entity_type, const char *entities_json);

/* {"before":…,"after":…} for an audit row's changes (before may be NULL:
 * written as null).  malloc'd; the caller frees.  Aborts on OOM. */
char *pb_audit_before_after(const char *before, const char *after);

/* What GET /v1/audit filters on; NULL / PB_DATE_NONE: any.  from and to
 * are UTC days, both inclusive.  Strings borrowed. */
struct pb_audit_filter {
	const char *entity_id, *actor, *action, *entity_type;
	int32_t from, to;
};

/* GET /v1/audit: la's audit rows matching f in seq order after seq
 * `after` (NULL: from the start); a page of limit with next_cursor the
 * last seq.  *json malloc'd (caller frees). */
enum pb_err pb_audit_list(struct pb_db *db, const char *la, const struct pb_audit_filter *f,
    const char *after, int limit, char **json);

/* GET /v1/events: la's events after seq `after` (NULL: from the start). */
enum pb_err pb_events_list(struct pb_db *db, const char *la, const char *after,
    int limit, char **json);

#endif
