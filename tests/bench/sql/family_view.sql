-- GET /v1/me/budgets: pb_budget_store_family_rows (internal/budgets/store.c),
-- verbatim ($1 la, $2 person_id, $3 today): the person's read model (migration
-- 011) in one index range scan; pbd renders the rows as JSON.
-- bench.py checks that bin/pbd holds this exact text, then runs it with
-- pgbench for the ceiling.
SELECT r.child_id, r.given_name, r.budget_id, r.period_start, r.period_end, r.status, r.arrangement, np.due, np.amount, r.element_id, r.stream, r.service_type, r.element_arrangement, r.allocated_pence, r.committed_pence, r.spent_pence, v.version FROM family_views v LEFT JOIN family_view_rows r ON r.la = v.la AND r.person_id = v.person_id LEFT JOIN LATERAL (SELECT u.due, u.amount  FROM unnest(r.open_due, r.open_amount) WITH ORDINALITY AS u(due, amount, i)  WHERE u.due >= $3::date ORDER BY u.i LIMIT 1) np ON true WHERE v.la = $1 AND v.person_id = $2 ORDER BY r.ord
