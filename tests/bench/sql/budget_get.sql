-- GET /v1/budgets/{id} (staff): pb_budget_store_get (internal/budgets/store.c),
-- verbatim ($1 la, $2 budget id, $3 family person or NULL for staff).
SELECT pb_json(b)::text, pb_budget_version(b) FROM budgets b WHERE b.la = $1 AND b.id = $2 AND pb_child_visible(b.la, b.child_id, $3::uuid)
