/* SPDX-License-Identifier: MIT */
/* framing.c — RFC 9112 line endings and chunk framing, byte by byte (see framing.h). */
#include "internal/http/framing.h"

#include <string.h>

#include "internal/core/hex.h"

/* Inside a field line only CR and LF matter: the offset of the first of
 * them in data[i..n), or n. */
static size_t next_line_end(const char *data, size_t i, size_t n)
{
	const char *cr = memchr(data + i, '\r', n - i);
	size_t stop = cr ? (size_t)(cr - data) : n;
	const char *lf = memchr(data + i, '\n', stop - i);
	return lf ? (size_t)(lf - data) : stop;
}

size_t pb_head_scan(struct pb_head_scan *st, const char *data, size_t n, const char **why)
{
	*why = NULL;
	if (st->ended)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (st->lines > 0 && st->line_len > 0 && !st->cr) {
			size_t stop = next_line_end(data, i, n);
			st->line_len += stop - i;
			if ((i = stop) == n)
				break;
		}
		char c = data[i];
		if (st->cr && c != '\n') {
			*why = "A CR in the request head is not followed by LF.";
			return i;
		}
		if (c == '\r') {
			st->cr = 1;
			continue;
		}
		if (c == '\n') {
			if (!st->cr) {
				*why = "A line of the request head ends in a bare LF.";
				return i;
			}
			st->cr = 0;
			if (st->line_len == 0 && st->lines > 0) {
				st->ended = 1;
				return i + 1;
			}
			st->lines += st->line_len > 0;
			st->line_len = 0;
			continue;
		}
		if (st->line_len == 0 && st->lines > 0 && (c == ' ' || c == '\t')) {
			*why = "Obsolete line folding is not allowed in a request head.";
			return i;
		}
		if (st->lines == 0) {
			if (c == '\t' || (c == ' ' && (st->line_len == 0 || st->prev == ' ' ||
			    ++st->spaces > 2))) {
				*why = "The request line is malformed.";
				return i;
			}
			st->prev = c;
		}
		st->line_len++;
	}
	return n;
}

int pb_head_scan_done(const struct pb_head_scan *st)
{
	return st->ended;
}

enum { C_SIZE0, C_SIZE, C_EXT, C_SIZE_LF, C_DATA, C_DATA_CR, C_DATA_LF, C_TRAILER,
	C_END_LF, C_DONE };

/* One byte of framing (not chunk data); 0, or -1 with *why. */
static int frame_byte(struct pb_chunk_scan *st, char c, const char **why)
{
	int h = pb_hex_digit(c);

	switch (st->state) {
	case C_SIZE0:
	case C_SIZE:
		if (h >= 0) {
			if (++st->digits > 15) {
				*why = "A chunk size is too long.";
				return -1;
			}
			st->left = st->left * 16 + (uint64_t)h;
			st->state = C_SIZE;
			return 0;
		}
		if (st->state == C_SIZE && (c == ';' || c == ' ' || c == '\t')) {
			st->state = C_EXT;
			return 0;
		}
		if (st->state == C_SIZE && c == '\r') {
			st->state = C_SIZE_LF;
			return 0;
		}
		*why = "A chunk size is malformed.";
		return -1;
	case C_EXT:
		if (c == '\r') {
			st->state = C_SIZE_LF;
			return 0;
		}
		if ((unsigned char)c < 0x20 && c != '\t') {
			*why = "A chunk extension holds a control character.";
			return -1;
		}
		return 0;
	case C_SIZE_LF:
		if (c != '\n') {
			*why = "A chunk size line does not end in CRLF.";
			return -1;
		}
		st->state = st->left == 0 ? C_TRAILER : C_DATA;
		return 0;
	case C_DATA_CR:
		if (c != '\r') {
			*why = "Chunk data is not followed by CRLF.";
			return -1;
		}
		st->state = C_DATA_LF;
		return 0;
	case C_DATA_LF:
		if (c != '\n') {
			*why = "Chunk data is not followed by CRLF.";
			return -1;
		}
		st->state = C_SIZE0;
		st->digits = 0;
		return 0;
	case C_TRAILER:
		if (c != '\r') {
			*why = "Trailer fields are not accepted.";
			return -1;
		}
		st->state = C_END_LF;
		return 0;
	case C_END_LF:
		if (c != '\n') {
			*why = "A chunked body does not end in CRLF.";
			return -1;
		}
		st->state = C_DONE;
		return 0;
	default:
		return 0;
	}
}

size_t pb_chunk_scan(struct pb_chunk_scan *st, const char *data, size_t n, const char **why)
{
	size_t i = 0;

	*why = NULL;
	while (i < n && st->state != C_DONE) {
		if (st->state == C_DATA) {
			uint64_t take = st->left < (uint64_t)(n - i) ? st->left : (uint64_t)(n - i);
			st->left -= take;
			i += (size_t)take;
			if (st->left == 0)
				st->state = C_DATA_CR;
			continue;
		}
		if (frame_byte(st, data[i], why) != 0)
			return i;
		i++;
	}
	return i;
}

int pb_chunk_scan_done(const struct pb_chunk_scan *st)
{
	return st->state == C_DONE;
}
