/* SPDX-License-Identifier: MIT */
/*
 * err.h — the one error vocabulary of the service.
 *
 * Every fallible function returns enum pb_err; PB_OK (zero) is success and
 * results travel in out-parameters.  Domain code never sees HTTP: api/ maps
 * each value to a status and a problem+json code in exactly one place
 * (pb_http_status_for in internal/http/response.c).
 */
#ifndef PB_CORE_ERR_H
#define PB_CORE_ERR_H

enum pb_err {
	PB_OK = 0,
	PB_EINVAL,          /* client input fails validation            -> 400 */
	PB_ENOTFOUND,       /* no such row for this tenant/principal    -> 404 */
	PB_EFORBIDDEN,      /* authenticated but role not allowed       -> 403 */
	PB_ECONFLICT,       /* unique key or state conflict             -> 409 */
	PB_ETRANSITION,     /* illegal lifecycle move                   -> 409 */
	PB_EFUNDS,          /* would exceed remaining money             -> 409 */
	PB_ERULE,           /* a domain rule (with rule id) refuses     -> 422 */
	PB_ESOD,            /* separation of duties                     -> 403 */
	PB_EIDEMPOTENCY,    /* idempotency key reused with another body -> 422 */
	PB_EPRECONDITION,   /* If-Match mismatch                        -> 412 */
	PB_EUNAVAILABLE,    /* database unreachable / pool exhausted    -> 503 */
	PB_EUNAUTH,         /* no or invalid credentials                -> 401 */
	PB_EMETHOD,         /* method not allowed on the path           -> 405 */
	PB_ETOOLARGE,       /* body over the limit                      -> 413 */
	PB_EMEDIA,          /* body not application/json                -> 415 */
	PB_ENOTACCEPTABLE,  /* no offered media type fits Accept        -> 406 */
	PB_ERATE,           /* rate limit                               -> 429 */
	PB_EDB,             /* unexpected database error                -> 500 */
	PB_EINTERNAL,       /* programmer error                         -> 500 */
	/* HTTP framing, answered by the server before any handler runs */
	PB_EBADREQUEST,     /* not well-formed HTTP/1.1                 -> 400 */
	PB_ETIMEOUT,        /* the request did not arrive in time       -> 408 */
	PB_EEXPECTATION,    /* an Expect other than 100-continue        -> 417 */
	PB_EHEADERS,        /* request head over the limit              -> 431 */
	PB_ENOTIMPLEMENTED, /* unknown method or transfer coding        -> 501 */
	PB_EVERSION         /* an HTTP version other than 1.0 and 1.1   -> 505 */
};

/* Stable UPPER_SNAKE name of an error ("NOT_FOUND"); never NULL. */
const char *pb_err_code(enum pb_err err);

#endif
