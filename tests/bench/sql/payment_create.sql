-- POST /v1/budgets/{id}/payments: the statements pb_pay_create runs
-- (internal/payments/service.c, store.c, internal/audit/audit.c), in one
-- transaction, with pbd's parameters written as expressions.  bench.py
-- prepends \set n (a budget whose elements are all direct payments) and
-- \set k (the element position) and passes -D run=<unique prefix>.
\set key random(1, 1000000000000)
BEGIN;
INSERT INTO idempotency_keys (la, key, request_hash, created_by) VALUES ('E09000007', :run || '-' || :client_id || '-' || :key, md5(:key::text) || md5(:run), 'pgbench') ON CONFLICT (la, key) DO NOTHING RETURNING 1;
SELECT b.child_id, b.status, b.period_start, b.period_end, coalesce(pl.issued_on, pl.assessment_agreed_on), pl.ceased_on FROM budgets b JOIN plans pl ON pl.la = b.la AND pl.id = b.plan_id WHERE b.la = 'E09000007' AND b.id = md5('budget-' || :n)::uuid FOR SHARE OF b;
SELECT e.arrangement, e.allocated_pence, e.committed_pence, e.spent_pence, e.payee_id, e.signed_on IS NOT NULL, coalesce(e.school_premises, false), e.head_teacher_agreed_on IS NOT NULL, EXISTS (SELECT 1 FROM budget_element_exceptions x WHERE x.la = e.la AND x.element_id = e.id AND x.rule = 'PAY-11') FROM budget_elements e WHERE e.la = 'E09000007' AND e.budget_id = md5('budget-' || :n)::uuid AND e.id = md5('element-' || (3 * (:n - 1) + :k + 1))::uuid FOR UPDATE OF e;
SELECT y.kind, y.is_local_authority, y.person_id, EXISTS (SELECT 1 FROM contacts k WHERE k.la = y.la AND k.child_id = md5('child-' || :n)::uuid AND k.person_id = y.person_id AND k.lives_with_child) FROM payees y WHERE y.la = 'E09000007' AND y.id = md5('payee-' || :n)::uuid;
INSERT INTO payments (la, id, budget_id, element_id, payee_id, amount_pence, purpose, description, due_date, status, created_by, schedule_id, idempotency_key) VALUES ('E09000007', gen_random_uuid(), md5('budget-' || :n)::uuid, md5('element-' || (3 * (:n - 1) + :k + 1))::uuid, md5('payee-' || :n)::uuid, 1, 'direct_payment', 'bench', '2027-01-15', 'pending_approval', 'pgbench', NULL, :run || '-' || :client_id || '-' || :key) ON CONFLICT (la, schedule_id, due_date) WHERE schedule_id IS NOT NULL DO NOTHING RETURNING id AS pid \gset
SELECT pb_json(p)::text AS body, p.version FROM payments p WHERE p.la = 'E09000007' AND p.id = :pid \gset
UPDATE idempotency_keys SET response_status = 201, response_body = :body, response_location = '/v1/payments/' || :pid WHERE la = 'E09000007' AND key = :run || '-' || :client_id || '-' || :key;
INSERT INTO audit_log (la, id, actor_sub, action, entity_type, entity_id, request_id, changes) VALUES ('E09000007', gen_random_uuid(), 'pgbench', 'payment.created', 'payment', :pid, 'pgbench', json_build_object('after', :body::json)::jsonb);
INSERT INTO events (la, id, type, entity_type, entity_id, request_id, payload) VALUES ('E09000007', gen_random_uuid(), 'payment.created', 'payment', :pid, 'pgbench', :body::jsonb);
COMMIT;
