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
  ('E09000007', md5('demo-plan-3')::uuid, 1, 'assessment_agreed', '2026-10-01', 'seed-demo')
ON CONFLICT DO NOTHING;
