/* SPDX-License-Identifier: MIT */
/*
 * text.h — tiny string predicates the rules share.  Pure; thread-safe.
 */
#ifndef PB_CORE_TEXT_H
#define PB_CORE_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* 1 when s is neither NULL nor "". */
int pb_text_present(const char *s);

/* 1 when s is NULL or holds only spaces, tabs, CR and LF. */
int pb_text_blank(const char *s);

/* 1 when s is 1..max bytes of a lower-case identifier: a-z, then a-z, 0-9
 * and _ (service types "short_breaks", entity types "budget_variation"). */
int pb_text_snake(const char *s, size_t max);

/* 1 when s is 1..max bytes of pieces of a-z, 0-9 and _ joined by single
 * dots, neither first nor last (audit actions "budget.approved"). */
int pb_text_dotted(const char *s, size_t max);

/* Decode one UTF-8 sequence at s into *cp; its length in bytes, or 0 when
 * malformed (overlong, a surrogate, past U+10FFFF, truncated). */
size_t pb_text_utf8_next(const unsigned char *s, uint32_t *cp);

/* 1 for a character that can hide or reorder text: C0 and C1 controls
 * (DEL, U+0085), line and paragraph separators, bidi marks, embeddings,
 * overrides and isolates, zero-width characters and the BOM. */
int pb_text_hidden_or_control(uint32_t c);

/* 1 when s (NUL-terminated) is well-formed UTF-8 without any character
 * pb_text_hidden_or_control refuses; 0 otherwise or for NULL. */
int pb_text_clean(const char *s);

#endif
