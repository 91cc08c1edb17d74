-- Demo council E09000007: a family with two children and their EHC plans.
-- Idempotent: fixed ids (md5 of a name) and ON CONFLICT DO NOTHING.
INSERT INTO people (la, id, given_name, family_name, email, phone, created_by) VALUES
  ('E09000007', md5('demo-person-1')::uuid, 'Sam', 'Taylor', 'sam.taylor@example.org', '020 7946 0001', 'seed-demo'),
  ('E09000007', md5('demo-person-2')::uuid, 'Chris', 'Okafor', 'chris.okafor@example.org', NULL, 'seed-demo')
ON CONFLICT DO NOTHING;

INSERT INTO children (la, id, given_name, family_name, date_of_birth, created_by) VALUES
  ('E09000007', md5('demo-child-1')::uuid, 'Jordan', 'Taylor', '2015-03-14', 'seed-demo'),
  ('E09000007', md5('demo-child-2')::uuid, 'Riley', 'Taylor', '2009-09-02', 'seed-demo'),
  ('E09000007', md5('demo-child-3')::uuid, 'Amara', 'Okafor', '2012-02-29', 'seed-demo')
ON CONFLICT DO NOTHING;

INSERT INTO contacts (la, id, child_id, person_id, relationship, has_parental_responsibility, lives_with_child, created_by) VALUES
  ('E09000007', md5('demo-contact-1')::uuid, md5('demo-child-1')::uuid, md5('demo-person-1')::uuid, 'parent', true, true, 'seed-demo'),
  ('E09000007', md5('demo-contact-2')::uuid, md5('demo-child-2')::uuid, md5('demo-person-1')::uuid, 'parent', true, true, 'seed-demo'),
  ('E09000007', md5('demo-contact-3')::uuid, md5('demo-child-3')::uuid, md5('demo-person-2')::uuid, 'parent', true, true, 'seed-demo')
ON CONFLICT DO NOTHING;

INSERT INTO plans (la, id, child_id, status, assessment_agreed_on, issued_on, next_review_due, created_by) VALUES
  ('E09000007', md5('demo-plan-1')::uuid, md5('demo-child-1')::uuid, 'under_review', '2022-09-01', '2023-01-20', '2027-01-20', 'seed-demo'),
  ('E09000007', md5('demo-plan-2')::uuid, md5('demo-child-2')::uuid, 'issued', '2021-03-01', '2021-07-15', '2027-07-15', 'seed-demo'),
  ('E09000007', md5('demo-plan-3')::uuid, md5('demo-child-3')::uuid, 'assessment_agreed', '2026-10-01', NULL, NULL, 'seed-demo')
ON CONFLICT DO NOTHING;

INSERT INTO plan_status_history (la, plan_id, seq, status, effective_from, changed_by) VALUES
  ('E09000007', md5('demo-plan-1')::uuid, 1, 'assessment_agreed', '2022-09-01', 'seed-demo'),
  ('E09000007', md5('demo-plan-1')::uuid, 2, 'issued', '2023-01-20', 'seed-demo'),
  ('E09000007', md5('demo-plan-1')::uuid, 3, 'under_review', '2026-11-01', 'seed-demo'),
  ('E09000007', md5('demo-plan-2')::uuid, 1, 'assessment_agreed', '2021-03-01', 'seed-demo'),
  ('E09000007', md5('demo-plan-2')::uuid, 2, 'issued', '2021-07-15', 'seed-demo'),
  ('E09000007', md5('demo-plan-2')::uuid, 3, 'under_review', '2026-07-15', 'seed-demo'),
  ('E09000007', md5('demo-plan-2')::uuid, 4, 'issued', '2026-08-01', 'seed-demo'),
  ('E09000007', md5('demo-plan-3')::uuid, 1, 'assessment_agreed', '2026-10-01', 'seed-demo')
ON CONFLICT DO NOTHING;

-- ---- budgets service demo (003_budgets): payees and an approved mixed budget
-- for Jordan (demo-child-1) -- a direct payment to Sam Taylor, a third-party
-- short-breaks provider and notional continuing care -- with two payments.
-- No bank details: they need PB_BANK_KEY, which seeding does not have.
INSERT INTO payees (la, id, kind, name, person_id, is_local_authority, created_by) VALUES
  ('E09000007', md5('demo-payee-1')::uuid, 'individual', 'Sam Taylor', md5('demo-person-1')::uuid, false, 'seed-demo'),
  ('E09000007', md5('demo-payee-2')::uuid, 'organisation', 'Bright Futures Short Breaks Ltd', NULL, false, 'seed-demo')
ON CONFLICT DO NOTHING;

INSERT INTO budgets (la, id, child_id, plan_id, status, arrangement, period_start, period_end,
                     created_by, approved_by, approved_at) VALUES
  ('E09000007', md5('demo-budget-1')::uuid, md5('demo-child-1')::uuid, md5('demo-plan-1')::uuid,
   'approved', 'mixed', '2026-09-01', '2027-08-31', 'seed-demo', 'seed-demo-approver', '2026-08-20T10:00:00Z')
ON CONFLICT DO NOTHING;

INSERT INTO budget_status_history (la, budget_id, seq, status, reason, changed_by, changed_at) VALUES
  ('E09000007', md5('demo-budget-1')::uuid, 1, 'draft', NULL, 'seed-demo', '2026-08-15T09:00:00Z'),
  ('E09000007', md5('demo-budget-1')::uuid, 2, 'approved', 'Agreed at panel', 'seed-demo-approver', '2026-08-20T10:00:00Z')
ON CONFLICT DO NOTHING;

INSERT INTO budget_elements (la, id, budget_id, position, child_id, period_start, period_end, budget_status,
                             stream, service_type, arrangement, allocated_pence, recipient_person_id, payee_id,
                             agreed_provision, outcomes, signed_on, school_premises) VALUES
  ('E09000007', md5('demo-element-1')::uuid, md5('demo-budget-1')::uuid, 0, md5('demo-child-1')::uuid,
   '2026-09-01', '2027-08-31', 'approved', 'education', 'transport', 'direct_payment', 180000,
   md5('demo-person-1')::uuid, md5('demo-payee-1')::uuid,
   'Personal transport budget: daily journeys to and from school by family car',
   ARRAY['Attends school every day', 'Arrives calm and ready to learn'], '2026-08-25', false),
  ('E09000007', md5('demo-element-2')::uuid, md5('demo-budget-1')::uuid, 1, md5('demo-child-1')::uuid,
   '2026-09-01', '2027-08-31', 'approved', 'social_care', 'short_breaks', 'third_party', 240000,
   NULL, md5('demo-payee-2')::uuid, NULL, NULL, NULL, NULL),
  ('E09000007', md5('demo-element-3')::uuid, md5('demo-budget-1')::uuid, 2, md5('demo-child-1')::uuid,
   '2026-09-01', '2027-08-31', 'approved', 'health', 'continuing_care', 'notional', 120000,
   NULL, NULL, NULL, NULL, NULL, NULL)
ON CONFLICT DO NOTHING;

-- the ledger triggers keep the elements' committed/spent totals
INSERT INTO payments (la, id, budget_id, element_id, payee_id, amount_pence, purpose, description,
                      due_date, status, created_by, approved_by) VALUES
  ('E09000007', md5('demo-payment-1')::uuid, md5('demo-budget-1')::uuid, md5('demo-element-1')::uuid,
   md5('demo-payee-1')::uuid, 15000, 'direct_payment', 'September transport', '2026-09-30', 'paid',
   'seed-demo', 'seed-demo-finance'),
  ('E09000007', md5('demo-payment-2')::uuid, md5('demo-budget-1')::uuid, md5('demo-element-1')::uuid,
   md5('demo-payee-1')::uuid, 15000, 'direct_payment', 'December transport', '2026-12-31', 'approved',
   'seed-demo', 'seed-demo-finance')
ON CONFLICT DO NOTHING;
