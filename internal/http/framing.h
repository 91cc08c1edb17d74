/* SPDX-License-Identifier: MIT */
/*
 * framing.h — the byte-level framing rules of RFC 9112 that llhttp 8.1
 * (Debian 12's) lets through, checked as the bytes go by.
 *
 * llhttp 8.1 takes a bare LF after the request line, a CR followed by any
 * byte as the end of the head, and any two bytes after chunk data or a
 * chunk size in place of CRLF — each a request-smuggling risk, found by
 * tests/fuzz/fuzz_http_stream.c and fixed upstream only in llhttp 9.  The
 * parser runs these scanners over the bytes before handing them to llhttp
 * and feeds llhttp only up to the first violation, so the first fault by
 * position decides the answer however the bytes were split.
 *
 * Head: lines end in CRLF (no bare CR, no bare LF); a line may not start
 * with a blank (obs-fold, or whitespace before the first field); empty
 * lines before the request line are skipped; the request line's three
 * parts are separated by exactly one SP each (no HTAB, no runs of SP).  Chunked body: chunk-size
 * (hex) [chunk-ext] CRLF data CRLF ... last-chunk CRLF, then the final
 * CRLF — no trailer fields.  Pure; the state is the caller's.
 */
#ifndef PB_HTTP_FRAMING_H
#define PB_HTTP_FRAMING_H

#include <stddef.h>
#include <stdint.h>

struct pb_head_scan {
	size_t line_len;   /* bytes on the current line, CR aside */
	int lines;         /* non-empty lines seen */
	int cr;            /* the last byte was a CR */
	int spaces;        /* SPs seen on the request line */
	char prev;         /* the byte before, on the request line */
	int ended;         /* the blank line ending the head was seen */
};

struct pb_chunk_scan {
	int state;
	uint64_t left;     /* data bytes still due in the current chunk */
	int digits;
};

/* Advance st over data[0..n) and return how many bytes it went over: all
 * n, or up to and including the LF that ends the head (then
 * pb_head_scan_done), or up to (not including) the first byte that breaks
 * a rule — then *why (static text) says which; otherwise *why is NULL.
 * Start from a zeroed struct. */
size_t pb_head_scan(struct pb_head_scan *st, const char *data, size_t n, const char **why);
int pb_head_scan_done(const struct pb_head_scan *st);

/* The same for a chunked body, stopping after its final CRLF. */
size_t pb_chunk_scan(struct pb_chunk_scan *st, const char *data, size_t n, const char **why);
int pb_chunk_scan_done(const struct pb_chunk_scan *st);

#endif
