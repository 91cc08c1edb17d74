-- 005_family_view: the family view's next payment (GET /v1/me/budgets)
-- reads the first open payment of a budget due on or after today.  This
-- partial index holds exactly the open payments in that order, so the
-- lookup is one index probe with no sort (it was a scan of the budget's
-- payments from today, a filter on status and a top-1 sort).
CREATE INDEX payments_next_due ON payments (la, budget_id, due_date, created_at, id)
    WHERE status IN ('pending_approval', 'approved', 'exported');
