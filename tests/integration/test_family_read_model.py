"""The family read model (migration 011) against a real PostgreSQL, over the
whole seed-bench data set: after seeding, and after every kind of change the
view shows (payments approved, paid, cancelled, moved, re-amounted, added;
a child renamed; contacts added and removed; budgets suspended, closed and
approved; allocations changed), each person's stored rows equal what
pb_family_compute recomputes (family_view_drift is empty); concurrent
transactions on one family never leave it stale; and the check itself
notices a view left stale on purpose."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import check, eq, migrated_db, pbd, psql, run, test  # noqa: E402

DB = migrated_db("family_read_model")
LA = "E09000007"
p = pbd(["seed-bench"], {"DATABASE_URL": DB})
if p.returncode != 0:
    raise SystemExit("seed-bench failed: " + p.stderr)


def q(sql):
    return psql(DB, sql)[1]


def drift():
    return int(q("SELECT count(*) FROM family_view_drift"))


def version(n):
    return int(q("SELECT version FROM family_views WHERE la = '%s'"
                 " AND person_id = md5('person-%d')::uuid" % (LA, n)))


@test
def test_the_seeded_read_model_equals_recomputation():
    eq(int(q("SELECT count(*) FROM family_views")), 20000, "a view per person")
    check(int(q("SELECT count(*) FROM family_view_rows")) > 20000, "rows stored")
    eq(drift(), 0, "persons whose stored view differs")


@test
def test_every_kind_of_change_keeps_it_current():
    changes = [
        ("approve", "UPDATE payments SET status = 'approved', approved_by = 't'"
                    " WHERE la = '%s' AND status = 'pending_approval' AND budget_id IN"
                    " (SELECT md5('budget-' || n)::uuid FROM generate_series(1, 40) n)" % LA),
        ("cancel", "UPDATE payments SET status = 'cancelled', cancel_reason = 't'"
                   " WHERE la = '%s' AND status = 'approved' AND budget_id IN"
                   " (SELECT md5('budget-' || n)::uuid FROM generate_series(41, 80) n)" % LA),
        ("export and pay", "UPDATE payments SET status = 'paid' WHERE la = '%s' AND status ="
                           " 'exported' AND budget_id IN (SELECT md5('budget-' || n)::uuid"
                           " FROM generate_series(81, 120) n)" % LA),
        ("move due date", "UPDATE payments SET due_date = due_date - 45 WHERE la = '%s'"
                          " AND status = 'pending_approval' AND budget_id IN (SELECT"
                          " md5('budget-' || n)::uuid FROM generate_series(121, 160) n)" % LA),
        ("re-amount", "UPDATE payments SET amount_pence = amount_pence - 1 WHERE la = '%s'"
                      " AND status = 'pending_approval' AND budget_id IN (SELECT"
                      " md5('budget-' || n)::uuid FROM generate_series(161, 200) n)" % LA),
        ("new payments", "INSERT INTO payments (la, id, budget_id, element_id, payee_id,"
                         " amount_pence, purpose, description, due_date, status, created_by)"
                         " SELECT e.la, gen_random_uuid(), e.budget_id, e.id, e.payee_id, 100,"
                         " 'direct_payment', 'extra', date '2027-02-10', 'pending_approval', 't'"
                         " FROM budget_elements e WHERE e.la = '%s' AND e.arrangement ="
                         " 'direct_payment' AND e.budget_id IN (SELECT md5('budget-' || n)::uuid"
                         " FROM generate_series(201, 240) n)" % LA),
        ("rename a child", "UPDATE children SET given_name = 'Renamed' || id WHERE la = '%s'"
                           " AND id IN (SELECT md5('child-' || n)::uuid"
                           " FROM generate_series(6001, 6010) n)" % LA),
        ("remove carers", "DELETE FROM contacts WHERE la = '%s' AND id IN (SELECT"
                          " md5('contact-x-' || n)::uuid FROM generate_series(3, 60, 3) n)" % LA),
        ("add a carer", "INSERT INTO contacts (la, id, child_id, person_id, relationship,"
                        " has_parental_responsibility, lives_with_child, created_by) VALUES"
                        " ('%s', gen_random_uuid(), md5('child-2')::uuid, md5('person-1')::uuid,"
                        " 'carer', false, false, 't')" % LA),
        ("suspend", "UPDATE budgets SET status = 'suspended' WHERE la = '%s' AND id IN (SELECT"
                    " md5('budget-' || n)::uuid FROM generate_series(241, 260) n)" % LA),
        ("close", "UPDATE budgets SET status = 'closed' WHERE la = '%s' AND id IN (SELECT"
                  " md5('budget-' || n)::uuid FROM generate_series(261, 280) n)" % LA),
        ("re-allocate", "UPDATE budget_elements SET allocated_pence = allocated_pence + 500"
                        " WHERE la = '%s' AND budget_id IN (SELECT md5('budget-' || n)::uuid"
                        " FROM generate_series(281, 300) n)" % LA),
    ]
    v1 = version(1)
    for what, sql in changes:
        rc, out, err = psql(DB, sql, check_rc=False)
        eq(rc, 0, "%s: %s" % (what, err))
        eq(drift(), 0, "drift after %s" % what)
    check(version(1) > v1, "person 1's view was refreshed (version %d -> %d)" % (v1, version(1)))
    eq(int(q("SELECT count(*) FROM family_view_rows WHERE la = '%s' AND person_id ="
             " md5('person-1')::uuid AND child_id = md5('child-2')::uuid" % LA)) > 0, True,
       "the new carer sees the child's budget")


@test
def test_concurrent_changes_to_one_family():
    # twelve transactions on budget 4's payments (one family), overlapping
    procs = []
    for i in range(12):
        sql = ("BEGIN; UPDATE payments SET amount_pence = amount_pence + 1 WHERE la = '%s'"
               " AND id = md5('payment-' || (36 + %d))::uuid AND status = 'pending_approval';"
               " SELECT pg_sleep(0.%d); UPDATE budget_elements SET allocated_pence ="
               " allocated_pence + 1 WHERE la = '%s' AND id = md5('element-%d')::uuid; COMMIT;"
               % (LA, i % 12 + 1, (i * 7) % 10, LA, 10 + i % 3))
        procs.append(subprocess.Popen(["psql", DB, "-v", "ON_ERROR_STOP=1", "-qc", sql],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    for pr in procs:
        _, err = pr.communicate(timeout=60)
        eq(pr.returncode, 0, "transaction: " + err)
    eq(drift(), 0, "drift after concurrent writers")


@test
def test_the_check_notices_a_stale_view():
    # a bulk transaction skips the triggers: the view goes stale until rebuilt
    psql(DB, "BEGIN; SET LOCAL pb.family_bulk = 'on'; UPDATE children SET given_name = 'Bulk'"
             " WHERE la = '%s' AND id = md5('child-3')::uuid; COMMIT;" % LA)
    eq(drift(), 1, "the stale person is found")
    eq(q("SELECT pb_family_rebuild('%s')" % LA), "20000", "rebuilt")
    eq(drift(), 0, "current again")


run()
