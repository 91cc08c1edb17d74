/* SPDX-License-Identifier: MIT */
/*
 * payees/rules.h — what a payee record may hold.  Pure.
 */
#ifndef PB_PAYEES_RULES_H
#define PB_PAYEES_RULES_H

/*
 * pb_payee_name_problem — NULL when name (UTF-8, NUL-terminated) may be
 * a payee's name, else a sentence saying what is wrong.  A payee's name
 * goes into the bank file and onto statements, so it refuses what can
 * hide or reorder text there: C0 and C1 control characters (DEL, U+0085
 * included), line and paragraph separators (U+2028, U+2029), bidi
 * embeddings, overrides, isolates and marks (U+061C, U+200E, U+200F,
 * U+202A–U+202E, U+2066–U+2069), zero-width characters (U+200B–U+200D,
 * U+2060, U+FEFF), malformed UTF-8, and names that are blank or start
 * or end with a space.
 */
const char *pb_payee_name_problem(const char *name);

#endif
