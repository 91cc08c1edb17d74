/* SPDX-License-Identifier: MIT */
/*
 * common.h — the small steps every handler repeats: role checks, scope and
 * actor from the principal, strict body parsing, path ids, paging, ETags.
 *
 * Each api_* step that can fail has already written the response when it
 * returns non-zero; the handler then just returns.
 */
#ifndef PB_API_COMMON_H
#define PB_API_COMMON_H

#include <cJSON.h>

#include "internal/core/scope.h"
#include "internal/http/http.h"

#define API_PAGE_DEFAULT 50
#define API_PAGE_MAX 200

/* Who may read a child's records: staff of the la, or its family. */
#define API_READERS (PB_ROLES_STAFF_READ | PB_ROLE_FAMILY)

/* 403 FORBIDDEN unless the principal holds one of `roles`. */
int api_allow(struct pb_req *req, struct pb_resp *resp, unsigned roles);

/* Tenant and, for family-only principals, ownership. */
void api_scope(const struct pb_req *req, struct pb_scope *scope);
void api_actor(const struct pb_req *req, struct pb_actor *actor);

/* The request's database connection, or 503 UNAVAILABLE. */
int api_db(struct pb_req *req, struct pb_resp *resp, struct pb_db **db);

/* The same with a reader handle (pb_req_db_reader): for handlers that run
 * only single-statement reads outside a transaction. */
int api_db_reader(struct pb_req *req, struct pb_resp *resp, struct pb_db **db);

/* The same for a read that tolerates PB_READ_MAX_LAG_MS of staleness: the
 * read replica when it is that fresh (pb_req_db_stale); reader as above. */
int api_db_stale(struct pb_req *req, struct pb_resp *resp, int reader, struct pb_db **db);

/* Parse the body strictly as a JSON object into *out (caller
 * cJSON_Delete()s).  An empty body gives an empty object when
 * allow_empty, else a 400. */
int api_body(struct pb_req *req, struct pb_resp *resp, int allow_empty, cJSON **out);

/* Path parameter `name` as a UUID; anything else is 404 (no such id). */
int api_id(struct pb_req *req, struct pb_resp *resp, const char *name, char out[37]);

/* ?limit= (1–200, default 50) and ?cursor= (a UUID key); 400 otherwise.
 * *cursor is NULL when absent, else points at cursor_buf. */
int api_page(struct pb_req *req, struct pb_resp *resp, int *limit,
    char cursor_buf[37], const char **cursor);

/* Optional query parameters of a filtered list.  Absent (v == NULL) adds
 * nothing; otherwise a value that does not parse adds a 400 field error
 * naming the parameter to p.  api_query_uuid copies the UUID into out;
 * api_query_date formats the day back as YYYY-MM-DD into out; api_query_enum
 * accepts one of names[] (NULL-terminated).  what describes the value. */
void api_query_uuid(const char *v, const char *name, const char *what, char out[37],
    struct pb_problem *p);
void api_query_date(const char *v, const char *name, char out[11], struct pb_problem *p);
void api_query_enum(const char *v, const char *name, const char *const *names,
    struct pb_problem *p);
/* A whole number in [min, max] (decimal digits only) into *out. */
void api_query_int(const char *v, const char *name, long min, long max, long *out,
    struct pb_problem *p);

/* If-Match: -1 when absent; "N" (quoted, optional W/) gives N; "*" gives
 * -1; anything else → 412. */
int api_if_match(struct pb_req *req, struct pb_resp *resp, int *version);

/* Content negotiation on Accept (pb_http_accept_pick) among the n media
 * types of offered[], the default first: *which gets the index chosen and
 * the response says Vary: Accept.  When nothing offered is acceptable:
 * strict → 406 NOT_ACCEPTABLE listing the types (non-zero return); not
 * strict → the default (for a representation that predates negotiation). */
int api_accept(struct pb_req *req, struct pb_resp *resp, const char *const offered[],
    size_t n, int strict, int *which);

/* A store read of one resource by id within a scope (see the stores). */
typedef enum pb_err api_get_fn(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version);

/* A store read of one page of resources under a parent id (NULL when the
 * list has no parent). */
typedef enum pb_err api_list_fn(struct pb_db *db, const struct pb_scope *scope,
    const char *parent_id, const char *cursor, int limit, char **json);

/* The whole of a GET-by-id handler: roles, the UUID path parameter
 * `param`, the scoped read, 200 with ETag, or the error. */
void api_get_by_id(struct pb_req *req, struct pb_resp *resp, unsigned roles,
    const char *param, api_get_fn *get);

/* The whole of a list handler: roles, the optional parent UUID path
 * parameter (NULL for none), limit/cursor, the scoped read, 200. */
void api_list(struct pb_req *req, struct pb_resp *resp, unsigned roles,
    const char *parent_param, api_list_fn *list);

/* Render an error: the problem when it holds one, else err alone. */
void api_fail(struct pb_resp *resp, enum pb_err err, const struct pb_problem *p);

/* The answer to a service call: api_fail() when err, else 200 with json
 * (owned and freed either way) and, when version > 0, its ETag. */
void api_reply(struct pb_resp *resp, enum pb_err err, const struct pb_problem *p,
    char *json, int version);

/* The opening of every If-Match write on one resource: roles, the UUID
 * path parameter `param` into id, If-Match, and the JSON object body
 * (empty allowed when allow_empty; caller cJSON_Delete()s *body). */
int api_write_open(struct pb_req *req, struct pb_resp *resp, unsigned roles,
    const char *param, char id[37], int *if_match, int allow_empty, cJSON **body);

/* Respond with JSON text (takes ownership of json).  version > 0 adds an
 * ETag; location (may be NULL) adds Location. */
void api_json_text(struct pb_resp *resp, int status, char *json, int version,
    const char *location);

#endif
