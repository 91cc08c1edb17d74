/* SPDX-License-Identifier: MIT */
/*
 * buf.h — a growable byte buffer with a hard maximum (curl's dynbuf idea).
 *
 * Appends beyond `max` fail with PB_EINVAL and leave the content as it was,
 * so an output can never grow without bound.  The content is always
 * NUL-terminated.  pb_buf_take() hands the malloc'd bytes to the caller.
 * Not thread-safe (one owner).
 */
#ifndef PB_CORE_BUF_H
#define PB_CORE_BUF_H

#include <stddef.h>

#include "internal/core/err.h"

struct pb_buf {
	char *data;   /* private: use pb_buf_str */
	size_t len;
	size_t cap;
	size_t max;
};

void pb_buf_init(struct pb_buf *b, size_t max);
enum pb_err pb_buf_add(struct pb_buf *b, const void *data, size_t len);
enum pb_err pb_buf_addf(struct pb_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
const char *pb_buf_str(const struct pb_buf *b);   /* "" when empty */
size_t pb_buf_len(const struct pb_buf *b);
/* Detach the content (malloc'd, NUL-terminated, never NULL: aborts on
 * OOM); the buffer is reset to empty. */
char *pb_buf_take(struct pb_buf *b, size_t *len);
void pb_buf_free(struct pb_buf *b);

#endif
