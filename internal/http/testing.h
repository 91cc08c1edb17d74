/* SPDX-License-Identifier: MIT */
/*
 * testing.h — build a struct pb_req outside the server, for unit tests and
 * fuzz harnesses that run real handlers (tests/fuzz/fuzz_handlers.c).
 * Not used by the daemon.
 *
 * pb_req_init_for_test binds req to a list of header fields (as the
 * parser would give them) and a query string parsed by the server's own
 * target parser, so pb_req_header and pb_req_query behave as in
 * production.
 */
#ifndef PB_HTTP_TESTING_H
#define PB_HTTP_TESTING_H

#include "internal/http/http.h"

#include "internal/http/parser.h"

/* Zero req and give it fields[0..nfields) (copied; the strings must
 * outlive req); query (may be NULL) is parsed as the server would.  0 on
 * success, -1 when the query is refused or memory runs out (req is then
 * still safe to pass to pb_req_fini_for_test). */
int pb_req_init_for_test(struct pb_req *req, const struct pb_http_field *fields, int nfields,
    const char *query);

/* Release what pb_req_init_for_test allocated and the request's database
 * connection, if one was acquired. */
void pb_req_fini_for_test(struct pb_req *req);

/* Free a response's owned body (after a test has inspected it). */
void pb_resp_free_for_test(struct pb_resp *resp);

#endif
