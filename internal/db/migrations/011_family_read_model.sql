-- 011_family_read_model: GET /v1/me/budgets as one index range scan.
--
-- The family view joined contacts, children, budgets, elements and, per
-- budget, the next open payment (migration 005) on every request.  Now each
-- person's view is kept in family_view_rows, one row per element (or per
-- budget without elements) in display order, with the budget's next eight
-- open direct-payment instalments from yesterday on (due dates and amounts,
-- in the order the view picks the next one, and whether there are more) so
-- that "next payment on or after today" is chosen at read time; only when
-- all eight have passed with more to come does the read look at payments.  pb_family_compute(la, person) is the one definition of those
-- rows; the stored rows are what it returns, refreshed in the transaction of
-- every change that affects them:
--
--   a row trigger on contacts, children, budgets, budget_elements and
--   payments (only for changes the view shows) marks the persons concerned in
--   family_dirty, keyed by the writing transaction, so a transaction marks a
--   person once; a deferred constraint trigger then refreshes, at commit, all
--   the persons the transaction marked, in (la, person_id) order, each under
--   its family_views row lock and from a snapshot taken after that lock — so
--   two transactions changing one family never leave a view that misses
--   either change, and two changing several families never deadlock on them.
--
-- Bulk loads (seed-bench) may set pb.family_bulk = on for their transaction
-- and call pb_family_rebuild(la) at the end.  family_views.version grows with
-- every refresh.

CREATE TABLE family_views (
    la        text   NOT NULL,
    person_id uuid   NOT NULL,
    version   bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (la, person_id)
);

CREATE TABLE family_view_rows (
    la                  text    NOT NULL,
    person_id           uuid    NOT NULL,
    ord                 integer NOT NULL,
    child_id            uuid    NOT NULL,
    given_name          text    NOT NULL,
    budget_id           uuid    NOT NULL,
    period_start        date    NOT NULL,
    period_end          date    NOT NULL,
    status              text    NOT NULL,
    arrangement         text    NOT NULL,
    open_due            date[]  NOT NULL,
    open_amount         bigint[] NOT NULL,
    open_more           boolean NOT NULL,
    element_id          uuid,
    stream              text,
    service_type        text,
    element_arrangement text,
    allocated_pence     bigint,
    committed_pence     bigint,
    spent_pence         bigint,
    -- no foreign key to family_views: pb_family_refresh writes the view row
    -- first, and a per-row key check cost more than the rest of a refresh
    PRIMARY KEY (la, person_id, ord)
);

-- the persons a transaction has marked; emptied by the refresh at its commit
CREATE UNLOGGED TABLE family_dirty (
    xid       xid8 NOT NULL DEFAULT pg_current_xact_id(),
    la        text NOT NULL,
    person_id uuid NOT NULL,
    PRIMARY KEY (xid, la, person_id)
);

CREATE FUNCTION pb_payment_open(status text) RETURNS boolean LANGUAGE sql IMMUTABLE AS
$$ SELECT status IN ('pending_approval', 'approved', 'exported') $$;

-- Instalments due before this day can never be "next" again (yesterday in UTC,
-- a day of slack for clocks).
CREATE FUNCTION pb_family_horizon() RETURNS date LANGUAGE sql STABLE AS
$$ SELECT ((now() AT TIME ZONE 'UTC')::date - 1) $$;

-- The family view's rows for one person, in display order (the query the
-- store ran until now, with the next payment left to the reader).
CREATE FUNCTION pb_family_compute(p_la text, p_person uuid)
RETURNS TABLE (ord integer, child_id uuid, given_name text, budget_id uuid, period_start date,
               period_end date, status text, arrangement text, open_due date[],
               open_amount bigint[], open_more boolean, element_id uuid, stream text, service_type text,
               element_arrangement text, allocated_pence bigint, committed_pence bigint,
               spent_pence bigint)
LANGUAGE sql STABLE AS $$
    SELECT (row_number() OVER (ORDER BY c.given_name, c.id, b.period_start, b.id, e.position))::integer,
           c.id, c.given_name, b.id, b.period_start, b.period_end, b.status, b.arrangement,
           coalesce(op.due, '{}'), coalesce(op.amount, '{}'), coalesce(op.more, false),
           e.id, e.stream, e.service_type, e.arrangement, e.allocated_pence, e.committed_pence,
           e.spent_pence
      FROM contacts k JOIN children c ON c.la = k.la AND c.id = k.child_id
      JOIN budgets b ON b.la = k.la AND b.child_id = k.child_id
       AND b.status IN ('approved', 'suspended')
      LEFT JOIN LATERAL (
           SELECT (array_agg(x.due_date ORDER BY x.n))[1:8] AS due,
                  (array_agg(x.amount_pence ORDER BY x.n))[1:8] AS amount, count(*) > 8 AS more
             FROM (SELECT p.due_date, p.amount_pence,
                          row_number() OVER (ORDER BY p.due_date, p.created_at, p.id) AS n
                     FROM payments p
                     JOIN budget_elements pe ON pe.la = p.la AND pe.id = p.element_id
                      AND pe.arrangement = 'direct_payment' AND pe.payee_id = p.payee_id
                    WHERE p.la = b.la AND p.budget_id = b.id
                      AND p.status IN ('pending_approval', 'approved', 'exported')
                      AND p.due_date >= pb_family_horizon()
                    ORDER BY p.due_date, p.created_at, p.id LIMIT 9) x) op ON true
      LEFT JOIN budget_elements e ON e.la = b.la AND e.budget_id = b.id
     WHERE k.la = p_la AND k.person_id = p_person
$$;

-- Replace one person's stored rows with what pb_family_compute returns now.
CREATE FUNCTION pb_family_refresh(p_la text, p_person uuid) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- the row lock first (the upsert takes it, and waits for a concurrent
    -- refresh); the statements below read snapshots taken after it
    INSERT INTO family_views AS v (la, person_id, version) VALUES (p_la, p_person, 1)
    ON CONFLICT (la, person_id) DO UPDATE SET version = v.version + 1;
    DELETE FROM family_view_rows WHERE la = p_la AND person_id = p_person;
    INSERT INTO family_view_rows (la, person_id, ord, child_id, given_name, budget_id,
        period_start, period_end, status, arrangement, open_due, open_amount, open_more, element_id,
        stream, service_type, element_arrangement, allocated_pence, committed_pence, spent_pence)
    SELECT p_la, p_person, f.* FROM pb_family_compute(p_la, p_person) f;
END $$;

-- Every person of a council, at once and set-based (after a bulk load).
CREATE FUNCTION pb_family_rebuild(p_la text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    INSERT INTO family_views (la, person_id)
    SELECT DISTINCT p_la, k.person_id FROM contacts k WHERE k.la = p_la ON CONFLICT DO NOTHING;
    PERFORM 1 FROM family_views WHERE la = p_la ORDER BY person_id FOR UPDATE;
    DELETE FROM family_view_rows WHERE la = p_la;
    INSERT INTO family_view_rows (la, person_id, ord, child_id, given_name, budget_id,
        period_start, period_end, status, arrangement, open_due, open_amount, open_more, element_id,
        stream, service_type, element_arrangement, allocated_pence, committed_pence, spent_pence)
    SELECT p_la, v.person_id, f.* FROM family_views v
      CROSS JOIN LATERAL pb_family_compute(p_la, v.person_id) f WHERE v.la = p_la;
    UPDATE family_views SET version = version + 1 WHERE la = p_la;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

-- Mark the persons in contact with a child (or one person) as changed in this transaction.
CREATE FUNCTION pb_family_mark_child(p_la text, p_child uuid) RETURNS void LANGUAGE sql AS $$
    INSERT INTO family_dirty (la, person_id)
    SELECT k.la, k.person_id FROM contacts k WHERE k.la = p_la AND k.child_id = p_child
    ON CONFLICT DO NOTHING
$$;

CREATE FUNCTION pb_family_bulk() RETURNS boolean LANGUAGE sql STABLE AS
$$ SELECT coalesce(current_setting('pb.family_bulk', true), '') = 'on' $$;

-- The row triggers: mark whom the old and the new row concern.
CREATE FUNCTION pb_family_mark_contact() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT pb_family_bulk() THEN
        IF TG_OP <> 'INSERT' THEN
            INSERT INTO family_dirty (la, person_id) VALUES (OLD.la, OLD.person_id)
            ON CONFLICT DO NOTHING;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            INSERT INTO family_dirty (la, person_id) VALUES (NEW.la, NEW.person_id)
            ON CONFLICT DO NOTHING;
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION pb_family_mark_of_child() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT pb_family_bulk() THEN
        PERFORM pb_family_mark_child(NEW.la, NEW.id);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION pb_family_mark_of_budget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT pb_family_bulk() THEN
        IF TG_OP <> 'INSERT' AND OLD.status IN ('approved', 'suspended') THEN
            PERFORM pb_family_mark_child(OLD.la, OLD.child_id);
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.status IN ('approved', 'suspended') THEN
            PERFORM pb_family_mark_child(NEW.la, NEW.child_id);
        END IF;
    END IF;
    RETURN NULL;
END $$;

-- budget_elements and payments: the child of a budget the view shows
CREATE FUNCTION pb_family_mark_in_budget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT pb_family_bulk() THEN
        IF TG_OP <> 'INSERT' THEN
            PERFORM pb_family_mark_child(b.la, b.child_id) FROM budgets b
             WHERE b.la = OLD.la AND b.id = OLD.budget_id AND b.status IN ('approved', 'suspended');
        END IF;
        IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.budget_id IS DISTINCT FROM OLD.budget_id) THEN
            PERFORM pb_family_mark_child(b.la, b.child_id) FROM budgets b
             WHERE b.la = NEW.la AND b.id = NEW.budget_id AND b.status IN ('approved', 'suspended');
        END IF;
    END IF;
    RETURN NULL;
END $$;

-- At commit: refresh every person this transaction marked, in (la, person)
-- order.  Fired once per marked person; the first firing does them all.
CREATE FUNCTION pb_family_flush() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    las     text[];
    persons uuid[];
BEGIN
    SELECT array_agg(d.la ORDER BY d.la, d.person_id), array_agg(d.person_id ORDER BY d.la, d.person_id)
      INTO las, persons FROM family_dirty d WHERE d.xid = pg_current_xact_id();
    IF las IS NULL THEN
        RETURN NULL;
    END IF;
    DELETE FROM family_dirty WHERE xid = pg_current_xact_id();
    FOR i IN 1 .. array_length(las, 1) LOOP
        PERFORM pb_family_refresh(las[i], persons[i]);
    END LOOP;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER family_dirty_flush AFTER INSERT ON family_dirty
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pb_family_flush();

CREATE TRIGGER contacts_family AFTER INSERT OR DELETE OR UPDATE OF child_id, person_id ON contacts
    FOR EACH ROW EXECUTE FUNCTION pb_family_mark_contact();
CREATE TRIGGER children_family AFTER UPDATE OF given_name ON children
    FOR EACH ROW EXECUTE FUNCTION pb_family_mark_of_child();
CREATE TRIGGER budgets_family AFTER INSERT OR DELETE OR UPDATE OF status, period_start,
    period_end, arrangement, child_id ON budgets
    FOR EACH ROW EXECUTE FUNCTION pb_family_mark_of_budget();
CREATE TRIGGER budget_elements_family AFTER INSERT OR DELETE OR UPDATE OF budget_id, position,
    stream, service_type, arrangement, payee_id, allocated_pence, committed_pence, spent_pence
    ON budget_elements FOR EACH ROW EXECUTE FUNCTION pb_family_mark_in_budget();
CREATE TRIGGER payments_family_write AFTER INSERT OR DELETE ON payments
    FOR EACH ROW EXECUTE FUNCTION pb_family_mark_in_budget();
CREATE TRIGGER payments_family_update AFTER UPDATE ON payments
    FOR EACH ROW WHEN (pb_payment_open(OLD.status) IS DISTINCT FROM pb_payment_open(NEW.status)
        OR OLD.due_date IS DISTINCT FROM NEW.due_date
        OR OLD.amount_pence IS DISTINCT FROM NEW.amount_pence
        OR OLD.payee_id IS DISTINCT FROM NEW.payee_id
        OR OLD.element_id IS DISTINCT FROM NEW.element_id
        OR OLD.budget_id IS DISTINCT FROM NEW.budget_id)
    EXECUTE FUNCTION pb_family_mark_in_budget();

-- what is there already
SELECT pb_family_rebuild(la) FROM (SELECT DISTINCT la FROM contacts) l;

-- Persons whose stored view differs from what pb_family_compute says now
-- (empty when the read model is right; the tests and make bench check it).
CREATE VIEW family_view_drift AS
SELECT p.la, p.person_id
  FROM (SELECT DISTINCT la, person_id FROM contacts
        UNION SELECT la, person_id FROM family_views) p
 WHERE (SELECT json_agg(f ORDER BY f.ord)::text FROM pb_family_compute(p.la, p.person_id) f)
       IS DISTINCT FROM
       (SELECT json_agg(x ORDER BY x.ord)::text FROM (
            SELECT r.ord, r.child_id, r.given_name, r.budget_id, r.period_start, r.period_end,
                   r.status, r.arrangement, r.open_due, r.open_amount, r.open_more, r.element_id,
                   r.stream,
                   r.service_type, r.element_arrangement, r.allocated_pence, r.committed_pence,
                   r.spent_pence
              FROM family_view_rows r WHERE r.la = p.la AND r.person_id = p.person_id) x);
