/* SPDX-License-Identifier: MIT */
/* family_view.c — the family view document, written in C (see family_view.h). */
#include "internal/budgets/family_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/core/buf.h"
#include "internal/json/output.h"

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

/* Write one item from rows [first, last); 0 on success. */
static int add_item(struct pb_buf *b, const struct pb_family_row *rows, size_t first,
    size_t last)
{
	const struct pb_family_row *f = &rows[first];
	int64_t alloc = 0, comm = 0, spent = 0;

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
		const struct pb_family_row *e = &rows[r];
		if (e->element_id == NULL)
			continue;
		add_key_str(b, n++ ? ",{\"id\":" : "{\"id\":", e->element_id);
		add_key_str(b, ",\"stream\":", e->stream);
		add_key_str(b, ",\"service_type\":", e->service_type);
		add_key_str(b, ",\"arrangement\":", e->element_arrangement);
		add_key_int(b, ",\"allocated_pence\":", e->allocated_pence);
		add_key_int(b, ",\"committed_pence\":", e->committed_pence);
		add_key_int(b, ",\"spent_pence\":", e->spent_pence);
		add_key_int(b, ",\"remaining_pence\":",
		    e->allocated_pence - e->committed_pence - e->spent_pence);
		add_lit(b, "}");
	}
	add_lit(b, "],\"next_payment\":");
	if (f->next_due == NULL) {
		add_lit(b, "null}");
	} else {
		add_key_str(b, "{\"due_date\":", f->next_due);
		add_key_int(b, ",\"amount_pence\":", f->next_amount_pence);
		add_lit(b, "}}");
	}
	return 0;
}

enum pb_err pb_budget_family_render(const struct pb_family_row *rows, size_t n,
    char **json)
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
		if (add_item(&b, rows, first, last) != 0) {
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
	snprintf(out, PB_FAMILY_ETAG_LEN, "fv1-%lld-%ld-%.8s", (long long)version, (long)today,
	    person_id);
}
