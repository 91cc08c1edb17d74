/* SPDX-License-Identifier: MIT */
/* buf.c — bounded growable buffer (see buf.h). */
#include "internal/core/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pb_buf_init(struct pb_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

static enum pb_err reserve(struct pb_buf *b, size_t extra)
{
	if (extra > b->max || b->len > b->max - extra)
		return PB_EINVAL;
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return PB_OK;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	char *d = realloc(b->data, cap);
	if (d == NULL)
		abort();
	b->data = d;
	b->cap = cap;
	return PB_OK;
}

enum pb_err pb_buf_add(struct pb_buf *b, const void *data, size_t len)
{
	if (reserve(b, len) != PB_OK)
		return PB_EINVAL;
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return PB_OK;
}

enum pb_err pb_buf_addf(struct pb_buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];

	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return PB_EINVAL;
	if ((size_t)n < sizeof(small))
		return pb_buf_add(b, small, (size_t)n);
	if (reserve(b, (size_t)n) != PB_OK)
		return PB_EINVAL;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return PB_OK;
}

const char *pb_buf_str(const struct pb_buf *b)
{
	return b->data ? b->data : "";
}

size_t pb_buf_len(const struct pb_buf *b)
{
	return b->len;
}

char *pb_buf_take(struct pb_buf *b, size_t *len)
{
	if (b->data == NULL && reserve(b, 0) != PB_OK)
		abort();
	if (b->len == 0)
		b->data[0] = '\0';
	char *d = b->data;
	if (len != NULL)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return d;
}

void pb_buf_free(struct pb_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
