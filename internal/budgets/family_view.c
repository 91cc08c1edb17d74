/* SPDX-License-Identifier: MIT */
/* family_view.c — the family view document, written in C (see family_view.h). */
#include "internal/budgets/family_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/core/buf.h"
#include "internal/core/date.h"
#include "internal/json/output.h"
#include "internal/payments/rules.h"

#define FV_MAX_BYTES (4 * 1024 * 1024)

static void add_lit(struct pb_buf *b, const char *s)
{
	pb_buf_add(b, s, strlen(s));
}

static void add_key_str(struct pb_buf *b, const char *key, const char *v)
{
	add_lit(b, key);
	pb_json_write_cstr(b, v ? v : "");
}

static void add_key_int(struct pb_buf *b, const char *key, int64_t v)
{
	add_lit(b, key);
	pb_json_write_int(b, v);
}

/* One instalment to come. */
struct upcoming {
	int32_t due;
	int64_t amount_pence;
};

/* An element's instalments to come: those in the window, and the first
 * on or after today at any distance. */
struct coming {
	int32_t today;
	struct upcoming *items;
	size_t n, cap;
	struct upcoming next;              /* due PB_DATE_NONE: none */
};

static void coming_add(struct coming *c, int32_t due, int64_t amount)
{
	if (due < c->today)
		return;
	if (c->next.due == PB_DATE_NONE || due < c->next.due) {
		c->next.due = due;
		c->next.amount_pence = amount;
	}
	if (due >= c->today + PB_FAMILY_UPCOMING_DAYS)
		return;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->items = realloc(c->items, c->cap * sizeof(*c->items));
		if (c->items == NULL)
			abort();
	}
	c->items[c->n].due = due;
	c->items[c->n++].amount_pence = amount;
}

static int sched_instalment(int32_t due, int64_t amount, void *arg)
{
	struct coming *c = arg;

	coming_add(c, due, amount);
	/* past the window with the next one known: nothing more to show */
	return due >= c->today + PB_FAMILY_UPCOMING_DAYS && c->next.due != PB_DATE_NONE;
}

static int by_due(const void *a, const void *b)
{
	const struct upcoming *x = a, *y = b;
	return (x->due > y->due) - (x->due < y->due);
}

/* The instalments to come of element row e (direct payments only). */
static void element_coming(const struct pb_family_row *e, struct coming *c)
{
	for (size_t i = 0; i < e->nopen; i++)
		coming_add(c, e->open_due[i], e->open_amount[i]);
	for (size_t i = 0; i < e->nsched; i++) {
		const struct pb_family_sched *s = &e->sched[i];
		struct pb_pay_sched_spec spec = { s->start, s->last,
		    (enum pb_pay_frequency)s->frequency, e->terms, e->nterms };
		/* a schedule the rules refuse (bad stored facts) projects nothing */
		(void)pb_pay_schedule_instalments(&spec, s->last, s->amount_pence, s->have, s->nhave,
		    s->cap_left, sched_instalment, c);
	}
	if (c->n > 1)
		qsort(c->items, c->n, sizeof(*c->items), by_due);
}

static void add_date(struct pb_buf *b, const char *key, int32_t day)
{
	char d[11];

	pb_date_format(day, d);
	add_key_str(b, key, d);
}

/* One element's object; its next instalment into *next. */
static void add_element(struct pb_buf *b, const struct pb_family_row *e, int first,
    int32_t today, struct upcoming *next)
{
	struct coming c = { today, NULL, 0, 0, { PB_DATE_NONE, 0 } };

	if (strcmp(e->element_arrangement, "direct_payment") == 0)
		element_coming(e, &c);
	*next = c.next;
	add_key_str(b, first ? "{\"id\":" : ",{\"id\":", e->element_id);
	add_key_str(b, ",\"stream\":", e->stream);
	add_key_str(b, ",\"service_type\":", e->service_type);
	add_key_str(b, ",\"label\":", e->label);
	add_key_str(b, ",\"arrangement\":", e->element_arrangement);
	add_key_str(b, ",\"held_by\":{\"kind\":", e->held_kind);
	add_key_str(b, ",\"name\":", e->held_name);
	add_key_int(b, "},\"allocated_pence\":", e->allocated_pence);
	add_key_int(b, ",\"committed_pence\":", e->committed_pence);
	add_key_int(b, ",\"spent_pence\":", e->spent_pence);
	add_key_int(b, ",\"remaining_pence\":",
	    e->allocated_pence - e->committed_pence - e->spent_pence);
	add_key_int(b, ",\"paid_to_family_pence\":", e->paid_pence);
	add_lit(b, ",\"upcoming_payments\":[");
	for (size_t i = 0; i < c.n; i++) {
		add_date(b, i ? ",{\"due_date\":" : "{\"due_date\":", c.items[i].due);
		add_key_int(b, ",\"amount_pence\":", c.items[i].amount_pence);
		add_lit(b, "}");
	}
	add_lit(b, "]}");
	free(c.items);
}

/* Write one item from rows [first, last); 0 on success. */
static int add_item(struct pb_buf *b, const struct pb_family_row *rows, size_t first,
    size_t last, int32_t today)
{
	const struct pb_family_row *f = &rows[first], *next_el = NULL;
	int64_t alloc = 0, comm = 0, spent = 0;
	struct upcoming next = { PB_DATE_NONE, 0 };

	/* An item is a few hundred bytes per element: stopping at half the
	 * bound means no later add can fail and truncate the document. */
	if (pb_buf_len(b) > FV_MAX_BYTES / 2)
		return -1;
	for (size_t r = first; r < last; r++) {
		if (rows[r].element_id == NULL)
			continue;
		alloc += rows[r].allocated_pence;
		comm += rows[r].committed_pence;
		spent += rows[r].spent_pence;
	}
	add_key_str(b, "{\"child\":{\"id\":", f->child_id);
	add_key_str(b, ",\"given_name\":", f->given_name);
	add_key_str(b, "},\"budget_id\":", f->budget_id);
	add_key_str(b, ",\"period_start\":", f->period_start);
	add_key_str(b, ",\"period_end\":", f->period_end);
	add_key_str(b, ",\"status\":", f->status);
	add_key_str(b, ",\"arrangement\":", f->arrangement);
	add_key_int(b, ",\"allocated_pence\":", alloc);
	add_key_int(b, ",\"committed_pence\":", comm);
	add_key_int(b, ",\"spent_pence\":", spent);
	add_key_int(b, ",\"remaining_pence\":", alloc - comm - spent);
	add_lit(b, ",\"elements\":[");
	int n = 0;
	for (size_t r = first; r < last; r++) {
		struct upcoming en;
		if (rows[r].element_id == NULL)
			continue;
		add_element(b, &rows[r], n++ == 0, today, &en);
		if (en.due != PB_DATE_NONE && (next.due == PB_DATE_NONE || en.due < next.due)) {
			next = en;
			next_el = &rows[r];
		}
	}
	add_lit(b, "],\"next_payment\":");
	if (next_el == NULL) {
		add_lit(b, "null}");
	} else {
		add_date(b, "{\"due_date\":", next.due);
		add_key_int(b, ",\"amount_pence\":", next.amount_pence);
		add_key_str(b, ",\"element_label\":", next_el->label);
		add_lit(b, "}}");
	}
	return 0;
}

enum pb_err pb_budget_family_render(const struct pb_family_row *rows, size_t n,
    int32_t today, char **json)
{
	struct pb_buf b;
	size_t len = 0;

	*json = NULL;
	pb_buf_init(&b, FV_MAX_BYTES);
	add_lit(&b, "{\"items\":[");
	for (size_t first = 0, last; first < n; first = last) {
		const char *bid = rows[first].budget_id;
		for (last = first + 1; last < n && strcmp(rows[last].budget_id, bid) == 0; last++)
			;
		if (first > 0)
			add_lit(&b, ",");
		if (add_item(&b, rows, first, last, today) != 0) {
			pb_buf_free(&b);
			return PB_EINTERNAL;
		}
	}
	pb_buf_add(&b, "]}", 2);
	*json = pb_buf_take(&b, &len);
	return PB_OK;
}

void pb_budget_family_etag(int64_t version, int32_t today, const char *person_id,
    char out[PB_FAMILY_ETAG_LEN])
{
	snprintf(out, PB_FAMILY_ETAG_LEN, "fv2-%lld-%ld-%.8s", (long long)version, (long)today,
	    person_id);
}
