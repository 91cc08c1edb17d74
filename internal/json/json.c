/* SPDX-License-Identifier: MIT */
/*
 * json.c — strict JSON input: a validating scanner in front of cJSON, a
 * duplicate-key check on the parsed tree, and typed member getters that
 * record field errors in a struct pb_problem (see json.h, README.md).
 *
 * The scanner exists because cJSON is lenient (trailing garbage, leading
 * zeros, BOM, invalid UTF-8, exponents indistinguishable from integers once
 * parsed; c-stack-notes.md §4).  It never allocates, reads only buf[0..len)
 * and recurses at most PB_JSON_MAX_DEPTH + 1 levels.  No globals.
 */
#include "internal/json/json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/core/date.h"
#include "internal/core/hex.h"
#include "internal/core/uuid.h"

/* Longest key echoed in a duplicate_key message (bytes). */
#define DUP_KEY_ECHO 40
/* Objects with more members than this are checked by sorting. */
#define DUP_LINEAR_MAX 16

/* ------------------------------------------------------------------ */
/* Scanner                                                             */
/* ------------------------------------------------------------------ */

/* Where the scanner is, for naming a member whose number is not an
 * integer: one frame per open container (the key or index being read). */
struct scan_frame {
	int is_object;
	size_t key_off, key_len;   /* object: the current key's raw bytes */
	long index;                /* array: the current element */
};

struct scan {
	const unsigned char *s;
	size_t len;
	size_t i;
	const char *why;
	int depth;                 /* frames in use */
	struct scan_frame frame[PB_JSON_MAX_DEPTH + 1];
	char *number_path;         /* NULL, or where to write the member path of a
	                            * number refused for its form (PATH_MAX_BYTES) */
};

#define PATH_MAX_BYTES 96

static int scan_value(struct scan *sc, int depth);

static int fail(struct scan *sc, const char *why)
{
	sc->why = why;
	return -1;
}

/* The path of the value being scanned ("elements[0].allocated_pence")
 * into out (PATH_MAX_BYTES), cut to fit; "body" at the top level. */
static void scan_path(const struct scan *sc, char *out)
{
	size_t k = 0;

	out[0] = '\0';
	for (int d = 0; d < sc->depth; d++) {
		const struct scan_frame *f = &sc->frame[d];
		char piece[PATH_MAX_BYTES];
		int n;
		if (f->is_object) {
			/* at most 64 bytes of the key, cut on a UTF-8 boundary */
			size_t kl = f->key_len;
			if (kl > 64) {
				kl = 64;
				while (kl > 0 && (sc->s[f->key_off + kl] & 0xC0) == 0x80)
					kl--;
			}
			n = snprintf(piece, sizeof(piece), "%s%.*s", k ? "." : "", (int)kl,
			    (const char *)sc->s + f->key_off);
		} else {
			n = snprintf(piece, sizeof(piece), "[%ld]", f->index);
		}
		if (n < 0 || k + (size_t)n >= PATH_MAX_BYTES)
			break;
		memcpy(out + k, piece, (size_t)n + 1);
		k += (size_t)n;
	}
	if (k == 0)
		snprintf(out, PATH_MAX_BYTES, "body");
	/* keys are echoed: no quote, backslash or control byte in a field name */
	for (char *c = out; *c; c++)
		if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20)
			*c = '?';
}

/* A number refused for its form: say which member holds it. */
static int fail_number(struct scan *sc, const char *why)
{
	if (sc->number_path != NULL)
		scan_path(sc, sc->number_path);
	return fail(sc, why);
}

static void skip_ws(struct scan *sc)
{
	while (sc->i < sc->len) {
		unsigned char c = sc->s[sc->i];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		sc->i++;
	}
}

/* Read the 4 hex digits after "\u" at sc->i; advance past them. */
static int scan_hex4(struct scan *sc, unsigned *out)
{
	unsigned v = 0;

	if (sc->len - sc->i < 4)
		return fail(sc, "truncated \\u escape");
	for (int k = 0; k < 4; k++) {
		int h = pb_hex_digit((char)sc->s[sc->i + (size_t)k]);
		if (h < 0)
			return fail(sc, "invalid \\u escape");
		v = (v << 4) | (unsigned)h;
	}
	sc->i += 4;
	*out = v;
	return 0;
}

/* sc->i is just past a backslash inside a string. */
static int scan_escape(struct scan *sc)
{
	unsigned cp, lo;

	if (sc->i >= sc->len)
		return fail(sc, "unterminated string");
	switch (sc->s[sc->i++]) {
	case '"': case '\\': case '/': case 'b': case 'f': case 'n':
	case 'r': case 't':
		return 0;
	case 'u':
		break;
	default:
		return fail(sc, "invalid escape sequence in string");
	}
	if (scan_hex4(sc, &cp))
		return -1;
	if (cp == 0)
		return fail(sc, "\\u0000 is not allowed");
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return fail(sc, "lone low surrogate in \\u escape");
	if (cp < 0xD800 || cp > 0xDBFF)
		return 0;
	/* High surrogate: a low one must follow as another \u escape. */
	if (sc->len - sc->i < 2 || sc->s[sc->i] != '\\' ||
	    sc->s[sc->i + 1] != 'u')
		return fail(sc, "lone high surrogate in \\u escape");
	sc->i += 2;
	if (scan_hex4(sc, &lo))
		return -1;
	if (lo < 0xDC00 || lo > 0xDFFF)
		return fail(sc, "lone high surrogate in \\u escape");
	return 0;
}

/*
 * One UTF-8 sequence starting at sc->i whose lead byte is >= 0x80.  Accepts
 * exactly the well-formed sequences of RFC 3629 / Unicode table 3-7: no
 * overlongs, no encoded surrogates, nothing above U+10FFFF, no truncation.
 */
static int scan_utf8(struct scan *sc)
{
	const unsigned char *s = sc->s + sc->i;
	size_t left = sc->len - sc->i;
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n;

	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;      /* overlong */
		else if (c == 0xED)
			hi = 0x9F;      /* U+D800..U+DFFF */
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;      /* overlong */
		else if (c == 0xF4)
			hi = 0x8F;      /* > U+10FFFF */
	} else {
		return fail(sc, "invalid UTF-8");
	}
	if (left < n)
		return fail(sc, "truncated UTF-8 sequence");
	if (s[1] < lo || s[1] > hi)
		return fail(sc, "invalid UTF-8");
	for (size_t k = 2; k < n; k++)
		if (s[k] < 0x80 || s[k] > 0xBF)
			return fail(sc, "invalid UTF-8");
	sc->i += n;
	return 0;
}

/* sc->i is at the opening quote. */
static int scan_string(struct scan *sc)
{
	sc->i++;
	for (;;) {
		if (sc->i >= sc->len)
			return fail(sc, "unterminated string");
		unsigned char c = sc->s[sc->i];
		if (c == '"') {
			sc->i++;
			return 0;
		}
		if (c < 0x20)
			return fail(sc, "control character in string");
		if (c == '\\') {
			sc->i++;
			if (scan_escape(sc))
				return -1;
		} else if (c >= 0x80) {
			if (scan_utf8(sc))
				return -1;
		} else {
			sc->i++;
		}
	}
}

/* Integers only: -?(0|[1-9][0-9]*), no "-0", at most MAX_NUMBER_DIGITS. */
static int scan_number(struct scan *sc)
{
	size_t start;
	int neg = 0;

	if (sc->s[sc->i] == '-') {
		neg = 1;
		sc->i++;
	}
	start = sc->i;
	if (sc->i >= sc->len || sc->s[sc->i] < '0' || sc->s[sc->i] > '9')
		return fail(sc, "invalid number");
	if (sc->s[sc->i] == '0') {
		sc->i++;
		if (sc->i < sc->len && sc->s[sc->i] >= '0' &&
		    sc->s[sc->i] <= '9')
			return fail(sc, "number with a leading zero");
		if (neg)
			return fail_number(sc, "-0 is not allowed");
	} else {
		while (sc->i < sc->len && sc->s[sc->i] >= '0' &&
		    sc->s[sc->i] <= '9')
			sc->i++;
	}
	if (sc->i - start > PB_JSON_MAX_NUMBER_DIGITS)
		return fail_number(sc, "number has too many digits");
	if (sc->i < sc->len) {
		unsigned char c = sc->s[sc->i];
		if (c == '.')
			return fail_number(sc, "numbers must be integers "
			    "(no fraction)");
		if (c == 'e' || c == 'E')
			return fail_number(sc, "numbers must be integers "
			    "(no exponent)");
	}
	return 0;
}

static int scan_literal(struct scan *sc, const char *lit, size_t n)
{
	if (sc->len - sc->i < n || memcmp(sc->s + sc->i, lit, n) != 0)
		return fail(sc, "invalid literal");
	sc->i += n;
	return 0;
}

/* sc->i at '{' or '['; depth is the nesting level of this container. */
static int scan_members(struct scan *sc, int depth, unsigned char close,
    struct scan_frame *f)
{
	skip_ws(sc);
	if (sc->i < sc->len && sc->s[sc->i] == close) {
		sc->i++;
		return 0;
	}
	for (;;) {
		if (close == '}') {
			if (sc->i >= sc->len || sc->s[sc->i] != '"')
				return fail(sc, sc->i >= sc->len ?
				    "unexpected end of input" :
				    "expected a string key");
			size_t key = sc->i + 1;
			if (scan_string(sc))
				return -1;
			f->key_off = key;
			f->key_len = sc->i - 1 - key;
			skip_ws(sc);
			if (sc->i >= sc->len || sc->s[sc->i] != ':')
				return fail(sc, "expected ':' after key");
			sc->i++;
			skip_ws(sc);
		}
		if (scan_value(sc, depth))
			return -1;
		skip_ws(sc);
		if (sc->i >= sc->len)
			return fail(sc, "unexpected end of input");
		if (sc->s[sc->i] == close) {
			sc->i++;
			return 0;
		}
		if (sc->s[sc->i] != ',')
			return fail(sc, close == '}' ?
			    "expected ',' or '}'" : "expected ',' or ']'");
		sc->i++;
		f->index++;
		skip_ws(sc);
	}
}

static int scan_container(struct scan *sc, int depth)
{
	unsigned char close = sc->s[sc->i] == '{' ? '}' : ']';

	if (depth > PB_JSON_MAX_DEPTH)
		return fail(sc, "nesting too deep");
	sc->i++;
	struct scan_frame *f = &sc->frame[sc->depth++];
	memset(f, 0, sizeof(*f));
	f->is_object = close == '}';
	int rc = scan_members(sc, depth, close, f);
	if (rc == 0)
		sc->depth--;   /* on failure the path stays for the message */
	return rc;
}

/* A value at sc->i (whitespace already skipped); depth = enclosing level. */
static int scan_value(struct scan *sc, int depth)
{
	if (sc->i >= sc->len)
		return fail(sc, "unexpected end of input");
	switch (sc->s[sc->i]) {
	case '{':
	case '[':
		return scan_container(sc, depth + 1);
	case '"':
		return scan_string(sc);
	case 't':
		return scan_literal(sc, "true", 4);
	case 'f':
		return scan_literal(sc, "false", 5);
	case 'n':
		return scan_literal(sc, "null", 4);
	default:
		if (sc->s[sc->i] == '-' ||
		    (sc->s[sc->i] >= '0' && sc->s[sc->i] <= '9'))
			return scan_number(sc);
		return fail(sc, "unexpected character");
	}
}

/* The scanner; number_path (PATH_MAX_BYTES, may be NULL) gets the member
 * path when the failure is a number's form, else stays "". */
static enum pb_err validate(const char *buf, size_t len, const char **why,
    size_t *offset, char *number_path)
{
	struct scan sc;

	memset(&sc, 0, sizeof(sc));
	sc.s = (const unsigned char *)buf;
	sc.len = len;
	sc.number_path = number_path;
	if (number_path != NULL)
		number_path[0] = '\0';
	const void *nul;

	if (buf == NULL)
		len = sc.len = 0;
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
		fail(&sc, "byte order mark is not allowed");
		goto bad;
	}
	if (len > 0 && (nul = memchr(buf, 0, len)) != NULL) {
		sc.i = (size_t)((const char *)nul - buf);
		fail(&sc, "NUL byte is not allowed");
		goto bad;
	}
	skip_ws(&sc);
	if (sc.i >= sc.len) {
		fail(&sc, "empty body");
		goto bad;
	}
	if (scan_value(&sc, 0))
		goto bad;
	skip_ws(&sc);
	if (sc.i != sc.len) {
		fail(&sc, "trailing characters after the JSON value");
		goto bad;
	}
	if (why)
		*why = NULL;
	if (offset)
		*offset = sc.len;
	return PB_OK;
bad:
	if (why)
		*why = sc.why;
	if (offset)
		*offset = sc.i;
	return PB_EINVAL;
}

enum pb_err pb_json_validate_at(const char *buf, size_t len,
    const char **why, size_t *offset)
{
	return validate(buf, len, why, offset, NULL);
}

enum pb_err pb_json_validate(const char *buf, size_t len, const char **why)
{
	return validate(buf, len, why, NULL, NULL);
}

/* ------------------------------------------------------------------ */
/* Text helpers for messages                                           */
/* ------------------------------------------------------------------ */

/*
 * Copy src into dst[cap] for echoing back to a client: truncated on a UTF-8
 * boundary (src is valid UTF-8 after the scanner) and control characters
 * replaced by '?', so the problem+json we render stays valid.  Returns 1
 * when truncated.
 */
static int safe_copy(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src), k;
	int cut = 0;

	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
		cut = 1;
	}
	for (k = 0; k < n; k++)
		dst[k] = (unsigned char)src[k] < 0x20 ? '?' : src[k];
	dst[k] = '\0';
	return cut;
}

/* ------------------------------------------------------------------ */
/* Duplicate keys                                                      */
/* ------------------------------------------------------------------ */

static int cmp_keys(const void *a, const void *b)
{
	const char *x = *(const char *const *)a;
	const char *y = *(const char *const *)b;

	return strcmp(x, y);
}

/*
 * NULL when no object in the tree has a repeated key, else the first
 * repeated key found.  *oom set when a sort buffer could not be allocated.
 * Recursion depth is bounded by the scanner (PB_JSON_MAX_DEPTH).
 */
static const char *find_duplicate(const cJSON *item, int *oom)
{
	const cJSON *c;
	const char *dup = NULL;

	if (!cJSON_IsObject(item) && !cJSON_IsArray(item))
		return NULL;
	if (cJSON_IsObject(item)) {
		size_t n = 0;
		for (c = item->child; c; c = c->next)
			n++;
		if (n <= DUP_LINEAR_MAX) {
			for (c = item->child; c && !dup; c = c->next)
				for (const cJSON *d = c->next; d; d = d->next)
					if (strcmp(c->string, d->string) == 0) {
						dup = c->string;
						break;
					}
		} else {
			/* O(n log n): a 64 KiB body can hold ~10k keys. */
			const char **keys = malloc(n * sizeof(*keys));
			size_t k = 0;
			if (keys == NULL) {
				*oom = 1;
				return NULL;
			}
			for (c = item->child; c; c = c->next)
				keys[k++] = c->string;
			qsort(keys, n, sizeof(*keys), cmp_keys);
			for (k = 1; k < n; k++)
				if (strcmp(keys[k - 1], keys[k]) == 0) {
					dup = keys[k];
					break;
				}
			free(keys);
		}
		if (dup)
			return dup;
	}
	for (c = item->child; c; c = c->next) {
		dup = find_duplicate(c, oom);
		if (dup || *oom)
			return dup;
	}
	return NULL;
}

enum pb_err pb_json_parse_strict(const char *buf, size_t len, cJSON **out,
    struct pb_problem *p)
{
	const char *why = NULL, *end = NULL, *dup;
	size_t off = 0;
	char *copy = NULL;
	cJSON *root = NULL;
	enum pb_err err;
	int oom = 0;

	char number_path[PATH_MAX_BYTES];

	*out = NULL;
	err = validate(buf, len, &why, &off, number_path);
	if (err && number_path[0] && strcmp(number_path, "body") != 0) {
		/* valid JSON, but the API has no fractional numbers: name the
		 * member, as the getters would (money is integer pence) */
		pb_problem_field(p, number_path, "invalid_number",
		    "must be a whole number: no fraction, no exponent, at most %d digits (%s)",
		    PB_JSON_MAX_NUMBER_DIGITS, why);
		return PB_EINVAL;
	}
	if (err) {
		pb_problem_field(p, "body", "invalid_json",
		    "is not valid JSON: %s (at byte %zu)", why, off);
		return PB_EINVAL;
	}
	/* cJSON needs the NUL inside the length it is given (§4). */
	copy = malloc(len + 1);
	if (copy == NULL) {
		err = pb_problem_set(p, PB_EINTERNAL, NULL, "out of memory");
		goto out;
	}
	memcpy(copy, buf, len);
	copy[len] = '\0';
	root = cJSON_ParseWithLengthOpts(copy, len + 1, &end, 1);
	if (root == NULL) {
		/* The scanner accepted it, so this is OOM or a cJSON limit. */
		err = pb_problem_set(p, PB_EINTERNAL, NULL,
		    "JSON parser failed on validated input");
		goto out;
	}
	dup = find_duplicate(root, &oom);
	if (oom) {
		err = pb_problem_set(p, PB_EINTERNAL, NULL, "out of memory");
		goto out;
	}
	if (dup) {
		char key[DUP_KEY_ECHO + 1];
		int cut = safe_copy(key, sizeof(key), dup);
		err = pb_problem_field(p, "body", "duplicate_key",
		    "has the key \"%s%s\" more than once in one object",
		    key, cut ? "..." : "");
		goto out;
	}
	*out = root;
	root = NULL;
	err = PB_OK;
out:
	cJSON_Delete(root);
	free(copy);
	return err;
}

/* ------------------------------------------------------------------ */
/* Getters                                                             */
/* ------------------------------------------------------------------ */

/* prefix + name, sanitised and sized like pb_field_error.field. */
static void field_name(char out[96], const char *prefix, const char *name)
{
	char tmp[256];

	snprintf(tmp, sizeof(tmp), "%s%s", prefix ? prefix : "",
	    name ? name : "");
	safe_copy(out, 96, tmp);
}

static enum pb_err field_err(struct pb_problem *p, const char *prefix,
    const char *name, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static enum pb_err field_err(struct pb_problem *p, const char *prefix,
    const char *name, const char *code, const char *fmt, ...)
{
	char field[96], msg[192];
	va_list ap;

	field_name(field, prefix, name);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return pb_problem_field(p, field, code, "%s", msg);
}

/* The container itself is not an object: name it by the prefix without
 * its trailing '.', or "body" at top level. */
static enum pb_err not_object(struct pb_problem *p, const char *prefix)
{
	char field[96];
	size_t n;

	if (prefix == NULL || prefix[0] == '\0') {
		snprintf(field, sizeof(field), "body");
	} else {
		safe_copy(field, sizeof(field), prefix);
		n = strlen(field);
		if (n > 0 && field[n - 1] == '.')
			field[n - 1] = '\0';
	}
	return pb_problem_field(p, field, "invalid_type",
	    "must be a JSON object");
}

static int in_list(const char *s, const char *const *list)
{
	if (list == NULL)
		return -1;
	for (int k = 0; list[k]; k++)
		if (strcmp(s, list[k]) == 0)
			return k;
	return -1;
}

enum pb_err pb_json_check_members(const cJSON *obj, const char *prefix,
    const char *const *allowed, const char *const *server_owned,
    struct pb_problem *p)
{
	enum pb_err err = PB_OK;

	if (!cJSON_IsObject(obj))
		return not_object(p, prefix);
	for (const cJSON *c = obj->child; c; c = c->next) {
		if (in_list(c->string, allowed) >= 0)
			continue;
		if (in_list(c->string, server_owned) >= 0)
			err = field_err(p, prefix, c->string, "read_only",
			    "is set by the server and cannot be sent");
		else
			err = field_err(p, prefix, c->string,
			    "unknown_field", "is not a known field");
	}
	return err;
}

/*
 * Common start of every getter.  Returns 1 with *item set when a non-null
 * value is there; 0 when absent (PB_OK, nothing recorded); -1 after
 * recording an error (*err set).  JSON null: "required" when required,
 * absent when null_ok, else "invalid_type".
 */
static int lookup(const cJSON *obj, const char *prefix, const char *name,
    int required, int null_ok, const char *want, const cJSON **item,
    enum pb_err *err, struct pb_problem *p)
{
	const cJSON *it;

	*err = PB_OK;
	*item = NULL;
	if (!cJSON_IsObject(obj)) {
		*err = not_object(p, prefix);
		return -1;
	}
	it = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (it != NULL && cJSON_IsNull(it)) {
		if (null_ok)
			return 0;
		if (!required) {
			*err = field_err(p, prefix, name, "invalid_type",
			    "must be %s (or be left out), not null", want);
			return -1;
		}
		it = NULL;
	}
	if (it == NULL) {
		if (required) {
			*err = field_err(p, prefix, name, "required",
			    "is required");
			return -1;
		}
		return 0;
	}
	*item = it;
	return 1;
}

static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20)
			return 1;
	return 0;
}

enum pb_err pb_json_get_string(const cJSON *obj, const char *prefix,
    const char *name, int required, size_t min_len, size_t max_len,
    const char **out, struct pb_problem *p)
{
	const cJSON *it;
	enum pb_err err;
	size_t n;

	*out = NULL;
	if (lookup(obj, prefix, name, required, 0, "a string", &it, &err, p)
	    <= 0)
		return err;
	if (!cJSON_IsString(it) || it->valuestring == NULL)
		return field_err(p, prefix, name, "invalid_type",
		    "must be a string");
	n = strlen(it->valuestring);
	if (n < min_len) {
		if (min_len == 1)
			return field_err(p, prefix, name, "too_short",
			    "must not be empty");
		return field_err(p, prefix, name, "too_short",
		    "must be at least %zu bytes long", min_len);
	}
	if (n > max_len)
		return field_err(p, prefix, name, "too_long",
		    "must be at most %zu bytes long", max_len);
	if (has_control(it->valuestring))
		return field_err(p, prefix, name, "invalid",
		    "must not contain control characters");
	*out = it->valuestring;
	return PB_OK;
}

enum pb_err pb_json_get_date(const cJSON *obj, const char *prefix,
    const char *name, int required, int nullable, int32_t *out,
    int *present, struct pb_problem *p)
{
	const cJSON *it;
	enum pb_err err;
	int32_t day;

	if (present)
		*present = 0;
	if (lookup(obj, prefix, name, required, nullable,
	    "a date string (YYYY-MM-DD)", &it, &err, p) <= 0)
		return err;
	if (!cJSON_IsString(it) || it->valuestring == NULL)
		return field_err(p, prefix, name, "invalid_type",
		    "must be a date string (YYYY-MM-DD)");
	if (pb_date_parse(it->valuestring, strlen(it->valuestring), &day))
		return field_err(p, prefix, name, "invalid_date",
		    "must be a real calendar date written YYYY-MM-DD, "
		    "in the years %d to %d", PB_DATE_MIN_YEAR,
		    PB_DATE_MAX_YEAR);
	*out = day;
	if (present)
		*present = 1;
	return PB_OK;
}

/*
 * An exact integer from a cJSON number, or -1.  The scanner already
 * guarantees integer text, but the getters may see trees built elsewhere.
 */
static int exact_int(const cJSON *it, int64_t *v)
{
	double d;

	if (!cJSON_IsNumber(it))
		return -1;
	d = it->valuedouble;
	if (!isfinite(d) || d != trunc(d) || (d == 0 && signbit(d)))
		return -1;
	/* Inside (-2^63, 2^63) the conversion is defined. */
	if (d <= -9223372036854775808.0 || d >= 9223372036854775808.0)
		return -2;
	*v = (int64_t)d;
	return 0;
}

static enum pb_err get_integer(const cJSON *obj, const char *prefix,
    const char *name, int required, int64_t min, int64_t max,
    const char *what, int64_t *out, int *present, struct pb_problem *p)
{
	const cJSON *it;
	enum pb_err err;
	int64_t v = 0;
	int r;

	if (present)
		*present = 0;
	if (lookup(obj, prefix, name, required, 0, what, &it, &err, p) <= 0)
		return err;
	if (!cJSON_IsNumber(it))
		return field_err(p, prefix, name, "invalid_type",
		    "must be %s", what);
	r = exact_int(it, &v);
	if (r == -1)
		return field_err(p, prefix, name, "invalid",
		    "must be %s", what);
	if (r == -2 || v < min || v > max)
		return field_err(p, prefix, name, "out_of_range",
		    "must be between %lld and %lld", (long long)min,
		    (long long)max);
	*out = v;
	if (present)
		*present = 1;
	return PB_OK;
}

enum pb_err pb_json_get_pence(const cJSON *obj, const char *prefix,
    const char *name, int required, int64_t min, int64_t *out,
    int *present, struct pb_problem *p)
{
	return get_integer(obj, prefix, name, required, min, PB_MAX_PENCE,
	    "a whole number of pence", out, present, p);
}

enum pb_err pb_json_get_int(const cJSON *obj, const char *prefix,
    const char *name, int required, int64_t min, int64_t max, int64_t *out,
    int *present, struct pb_problem *p)
{
	return get_integer(obj, prefix, name, required, min, max,
	    "an integer", out, present, p);
}

enum pb_err pb_json_get_enum(const cJSON *obj, const char *prefix,
    const char *name, int required, const char *const *values, int *index,
    struct pb_problem *p)
{
	const cJSON *it;
	enum pb_err err;
	char list[160];
	size_t used = 0;
	int k;

	*index = -1;
	if (lookup(obj, prefix, name, required, 0, "a string", &it, &err, p)
	    <= 0)
		return err;
	if (cJSON_IsString(it) && it->valuestring != NULL &&
	    (k = in_list(it->valuestring, values)) >= 0) {
		*index = k;
		return PB_OK;
	}
	list[0] = '\0';
	for (k = 0; values && values[k]; k++) {
		int n = snprintf(list + used, sizeof(list) - used, "%s%s",
		    k ? ", " : "", values[k]);
		if (n < 0 || (size_t)n >= sizeof(list) - used) {
			/* Cut at a whole value and say so. */
			if (used + 6 <= sizeof(list))
				memcpy(list + used, ", ...", 6);
			else
				list[used] = '\0';
			break;
		}
		used += (size_t)n;
	}
	return field_err(p, prefix, name,
	    cJSON_IsString(it) ? "invalid_enum" : "invalid_type",
	    "must be one of: %s", list);
}

enum pb_err pb_json_get_name(const cJSON *obj, const char *prefix,
    const char *name, int required, const char *const *names, size_t n,
    int *value, struct pb_problem *p)
{
	const char *values[32];
	size_t k = 0;
	int index = -1;

	for (size_t i = 1; i < n && k + 1 < sizeof(values) / sizeof(values[0]); i++)
		values[k++] = names[i];
	values[k] = NULL;
	enum pb_err err = pb_json_get_enum(obj, prefix, name, required, values, &index, p);
	*value = index >= 0 ? index + 1 : 0;
	return err;
}

enum pb_err pb_json_get_bool(const cJSON *obj, const char *prefix,
    const char *name, int required, int *out, int *present,
    struct pb_problem *p)
{
	const cJSON *it;
	enum pb_err err;

	if (present)
		*present = 0;
	if (lookup(obj, prefix, name, required, 0, "true or false", &it, &err,
	    p) <= 0)
		return err;
	if (!cJSON_IsBool(it))
		return field_err(p, prefix, name, "invalid_type",
		    "must be true or false");
	*out = cJSON_IsTrue(it) ? 1 : 0;
	if (present)
		*present = 1;
	return PB_OK;
}

enum pb_err pb_json_get_uuid(const cJSON *obj, const char *prefix,
    const char *name, int required, char out[37], int *present,
    struct pb_problem *p)
{
	const cJSON *it;
	enum pb_err err;

	out[0] = '\0';
	if (present)
		*present = 0;
	if (lookup(obj, prefix, name, required, 0, "a UUID string", &it, &err,
	    p) <= 0)
		return err;
	if (!cJSON_IsString(it) || it->valuestring == NULL)
		return field_err(p, prefix, name, "invalid_type",
		    "must be a UUID string");
	if (pb_uuid_parse(it->valuestring, strlen(it->valuestring), out))
		return field_err(p, prefix, name, "invalid_uuid",
		    "must be a UUID written as 8-4-4-4-12 hexadecimal digits");
	if (present)
		*present = 1;
	return PB_OK;
}
