/* SPDX-License-Identifier: MIT */
/*
 * text.h — tiny string predicates the rules share.  Pure; thread-safe.
 */
#ifndef PB_CORE_TEXT_H
#define PB_CORE_TEXT_H

/* 1 when s is neither NULL nor "". */
int pb_text_present(const char *s);

/* 1 when s is NULL or holds only spaces, tabs, CR and LF. */
int pb_text_blank(const char *s);

#endif
