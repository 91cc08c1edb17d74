/* SPDX-License-Identifier: MIT */
/* store.c — SQL of the audit log and the events feed (see store.h). */
#include "internal/audit/store.h"

#include <stdio.h>

#include "internal/db/db.h"
#include "internal/db/rows.h"

enum pb_err pb_audit_store_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *action, const char *entity_type,
    const char *entity_id, const char *changes_json)
{
	const char *pp[] = { actor->la, id, actor->sub, action, entity_type,
	    entity_id, actor->request_id, changes_json };
	return pb_db_query(db,
	    "INSERT INTO audit_log (la, id, actor_sub, action, entity_type, entity_id,"
	    " request_id, changes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)",
	    8, pp, NULL);
}

enum pb_err pb_audit_store_event(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *type, const char *entity_type,
    const char *entity_id, const char *payload_json)
{
	const char *pp[] = { actor->la, id, type, entity_type, entity_id,
	    actor->request_id, payload_json };
	/* No counter: the feed numbers it once its transaction has ended
	 * (pb_events_sequence, migration 010). */
	return pb_db_query(db,
	    "INSERT INTO events (la, id, type, entity_type, entity_id, request_id, payload)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)",
	    7, pp, NULL);
}

enum pb_err pb_audit_store_insert_many(struct pb_db *db,
    const struct pb_actor *actor, const char *action, const char *entity_type,
    const char *entities_json)
{
	const char *pp[] = { actor->la, entities_json, actor->sub, action, entity_type,
	    actor->request_id };
	/* The set-based twin of insert + event. */
	return pb_db_query(db,
	    "WITH x AS (SELECT (j->>'id')::uuid AS id, j->'after' AS after, n"
	    "   FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS t(j, n)),"
	    " a AS (INSERT INTO audit_log (la, id, actor_sub, action, entity_type, entity_id,"
	    "  request_id, changes) SELECT $1, gen_random_uuid(), $3, $4, $5, x.id, $6,"
	    "  jsonb_build_object('after', x.after) FROM x)"
	    " INSERT INTO events (la, id, type, entity_type, entity_id, request_id, payload)"
	    " SELECT $1, gen_random_uuid(), $4, $5, x.id, $6, x.after FROM x ORDER BY x.n",
	    6, pp, NULL);
}

enum pb_err pb_audit_store_list(struct pb_db *db, const char *la,
    const struct pb_audit_filter *f, const char *after, int limit, char **json)
{
	char lim[24], from[11], to[11];
	const char *pp[] = { la, f->entity_id, after, pb_db_int_param(limit + 1, lim), f->actor,
	    f->action, f->entity_type, pb_db_date_param(f->from, from), pb_db_date_param(f->to, to) };
	/* days are UTC: from its first instant, to the end of `to` */
	return pb_db_list_json(db,
	    "SELECT pb_json(a)::text, a.seq FROM audit_log a WHERE a.la = $1"
	    " AND ($2::uuid IS NULL OR a.entity_id = $2)"
	    " AND ($5::text IS NULL OR a.actor_sub = $5)"
	    " AND ($6::text IS NULL OR a.action = $6)"
	    " AND ($7::text IS NULL OR a.entity_type = $7)"
	    " AND ($8::date IS NULL OR a.at >= ($8::date)::timestamp AT TIME ZONE 'UTC')"
	    " AND ($9::date IS NULL OR a.at < ($9::date + 1)::timestamp AT TIME ZONE 'UTC')"
	    " AND ($3::bigint IS NULL OR a.seq > $3) ORDER BY a.seq LIMIT $4",
	    9, pp, limit, json);
}

enum pb_err pb_audit_store_events(struct pb_db *db, const char *la,
    const char *after, int limit, char **json)
{
	char lim[24];
	const char *pp[] = { la, after, pb_db_int_param(limit + 1, lim) };
	/* First number what has become visible (a statement of its own: the
	 * read must see the feed rows the pass added). */
	enum pb_err err = pb_db_query(db, "SELECT pb_events_sequence($1)", 1, pp, NULL);
	if (err)
		return err;
	return pb_db_list_json(db,
	    "SELECT pb_json(e, f.seq)::text, f.seq FROM event_feed f"
	    " JOIN events e ON e.la = f.la AND e.pos = f.pos WHERE f.la = $1"
	    " AND ($2::bigint IS NULL OR f.seq > $2) ORDER BY f.seq LIMIT $3",
	    3, pp, limit, json);
}
