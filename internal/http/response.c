/* SPDX-License-Identifier: MIT */
/*
 * response.c — filling struct pb_resp, and problem+json rendering.
 * The one mapping from enum pb_err to HTTP status lives here.
 */
#include "internal/http/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pb_http_status_for(enum pb_err err)
{
	switch (err) {
	case PB_OK: return 200;
	case PB_EINVAL: return 400;
	case PB_ENOTFOUND: return 404;
	case PB_EFORBIDDEN: return 403;
	case PB_ECONFLICT: return 409;
	case PB_ETRANSITION: return 409;
	case PB_EFUNDS: return 409;
	case PB_ERULE: return 422;
	case PB_ESOD: return 403;
	case PB_EIDEMPOTENCY: return 422;
	case PB_EPRECONDITION: return 412;
	case PB_EUNAVAILABLE: return 503;
	case PB_EUNAUTH: return 401;
	case PB_EMETHOD: return 405;
	case PB_ETOOLARGE: return 413;
	case PB_EMEDIA: return 415;
	case PB_ENOTACCEPTABLE: return 406;
	case PB_ERATE: return 429;
	case PB_EDB: return 500;
	case PB_EINTERNAL: return 500;
	case PB_EBADREQUEST: return 400;
	case PB_ETIMEOUT: return 408;
	case PB_EEXPECTATION: return 417;
	case PB_EHEADERS: return 431;
	case PB_ENOTIMPLEMENTED: return 501;
	case PB_EVERSION: return 505;
	}
	return 500;
}

const char *pb_http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 417: return "Expectation Failed";
	case 422: return "Unprocessable Content";
	case 428: return "Precondition Required";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return status < 500 ? "Client Error" : "Server Error";
	}
}

void pb_resp_json(struct pb_resp *resp, int status, cJSON *body)
{
	cJSON_Delete(resp->json);
	free(resp->raw);
	resp->raw = NULL;
	resp->status = status;
	resp->json = body;
	resp->content_type = "application/json";
}

void pb_resp_raw(struct pb_resp *resp, int status, const char *content_type,
    char *body, size_t len)
{
	cJSON_Delete(resp->json);
	resp->json = NULL;
	free(resp->raw);
	resp->status = status;
	resp->raw = body;
	resp->raw_len = len;
	resp->content_type = content_type;
}

void pb_resp_header(struct pb_resp *resp, const char *name, const char *value)
{
	for (int i = 0; i < resp->nheaders; i++)
		if (strcmp(resp->headers[i].name, name) == 0) {
			snprintf(resp->headers[i].value, sizeof(resp->headers[i].value), "%s", value);
			return;
		}
	if (resp->nheaders >= PB_HTTP_MAX_RESP_HEADERS)
		return;
	resp->headers[resp->nheaders].name = name;
	snprintf(resp->headers[resp->nheaders].value,
	    sizeof(resp->headers[resp->nheaders].value), "%s", value);
	resp->nheaders++;
}

void pb_resp_problem(struct pb_resp *resp, const struct pb_problem *p)
{
	enum pb_err err = p->err == PB_OK ? PB_EINTERNAL : p->err;
	int status = pb_http_status_for(err);
	const char *code = pb_err_code(err);
	cJSON *o = cJSON_CreateObject();
	char type[96];

	snprintf(type, sizeof(type), "https://personal-budgets.example/problems/%s", code);
	cJSON_AddStringToObject(o, "type", type);
	cJSON_AddStringToObject(o, "title", pb_http_reason(status));
	cJSON_AddNumberToObject(o, "status", status);
	cJSON_AddStringToObject(o, "detail", p->detail[0] ? p->detail
	    : (p->nerrors ? "The request has invalid fields." : pb_http_reason(status)));
	cJSON_AddStringToObject(o, "code", code);
	if (p->rule[0])
		cJSON_AddStringToObject(o, "rule", p->rule);
	/* integers up to 2^53 are exact in a cJSON number (money is <= 1e11) */
	for (int i = 0; i < p->nvalues; i++)
		cJSON_AddNumberToObject(o, p->values[i].name, (double)p->values[i].value);
	if (p->nerrors > 0) {
		cJSON *arr = cJSON_AddArrayToObject(o, "errors");
		for (int i = 0; i < p->nerrors; i++) {
			cJSON *e = cJSON_CreateObject();
			cJSON_AddStringToObject(e, "field", p->errors[i].field);
			cJSON_AddStringToObject(e, "code", p->errors[i].code);
			cJSON_AddStringToObject(e, "message", p->errors[i].message);
			cJSON_AddItemToArray(arr, e);
		}
	}
	pb_resp_json(resp, status, o);
	resp->content_type = "application/problem+json";
}

void pb_resp_error(struct pb_resp *resp, enum pb_err err, const char *detail)
{
	struct pb_problem p;

	pb_problem_init(&p);
	pb_problem_set(&p, err, NULL, "%s", detail);
	pb_resp_problem(resp, &p);
}
