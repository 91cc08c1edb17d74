/* SPDX-License-Identifier: MIT */
/* err.c — names of enum pb_err values, used in problem+json and logs. */
#include "internal/core/err.h"

const char *pb_err_code(enum pb_err err)
{
	switch (err) {
	case PB_OK: return "OK";
	case PB_EINVAL: return "VALIDATION_FAILED";
	case PB_ENOTFOUND: return "NOT_FOUND";
	case PB_EFORBIDDEN: return "FORBIDDEN";
	case PB_ECONFLICT: return "CONFLICT";
	case PB_ETRANSITION: return "INVALID_TRANSITION";
	case PB_EFUNDS: return "INSUFFICIENT_FUNDS";
	case PB_ERULE: return "RULE_VIOLATION";
	case PB_ESOD: return "SEPARATION_OF_DUTIES";
	case PB_EIDEMPOTENCY: return "IDEMPOTENCY_KEY_REUSED";
	case PB_EPRECONDITION: return "PRECONDITION_FAILED";
	case PB_EUNAVAILABLE: return "UNAVAILABLE";
	case PB_EUNAUTH: return "UNAUTHENTICATED";
	case PB_EMETHOD: return "METHOD_NOT_ALLOWED";
	case PB_ETOOLARGE: return "PAYLOAD_TOO_LARGE";
	case PB_EMEDIA: return "UNSUPPORTED_MEDIA_TYPE";
	case PB_ENOTACCEPTABLE: return "NOT_ACCEPTABLE";
	case PB_ERATE: return "RATE_LIMITED";
	case PB_EDB: return "INTERNAL";
	case PB_EINTERNAL: return "INTERNAL";
	case PB_EBADREQUEST: return "BAD_REQUEST";
	case PB_ETIMEOUT: return "REQUEST_TIMEOUT";
	case PB_EEXPECTATION: return "EXPECTATION_FAILED";
	case PB_EHEADERS: return "HEADERS_TOO_LARGE";
	case PB_ENOTIMPLEMENTED: return "NOT_IMPLEMENTED";
	case PB_EVERSION: return "HTTP_VERSION_NOT_SUPPORTED";
	}
	return "INTERNAL";
}
