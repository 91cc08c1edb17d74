-- 026_family_projection: what a family sees (issue 18, part 1).
--
-- GET /v1/me/budgets shows, per element, a label (the council's offer, or
-- the service type made readable), who holds it (the family, a provider by
-- name, the council), what has been paid to the family, and the payments
-- to come over the next eight weeks — from the payments already created
-- AND from the active schedules the materialiser has not reached yet, so
-- next_payment is right whatever the cron does.  The read model of
-- migration 011 now keeps, per element, everything those need:
--
--   label, held_kind, held_name, paid_pence;
--   open_due/open_amount/open_more: the element's next 16 open
--     direct-payment instalments from pb_family_horizon() (per element now,
--     not per budget), and whether there are more;
--   sc_*: the element's live schedules (not stopped, not past their last
--     day), in creation order: frequency, start (termly: from the horizon
--     on), last day (end or the budget period's end), amount, what the cap
--     leaves (-1: no cap); sc_have_i/sc_have_d: the due dates each has
--     materialised (any status: materialise never makes one twice);
--   terms: the council's term starts from the horizon on (only for an
--     element with a termly schedule).
--
-- The dates are computed at read time in C by pb_pay_schedule_instalments
-- (internal/payments/rules.c, the walk the materialiser's calendar and the
-- PAY-24 projection use), so the stored rows depend on facts only and the
-- ETag (version, today, person) stays right.  New triggers mark the family
-- when a fact the view now shows changes: a schedule, an offer label, a
-- payee's name, the council's term dates, and a payment entering or
-- leaving `paid`.

ALTER TABLE offer_items
    ADD COLUMN label text CHECK (length(label) BETWEEN 1 AND 100 AND label !~ '[[:cntrl:]]');

ALTER TABLE family_view_rows
    ADD COLUMN label       text,
    ADD COLUMN held_kind   text,
    ADD COLUMN held_name   text,
    ADD COLUMN paid_pence  bigint,
    ADD COLUMN sc_freq     text[]   NOT NULL DEFAULT '{}',
    ADD COLUMN sc_start    date[]   NOT NULL DEFAULT '{}',
    ADD COLUMN sc_last     date[]   NOT NULL DEFAULT '{}',
    ADD COLUMN sc_amount   bigint[] NOT NULL DEFAULT '{}',
    ADD COLUMN sc_cap_left bigint[] NOT NULL DEFAULT '{}',
    ADD COLUMN sc_have_i   integer[] NOT NULL DEFAULT '{}',
    ADD COLUMN sc_have_d   date[]   NOT NULL DEFAULT '{}',
    ADD COLUMN terms       date[]   NOT NULL DEFAULT '{}';

-- A service type as a person reads it: "short_breaks" → "Short breaks".
CREATE FUNCTION pb_service_label(p_type text) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT upper(left(replace(p_type, '_', ' '), 1)) || substr(replace(p_type, '_', ' '), 2) $$;

-- The live schedules of a direct-payment element paying its payee, numbered
-- in creation order (the order of the sc_* arrays).
CREATE FUNCTION pb_family_schedules(p_la text, p_element uuid, p_payee uuid, p_period_end date)
RETURNS TABLE (n integer, id uuid, frequency text, start_date date, last_date date,
               amount_pence bigint, cap_left bigint)
LANGUAGE sql STABLE AS $$
    SELECT (row_number() OVER (ORDER BY s.created_at, s.id))::integer, s.id, s.frequency,
           CASE WHEN s.frequency = 'termly' THEN greatest(s.start_date, pb_family_horizon())
                ELSE s.start_date END,
           least(s.end_date, p_period_end), s.amount_pence,
           CASE WHEN s.cap_pence IS NULL THEN -1
                ELSE greatest(0, s.cap_pence - (SELECT coalesce(sum(p.amount_pence), 0)
                     FROM payments p WHERE p.la = s.la AND p.schedule_id = s.id
                      AND p.status NOT IN ('cancelled', 'failed'))) END
      FROM payment_schedules s
     WHERE s.la = p_la AND s.element_id = p_element AND s.payee_id = p_payee
       AND s.stopped_at IS NULL AND least(s.end_date, p_period_end) >= pb_family_horizon()
$$;

DROP VIEW family_view_drift;
DROP FUNCTION pb_family_compute(text, uuid);

CREATE FUNCTION pb_family_compute(p_la text, p_person uuid)
RETURNS TABLE (ord integer, child_id uuid, given_name text, budget_id uuid, period_start date,
               period_end date, status text, arrangement text, open_due date[],
               open_amount bigint[], open_more boolean, element_id uuid, stream text,
               service_type text, element_arrangement text, allocated_pence bigint,
               committed_pence bigint, spent_pence bigint, label text, held_kind text,
               held_name text, paid_pence bigint, sc_freq text[], sc_start date[],
               sc_last date[], sc_amount bigint[], sc_cap_left bigint[], sc_have_i integer[],
               sc_have_d date[], terms date[])
LANGUAGE sql STABLE AS $$
    SELECT (row_number() OVER (ORDER BY c.given_name, c.id, b.period_start, b.id, e.position))::integer,
           c.id, c.given_name, b.id, b.period_start, b.period_end, b.status, b.arrangement,
           coalesce(op.due, '{}'), coalesce(op.amount, '{}'), coalesce(op.more, false),
           e.id, e.stream, e.service_type, e.arrangement, e.allocated_pence, e.committed_pence,
           e.spent_pence,
           CASE WHEN e.id IS NOT NULL THEN coalesce(o.label, pb_service_label(e.service_type)) END,
           CASE e.arrangement WHEN 'direct_payment' THEN 'family'
                WHEN 'third_party' THEN 'provider' WHEN 'notional' THEN 'council' END,
           CASE e.arrangement WHEN 'direct_payment' THEN 'You'
                WHEN 'third_party' THEN coalesce(y.name, 'The provider')
                WHEN 'notional' THEN 'The council' END,
           CASE WHEN e.id IS NOT NULL THEN coalesce(pd.paid, 0) END,
           coalesce(sc.freq, '{}'), coalesce(sc.start, '{}'), coalesce(sc.last, '{}'),
           coalesce(sc.amount, '{}'), coalesce(sc.cap_left, '{}'), coalesce(hv.i, '{}'),
           coalesce(hv.d, '{}'), coalesce(tm.terms, '{}')
      FROM contacts k JOIN children c ON c.la = k.la AND c.id = k.child_id
      JOIN budgets b ON b.la = k.la AND b.child_id = k.child_id
       AND b.status IN ('approved', 'suspended')
      LEFT JOIN budget_elements e ON e.la = b.la AND e.budget_id = b.id
      LEFT JOIN offer_items o ON o.la = e.la AND o.service_type = e.service_type
      LEFT JOIN payees y ON y.la = e.la AND y.id = e.payee_id
      LEFT JOIN LATERAL (
           SELECT (array_agg(x.due_date ORDER BY x.n))[1:16] AS due,
                  (array_agg(x.amount_pence ORDER BY x.n))[1:16] AS amount, count(*) > 16 AS more
             FROM (SELECT p.due_date, p.amount_pence,
                          row_number() OVER (ORDER BY p.due_date, p.created_at, p.id) AS n
                     FROM payments p
                    WHERE e.arrangement = 'direct_payment' AND p.la = e.la
                      AND p.element_id = e.id AND p.payee_id = e.payee_id
                      AND p.status IN ('pending_approval', 'approved', 'exported')
                      AND p.due_date >= pb_family_horizon()
                    ORDER BY p.due_date, p.created_at, p.id LIMIT 17) x) op ON true
      LEFT JOIN LATERAL (
           SELECT sum(p.amount_pence)::bigint AS paid FROM payments p
            WHERE e.arrangement = 'direct_payment' AND p.la = e.la AND p.element_id = e.id
              AND p.payee_id = e.payee_id AND p.status = 'paid') pd ON true
      LEFT JOIN LATERAL (
           SELECT array_agg(s.frequency ORDER BY s.n) AS freq,
                  array_agg(s.start_date ORDER BY s.n) AS start,
                  array_agg(s.last_date ORDER BY s.n) AS last,
                  array_agg(s.amount_pence ORDER BY s.n) AS amount,
                  array_agg(s.cap_left ORDER BY s.n) AS cap_left,
                  bool_or(s.frequency = 'termly') AS termly
             FROM pb_family_schedules(e.la, e.id, e.payee_id, b.period_end) s
            WHERE e.arrangement = 'direct_payment') sc ON true
      LEFT JOIN LATERAL (
           SELECT array_agg(s.n ORDER BY s.n, p.due_date) AS i,
                  array_agg(p.due_date ORDER BY s.n, p.due_date) AS d
             FROM pb_family_schedules(e.la, e.id, e.payee_id, b.period_end) s
             JOIN payments p ON p.la = e.la AND p.schedule_id = s.id
            WHERE sc.freq IS NOT NULL) hv ON true
      LEFT JOIN LATERAL (
           SELECT array_agg(t ORDER BY t) AS terms
             FROM term_dates td, unnest(td.term_starts) t
            WHERE sc.termly AND td.la = b.la AND t >= pb_family_horizon()) tm ON true
     WHERE k.la = p_la AND k.person_id = p_person
$$;

CREATE OR REPLACE FUNCTION pb_family_refresh(p_la text, p_person uuid) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- the row lock first (the upsert takes it, and waits for a concurrent
    -- refresh); the statements below read snapshots taken after it
    INSERT INTO family_views AS v (la, person_id, version) VALUES (p_la, p_person, 1)
    ON CONFLICT (la, person_id) DO UPDATE SET version = v.version + 1;
    DELETE FROM family_view_rows WHERE la = p_la AND person_id = p_person;
    INSERT INTO family_view_rows (la, person_id, ord, child_id, given_name, budget_id,
        period_start, period_end, status, arrangement, open_due, open_amount, open_more, element_id,
        stream, service_type, element_arrangement, allocated_pence, committed_pence, spent_pence,
        label, held_kind, held_name, paid_pence, sc_freq, sc_start, sc_last, sc_amount,
        sc_cap_left, sc_have_i, sc_have_d, terms)
    SELECT p_la, p_person, f.* FROM pb_family_compute(p_la, p_person) f;
END $$;

CREATE OR REPLACE FUNCTION pb_family_rebuild(p_la text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    INSERT INTO family_views (la, person_id)
    SELECT DISTINCT p_la, k.person_id FROM contacts k WHERE k.la = p_la ON CONFLICT DO NOTHING;
    PERFORM 1 FROM family_views WHERE la = p_la ORDER BY person_id FOR UPDATE;
    DELETE FROM family_view_rows WHERE la = p_la;
    INSERT INTO family_view_rows (la, person_id, ord, child_id, given_name, budget_id,
        period_start, period_end, status, arrangement, open_due, open_amount, open_more, element_id,
        stream, service_type, element_arrangement, allocated_pence, committed_pence, spent_pence,
        label, held_kind, held_name, paid_pence, sc_freq, sc_start, sc_last, sc_amount,
        sc_cap_left, sc_have_i, sc_have_d, terms)
    SELECT p_la, v.person_id, f.* FROM family_views v
      CROSS JOIN LATERAL pb_family_compute(p_la, v.person_id) f WHERE v.la = p_la;
    UPDATE family_views SET version = version + 1 WHERE la = p_la;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

-- ---------------------------------------------------------------- marking
-- A payment entering or leaving `paid` (paid to the family; a paid one
-- that fails later) changes paid_pence; the rest as in 011.
DROP TRIGGER payments_family_update ON payments;
CREATE TRIGGER payments_family_update AFTER UPDATE ON payments
    FOR EACH ROW WHEN (pb_payment_open(OLD.status) IS DISTINCT FROM pb_payment_open(NEW.status)
        OR (OLD.status = 'paid') IS DISTINCT FROM (NEW.status = 'paid')
        OR OLD.due_date IS DISTINCT FROM NEW.due_date
        OR OLD.amount_pence IS DISTINCT FROM NEW.amount_pence
        OR OLD.payee_id IS DISTINCT FROM NEW.payee_id
        OR OLD.element_id IS DISTINCT FROM NEW.element_id
        OR OLD.budget_id IS DISTINCT FROM NEW.budget_id)
    EXECUTE FUNCTION pb_family_mark_in_budget();

-- schedules carry budget_id: the same marking as elements and payments
CREATE TRIGGER payment_schedules_family AFTER INSERT OR DELETE OR UPDATE OF budget_id,
    element_id, payee_id, amount_pence, frequency, start_date, end_date, cap_pence, stopped_at
    ON payment_schedules FOR EACH ROW EXECUTE FUNCTION pb_family_mark_in_budget();

-- the families shown an element of a service type (an offer label changed)
CREATE FUNCTION pb_family_mark_offer() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    IF NOT pb_family_bulk() THEN
        r := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        PERFORM pb_family_mark_child(b.la, b.child_id)
           FROM budgets b WHERE b.la = r.la AND b.status IN ('approved', 'suspended')
            AND EXISTS (SELECT 1 FROM budget_elements e WHERE e.la = b.la
                         AND e.budget_id = b.id AND e.service_type = r.service_type);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER offer_items_family AFTER INSERT OR DELETE OR UPDATE OF label, service_type
    ON offer_items FOR EACH ROW EXECUTE FUNCTION pb_family_mark_offer();

-- the families of an element a payee holds (its name changed)
CREATE FUNCTION pb_family_mark_payee() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT pb_family_bulk() THEN
        PERFORM pb_family_mark_child(b.la, b.child_id)
           FROM budgets b WHERE b.la = NEW.la AND b.status IN ('approved', 'suspended')
            AND EXISTS (SELECT 1 FROM budget_elements e WHERE e.la = b.la
                         AND e.budget_id = b.id AND e.payee_id = NEW.id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER payees_family AFTER UPDATE OF name ON payees
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION pb_family_mark_payee();

-- the families with a live termly schedule (the council's term dates changed)
CREATE FUNCTION pb_family_mark_terms() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    p_la text;
BEGIN
    IF NOT pb_family_bulk() THEN
        p_la := CASE WHEN TG_OP = 'DELETE' THEN OLD.la ELSE NEW.la END;
        PERFORM pb_family_mark_child(b.la, b.child_id)
           FROM budgets b WHERE b.la = p_la AND b.status IN ('approved', 'suspended')
            AND EXISTS (SELECT 1 FROM payment_schedules s WHERE s.la = b.la
                         AND s.budget_id = b.id AND s.frequency = 'termly'
                         AND s.stopped_at IS NULL);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER term_dates_family AFTER INSERT OR DELETE OR UPDATE OF term_starts
    ON term_dates FOR EACH ROW EXECUTE FUNCTION pb_family_mark_terms();

-- GET /v1/me/payments: a family's payments received, newest first
CREATE INDEX payments_paid_by_element ON payments (la, element_id, due_date DESC, id DESC)
    WHERE status = 'paid';

-- what is there already
SELECT pb_family_rebuild(la) FROM (SELECT DISTINCT la FROM contacts) l;

CREATE VIEW family_view_drift AS
SELECT p.la, p.person_id
  FROM (SELECT DISTINCT la, person_id FROM contacts
        UNION SELECT la, person_id FROM family_views) p
 WHERE (SELECT json_agg(f ORDER BY f.ord)::text FROM pb_family_compute(p.la, p.person_id) f)
       IS DISTINCT FROM
       (SELECT json_agg(x ORDER BY x.ord)::text FROM (
            SELECT r.ord, r.child_id, r.given_name, r.budget_id, r.period_start, r.period_end,
                   r.status, r.arrangement, r.open_due, r.open_amount, r.open_more, r.element_id,
                   r.stream, r.service_type, r.element_arrangement, r.allocated_pence,
                   r.committed_pence, r.spent_pence, r.label, r.held_kind, r.held_name,
                   r.paid_pence, r.sc_freq, r.sc_start, r.sc_last, r.sc_amount, r.sc_cap_left,
                   r.sc_have_i, r.sc_have_d, r.terms
              FROM family_view_rows r WHERE r.la = p.la AND r.person_id = p.person_id) x);
