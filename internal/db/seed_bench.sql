-- Benchmark data set for council E09000007 (`pbd seed-bench`, `make bench`).
-- Deterministic: every id is md5('<kind>-<n>')::uuid, so load tools can
-- name rows without a query:
--   person n, child n, plan n, contact n   n = 1..20000 (person n is a parent of child n;
--                                          children born 2011–2020, under compulsory school
--                                          age throughout, so a parent may take direct payments)
--   contact-x-n                            person n (n <= 6000, n % 3 = 0) is also a carer
--                                          of child 6000 + ((n/3 - 1) % 500) + 1
--   payee n (individual, person n), payee-org-1..50, payee-council (the council itself)
--   budget n                               n = 1..6500: current (2026-04-01..2027-03-31), child n,
--                                          'suspended' when n % 20 = 0, else 'approved';
--                                          n = 6501..8000: closed last year, child n - 6500
--   element m, m = 3(n-1)+k+1              budget n's element at position k: 0 transport
--                                          (education), 1 short_breaks (social_care),
--                                          2 continuing_care (health)
--   payment p, p = 12(n-1)+i               budget n's i-th monthly payment (i = 1..12), on
--                                          element position i % 3, due the last day of its month
--   recovery n                             every 10th budget: 10.00 back on its short breaks
-- Persons 1..6000 are the family logins (a family token has person_id md5('person-'||n)).
-- Element arrangements are mixed (see `arr` below); payments never exceed a third of any
-- allocation, so the element totals (committed/spent, set from the ledger after the bulk insert)
-- never refuse one and every element keeps room for more.
--
-- Idempotent: a second run finds budget 1 and changes nothing.  One transaction.
BEGIN;
-- pbd connects with statement_timeout = PB_DB_TIMEOUT_MS; seeding takes longer
SET LOCAL statement_timeout = 0;
SET LOCAL lock_timeout = 0;
-- the family read model is built once at the end, not person by person
SET LOCAL pb.family_bulk = 'on';
DO $seed$
DECLARE
    la_ constant text := 'E09000007';
BEGIN
    IF EXISTS (SELECT 1 FROM budgets WHERE la = la_ AND id = md5('budget-1')::uuid) THEN
        RAISE NOTICE 'seed-bench: already seeded, nothing to do';
        RETURN;
    END IF;

    INSERT INTO people (la, id, given_name, family_name, email, created_by)
    SELECT la_, md5('person-' || n)::uuid, 'Parent' || n, 'Bench',
           'parent' || n || '@example.org', 'seed-bench'
    FROM generate_series(1, 20000) n;

    INSERT INTO children (la, id, given_name, family_name, date_of_birth, created_by)
    SELECT la_, md5('child-' || n)::uuid, 'Child' || n, 'Bench',
           date '2011-01-01' + (n * 37) % 3650, 'seed-bench'
    FROM generate_series(1, 20000) n;

    INSERT INTO contacts (la, id, child_id, person_id, relationship,
                          has_parental_responsibility, lives_with_child, created_by)
    SELECT la_, md5('contact-' || n)::uuid, md5('child-' || n)::uuid,
           md5('person-' || n)::uuid, 'parent', true, true, 'seed-bench'
    FROM generate_series(1, 20000) n;

    INSERT INTO contacts (la, id, child_id, person_id, relationship,
                          has_parental_responsibility, lives_with_child, created_by)
    SELECT la_, md5('contact-x-' || n)::uuid,
           md5('child-' || (6000 + ((n / 3 - 1) % 500) + 1))::uuid,
           md5('person-' || n)::uuid, 'carer', false, false, 'seed-bench'
    FROM generate_series(3, 6000, 3) n;

    INSERT INTO plans (la, id, child_id, status, assessment_agreed_on, issued_on,
                       next_review_due, created_by)
    SELECT la_, md5('plan-' || n)::uuid, md5('child-' || n)::uuid, 'issued',
           date '2024-01-15', date '2024-06-15', date '2027-06-15', 'seed-bench'
    FROM generate_series(1, 20000) n;

    INSERT INTO plan_status_history (la, plan_id, seq, status, effective_from, changed_by)
    SELECT la_, md5('plan-' || n)::uuid, s.seq, s.status, s.d, 'seed-bench'
    FROM generate_series(1, 20000) n,
         (VALUES (1, 'assessment_agreed', date '2024-01-15'),
                 (2, 'issued', date '2024-06-15')) s (seq, status, d);

    -- payees: one individual per family (direct payments), 50 providers, the council
    INSERT INTO payees (la, id, kind, name, person_id, is_local_authority, created_by)
    SELECT la_, md5('payee-' || n)::uuid, 'individual', 'Parent' || n || ' Bench',
           md5('person-' || n)::uuid, false, 'seed-bench'
    FROM generate_series(1, 8000) n;
    INSERT INTO payees (la, id, kind, name, person_id, is_local_authority, created_by)
    SELECT la_, md5('payee-org-' || n)::uuid, 'organisation', 'Provider ' || n || ' Ltd',
           NULL, false, 'seed-bench'
    FROM generate_series(1, 50) n;
    INSERT INTO payees (la, id, kind, name, person_id, is_local_authority, created_by)
    VALUES (la_, md5('payee-council')::uuid, 'organisation', 'The Council', NULL, true,
            'seed-bench');

    -- budgets: shape by n % 4 (element arrangements by position 0, 1, 2)
    --   0: direct_payment x3        1: direct_payment, third_party, notional
    --   2: third_party x3           3: notional, direct_payment, notional
    CREATE TEMP TABLE bench_b ON COMMIT DROP AS
    SELECT n,
           CASE WHEN n <= 6500 THEN n ELSE n - 6500 END AS c,
           CASE WHEN n > 6500 THEN 'closed' WHEN n % 20 = 0 THEN 'suspended'
                ELSE 'approved' END AS status,
           CASE WHEN n <= 6500 THEN date '2026-04-01' ELSE date '2025-04-01' END AS ps,
           CASE WHEN n <= 6500 THEN date '2027-03-31' ELSE date '2026-03-31' END AS pe,
           CASE n % 4 WHEN 0 THEN 'direct_payment' WHEN 2 THEN 'third_party'
                ELSE 'mixed' END AS arrangement
    FROM generate_series(1, 8000) n;

    INSERT INTO budgets (la, id, child_id, plan_id, status, arrangement, period_start,
                         period_end, created_by, approved_by, approved_at, created_at,
                         updated_at, version)
    SELECT la_, md5('budget-' || n)::uuid, md5('child-' || c)::uuid, md5('plan-' || c)::uuid,
           status, arrangement, ps, pe, 'seed-bench', 'seed-bench-approver',
           ps - 20 + time '10:00', ps - 30 + time '09:00', ps - 20 + time '10:00',
           CASE status WHEN 'approved' THEN 2 ELSE 3 END
    FROM bench_b;

    INSERT INTO budget_status_history (la, budget_id, seq, status, reason, changed_by, changed_at)
    SELECT la_, md5('budget-' || n)::uuid, 1, 'draft', NULL, 'seed-bench', ps - 30 + time '09:00'
    FROM bench_b
    UNION ALL
    SELECT la_, md5('budget-' || n)::uuid, 2, 'approved', 'Agreed at panel',
           'seed-bench-approver', ps - 20 + time '10:00'
    FROM bench_b
    UNION ALL
    SELECT la_, md5('budget-' || n)::uuid, 3, status,
           CASE status WHEN 'closed' THEN 'End of the budget period'
                ELSE 'Direct payment under review' END,
           'seed-bench-approver', CASE status WHEN 'closed' THEN pe + time '17:00'
                ELSE timestamptz '2026-10-01 12:00Z' END
    FROM bench_b WHERE status <> 'approved';

    CREATE TEMP TABLE bench_e ON COMMIT DROP AS
    SELECT b.*, k, 3 * (b.n - 1) + k + 1 AS m,
           (ARRAY['education', 'social_care', 'health'])[k + 1] AS stream,
           (ARRAY['transport', 'short_breaks', 'continuing_care'])[k + 1] AS service_type,
           CASE b.n % 4
               WHEN 0 THEN 'direct_payment'
               WHEN 1 THEN (ARRAY['direct_payment', 'third_party', 'notional'])[k + 1]
               WHEN 2 THEN 'third_party'
               ELSE (ARRAY['notional', 'direct_payment', 'notional'])[k + 1] END AS arr,
           (ARRAY[240000, 360000, 600000])[k + 1] + (b.n % 7) * 12000 AS allocated
    FROM bench_b b, generate_series(0, 2) k;

    INSERT INTO budget_elements (la, id, budget_id, position, child_id, period_start,
                                 period_end, budget_status, stream, service_type, arrangement,
                                 allocated_pence, recipient_person_id, payee_id,
                                 agreed_provision, outcomes, signed_on, school_premises)
    SELECT la_, md5('element-' || m)::uuid, md5('budget-' || n)::uuid, k,
           md5('child-' || c)::uuid, ps, pe, status, stream, service_type, arr, allocated,
           CASE WHEN arr = 'direct_payment' THEN md5('person-' || c)::uuid END,
           CASE arr WHEN 'direct_payment' THEN md5('payee-' || c)::uuid
                    WHEN 'third_party' THEN md5('payee-org-' || (n % 50 + 1))::uuid END,
           CASE WHEN arr = 'direct_payment' THEN 'Agreed ' || service_type || ' provision' END,
           CASE WHEN arr = 'direct_payment' THEN ARRAY['Outcome agreed in the EHC plan'] END,
           CASE WHEN arr = 'direct_payment' THEN ps - 25 END,
           CASE WHEN arr = 'direct_payment' THEN false END
    FROM bench_e;

    -- The ledger triggers keep each element's committed/spent totals one
    -- payment at a time: for 96,000 seeded payments that was most of the
    -- seeding time.  Insert with them off, set every element's totals from
    -- the ledger in one statement (the CHECKs still refuse an overspend) and
    -- prove below, in this transaction, that no element drifts.
    ALTER TABLE payments DISABLE TRIGGER payments_ledger;
    ALTER TABLE recoveries DISABLE TRIGGER recoveries_ledger;

    -- 12 monthly payments per budget; state by due date against 2026-11-22
    -- (the last day of each month of the period).  Each element takes 4
    -- payments of allocated/12: a third of it at most.
    INSERT INTO payments (la, id, budget_id, element_id, payee_id, amount_pence, purpose,
                          description, due_date, status, created_by, approved_by,
                          failure_reason, cancel_reason)
    SELECT la_, md5('payment-' || (12 * (e.n - 1) + i))::uuid, md5('budget-' || e.n)::uuid,
           md5('element-' || e.m)::uuid,
           CASE e.arr WHEN 'direct_payment' THEN md5('payee-' || e.c)::uuid
                      WHEN 'third_party' THEN md5('payee-org-' || (e.n % 50 + 1))::uuid
                      ELSE md5('payee-council')::uuid END,
           e.allocated / 12,
           CASE e.arr WHEN 'direct_payment' THEN 'direct_payment' ELSE 'services' END,
           'Month ' || i, d.due, s.status, 'seed-bench',
           CASE WHEN s.status <> 'pending_approval' THEN 'seed-bench-finance' END,
           CASE WHEN s.status = 'failed' THEN 'Bank account closed' END,
           CASE WHEN s.status = 'cancelled' THEN 'No longer needed' END
    FROM bench_e e
    JOIN generate_series(1, 12) i ON i % 3 = e.k
    CROSS JOIN LATERAL (SELECT (e.ps + make_interval(months => i) - interval '1 day')::date AS due) d
    CROSS JOIN LATERAL (SELECT CASE
            WHEN (e.n + i) % 17 = 0 AND d.due < date '2026-11-22' THEN 'failed'
            WHEN (e.n + i) % 23 = 0 AND e.status <> 'closed' THEN 'cancelled'
            WHEN d.due < date '2026-11-01' THEN 'paid'
            WHEN d.due < date '2026-12-01' THEN 'exported'
            WHEN d.due < date '2027-01-01' THEN 'approved'
            ELSE 'pending_approval' END AS status) s;

    -- fresh statistics, or the planner takes the new tables for empty and
    -- scans all 96,000 payments for each recovery (a minute instead of 0.1 s)
    ANALYZE payments;
    ANALYZE budget_elements;

    -- a recovery on every 10th budget, from its first (paid or failed) short-breaks payment
    INSERT INTO recoveries (la, id, budget_id, element_id, amount_pence, reason, recorded_on,
                            created_by)
    SELECT la_, md5('recovery-' || n)::uuid, md5('budget-' || n)::uuid,
           md5('element-' || (3 * (n - 1) + 2))::uuid, 1000, 'Unspent short breaks money',
           ps + 75, 'seed-bench'
    FROM bench_b
    WHERE n % 10 = 0 AND EXISTS (SELECT 1 FROM payments p WHERE p.la = la_
        AND p.id = md5('payment-' || (12 * (n - 1) + 1))::uuid AND p.status = 'paid');

    ALTER TABLE payments ENABLE TRIGGER payments_ledger;
    ALTER TABLE recoveries ENABLE TRIGGER recoveries_ledger;
    UPDATE budget_elements e
    SET (committed_pence, spent_pence) =
        (SELECT t.committed_pence, t.spent_pence FROM pb_element_totals_recomputed(e.la, e.id) t)
    WHERE e.la = la_;
    IF EXISTS (SELECT 1 FROM budget_element_totals_drift WHERE la = la_) THEN
        RAISE EXCEPTION 'seed-bench: element totals drift from the ledger';
    END IF;
    PERFORM pb_family_rebuild(la_);
END
$seed$;
COMMIT;
ANALYZE;
