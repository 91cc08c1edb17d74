-- GET /v1/budgets/{id} (staff): pb_budget_store_get (internal/budgets/store.c),
-- verbatim ($1 la, $2 budget id, $3 family person or NULL for staff).
SELECT pb_json(b)::text, b.version FROM budgets b JOIN children c ON c.la = b.la AND c.id = b.child_id WHERE b.la = $1 AND b.id = $2 AND ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM contacts k WHERE k.la = c.la AND k.child_id = c.id AND k.person_id = $3))
