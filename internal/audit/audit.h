/* SPDX-License-Identifier: MIT */
/*
 * audit.h — the audit row and domain event that every change writes.
 *
 * Call pb_audit_record() inside the transaction that makes the change, so
 * the change, its audit row and its event commit or vanish together.  The
 * event's seq comes from a per-la counter row that stays locked until the
 * transaction ends, so seq values become visible in strictly increasing
 * order (a reader paging with ?after=SEQ never skips an event).  Call it as
 * the last statement before commit to hold that lock briefly.
 */
#ifndef PB_AUDIT_AUDIT_H
#define PB_AUDIT_AUDIT_H

#include "internal/core/err.h"

struct pb_db;

struct pb_actor {
	const char *la;
	const char *sub;
	const char *request_id;
};

/* action: "child.created"; changes_json: a JSON object text of what changed
 * (never secrets); event_type: NULL for no event, else e.g.
 * "budget.approved" with payload_json (JSON object text; NULL = changes). */
enum pb_err pb_audit_record(struct pb_db *db, const struct pb_actor *actor,
    const char *action, const char *entity_type, const char *entity_id,
    const char *changes_json, const char *event_type, const char *payload_json);

/* {"before":…,"after":…} for an audit row's changes (before may be NULL:
 * written as null).  malloc'd; the caller frees.  Aborts on OOM. */
char *pb_audit_before_after(const char *before, const char *after);

#endif
