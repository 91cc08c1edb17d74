/* SPDX-License-Identifier: MIT */
/*
 * testing.h — build a struct pb_req outside the server, for unit tests and
 * fuzz harnesses that run real handlers (tests/fuzz/fuzz_handlers.c).
 * Not used by the daemon.
 *
 * The caller makes the evhttp_request (evhttp_request_new(NULL, NULL)),
 * fills its input headers (evhttp_request_get_input_headers) and keeps
 * owning it; pb_req_init_for_test binds req to it exactly as the server
 * does, so pb_req_header and pb_req_query behave as in production.
 */
#ifndef PB_HTTP_TESTING_H
#define PB_HTTP_TESTING_H

#include "internal/http/http.h"

struct evhttp_request;

/* Zero req and bind it to ev; query (may be NULL) is parsed as the
 * server would.  0 on success, -1 when the query is malformed or memory
 * runs out (req is then still safe to pass to pb_req_fini_for_test). */
int pb_req_init_for_test(struct pb_req *req, struct evhttp_request *ev,
    const char *query);

/* Release what pb_req_init_for_test allocated and the request's database
 * connection, if one was acquired.  Does not free ev. */
void pb_req_fini_for_test(struct pb_req *req);

/* Free a response's owned body (after a test has inspected it). */
void pb_resp_free_for_test(struct pb_resp *resp);

#endif
