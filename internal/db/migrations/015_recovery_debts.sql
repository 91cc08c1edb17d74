-- 015_recovery_debts: recoveries as debts (PAY-18) and the inputs of the
-- PAY-19 surplus check (issue 15, section 5).
--
-- Until now a recovery was money already back: its row in `recoveries`
-- (append-only) reduced the element's spent_pence at once.  That stays
-- (POST /v1/budgets/{id}/recoveries: a prepaid-card sweep, a cheque in
-- hand).  A DEBT is money the family is asked to repay, with written
-- reasons, that is invoiced and then paid, written off (with a second
-- person's approval) or offset against a later payment of the element:
--
--   raised --invoice--> invoiced
--   raised | invoiced --paid--> paid                 (recovery row, method 'invoice')
--   raised | invoiced --offset--> offset             (payment reduced + recovery row, method 'offset')
--   raised | invoiced --write-off--> write_off_pending --approve--> written_off
--                                                    \--reject--> (back)
--   raised | invoiced --review--> under_review --upheld | reduced--> (back)
--                                              \--cancelled--> cancelled
--
-- Money returns to the element only when the debt is paid or offset, and
-- then through the ledger: one recovery row per debt.  A paid debt's row
-- reduces spent_pence (as every recovery did).  An offset reduces the
-- payment itself (the family is sent less, the commitment falls by the
-- offset); its recovery row records what was recovered and has no further
-- effect on the totals, or the element would be credited twice.
--
-- Money still owed (raised, invoiced, under_review, write_off_pending)
-- shows on the element and the budget as owed_pence.
--
-- Lock order (extends 004's): budget FOR SHARE → debt FOR UPDATE →
-- payment FOR UPDATE → element (the ledger triggers; every debt change
-- also moves the element's ledger_version, so the budget's ETag moves with
-- owed_pence) → audit and event.  Raising a debt locks the element first
-- and no debt row, so no cycle.

-- ---------------------------------------------------------------- debts
CREATE TABLE recovery_debts (
    la                      text        NOT NULL,
    id                      uuid        NOT NULL,
    budget_id               uuid        NOT NULL,
    element_id              uuid        NOT NULL,
    raised_pence            bigint      NOT NULL CHECK (raised_pence > 0 AND raised_pence <= 100000000000),
    -- what is owed now: the raised amount, or less after a review reduced it
    amount_pence            bigint      NOT NULL CHECK (amount_pence > 0),
    reason                  text        NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    status                  text        NOT NULL DEFAULT 'raised' CHECK (status IN
                              ('raised', 'invoiced', 'under_review', 'write_off_pending',
                               'paid', 'written_off', 'offset', 'cancelled')),
    -- where a review or a write-off request returns to
    prior_status            text        CHECK (prior_status IN ('raised', 'invoiced')),
    raised_on               date        NOT NULL,
    raised_by               text        NOT NULL CHECK (length(raised_by) BETWEEN 1 AND 256),
    invoice_reference       text        CHECK (length(invoice_reference) BETWEEN 1 AND 100),
    invoiced_by             text,
    invoiced_at             timestamptz,
    review_requested_by     text,
    review_requested_at     timestamptz,
    review_reason           text        CHECK (length(review_reason) BETWEEN 1 AND 1000),
    review_outcome          text        CHECK (review_outcome IN ('upheld', 'reduced', 'cancelled')),
    review_decided_by       text,
    review_decided_at       timestamptz,
    review_decision_reason  text        CHECK (length(review_decision_reason) BETWEEN 1 AND 1000),
    write_off_requested_by  text,
    write_off_requested_at  timestamptz,
    write_off_reason        text        CHECK (length(write_off_reason) BETWEEN 1 AND 1000),
    write_off_approved_by   text,
    write_off_approved_at   timestamptz,
    settled_by              text,
    settled_at              timestamptz,
    settlement_reference    text        CHECK (length(settlement_reference) BETWEEN 1 AND 100),
    recovery_id             uuid,
    payment_id              uuid,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    version                 integer     NOT NULL DEFAULT 1,
    PRIMARY KEY (la, id),
    FOREIGN KEY (la, budget_id, element_id) REFERENCES budget_elements (la, budget_id, id),
    FOREIGN KEY (la, payment_id) REFERENCES payments (la, id),
    CHECK (amount_pence <= raised_pence),
    CHECK (amount_pence = raised_pence OR review_outcome = 'reduced'),
    CHECK ((status IN ('under_review', 'write_off_pending')) = (prior_status IS NOT NULL)),
    CHECK ((status IN ('paid', 'offset')) = (recovery_id IS NOT NULL)),
    CHECK ((status IN ('paid', 'offset')) = (settled_at IS NOT NULL)),
    CHECK ((status = 'offset') = (payment_id IS NOT NULL)),
    CHECK ((invoiced_at IS NULL) = (invoiced_by IS NULL)),
    CHECK (status <> 'invoiced' OR invoiced_at IS NOT NULL),
    -- the family's review: once, decided by someone else
    CHECK ((review_requested_at IS NULL) = (review_requested_by IS NULL)
       AND (review_requested_at IS NULL) = (review_reason IS NULL)),
    CHECK (status <> 'under_review' OR (review_requested_at IS NOT NULL AND review_outcome IS NULL)),
    CHECK ((review_outcome IS NULL) = (review_decided_at IS NULL)
       AND (review_outcome IS NULL) = (review_decided_by IS NULL)),
    CHECK (review_outcome IS NULL OR (review_requested_at IS NOT NULL
       AND review_decided_by <> review_requested_by AND review_decided_by <> raised_by)),
    CHECK ((status = 'cancelled') = (review_outcome IS NOT DISTINCT FROM 'cancelled')),
    -- writing off: requested, then approved by another person
    CHECK (status <> 'write_off_pending' OR write_off_requested_by IS NOT NULL),
    CHECK ((status = 'written_off') = (write_off_approved_by IS NOT NULL)),
    CHECK (write_off_approved_by IS NULL OR write_off_approved_by <> write_off_requested_by)
);
CREATE INDEX recovery_debts_by_budget ON recovery_debts (la, budget_id, raised_on);
CREATE INDEX recovery_debts_by_element ON recovery_debts (la, element_id, status);

-- Is a debt in this status still owed?
CREATE FUNCTION pb_debt_owed(status text) RETURNS boolean LANGUAGE sql IMMUTABLE AS
$$ SELECT status IN ('raised', 'invoiced', 'under_review', 'write_off_pending') $$;

-- The moves a debt may make; anything else is refused here whatever the
-- C code does.  A review is asked for once; a decided debt never changes.
CREATE FUNCTION pb_debt_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ok boolean := false;
BEGIN
    IF (NEW.la, NEW.id, NEW.budget_id, NEW.element_id, NEW.raised_pence, NEW.reason,
        NEW.raised_on, NEW.raised_by, NEW.created_at)
       IS DISTINCT FROM
       (OLD.la, OLD.id, OLD.budget_id, OLD.element_id, OLD.raised_pence, OLD.reason,
        OLD.raised_on, OLD.raised_by, OLD.created_at) THEN
        RAISE EXCEPTION 'recovery debt %: what was raised is never edited', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    IF NOT pb_debt_owed(OLD.status) THEN
        RAISE EXCEPTION 'recovery debt % is already %', OLD.id, OLD.status
            USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.review_requested_at IS NOT NULL AND
       (NEW.review_requested_at, NEW.review_requested_by, NEW.review_reason) IS DISTINCT FROM
       (OLD.review_requested_at, OLD.review_requested_by, OLD.review_reason) THEN
        RAISE EXCEPTION 'recovery debt %: a review is asked for once', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    ok := CASE
        WHEN OLD.status = 'raised' AND NEW.status = 'invoiced' THEN true
        WHEN OLD.status IN ('raised', 'invoiced') AND NEW.status = 'under_review' THEN
            OLD.review_requested_at IS NULL AND NEW.prior_status = OLD.status
        WHEN OLD.status = 'under_review' THEN
            NEW.status = 'cancelled' OR (NEW.status = OLD.prior_status
                AND NEW.review_outcome IN ('upheld', 'reduced'))
        WHEN OLD.status IN ('raised', 'invoiced') AND NEW.status = 'write_off_pending' THEN
            NEW.prior_status = OLD.status
        WHEN OLD.status = 'write_off_pending' THEN
            NEW.status = 'written_off' OR NEW.status = OLD.prior_status OR NEW.status = 'paid'
        WHEN OLD.status IN ('raised', 'invoiced') AND NEW.status IN ('paid', 'offset') THEN true
        ELSE false END;
    IF NOT ok THEN
        RAISE EXCEPTION 'recovery debt %: % -> % is not a move a debt makes', OLD.id,
            OLD.status, NEW.status USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.amount_pence <> OLD.amount_pence AND NOT (OLD.status = 'under_review'
        AND NEW.review_outcome = 'reduced' AND NEW.amount_pence < OLD.amount_pence) THEN
        RAISE EXCEPTION 'recovery debt %: only a review reduces what is owed', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    -- settled through the ledger: the debt's own recovery row, of its amount
    IF NEW.status IN ('paid', 'offset') AND NOT EXISTS (SELECT 1 FROM recoveries r
        WHERE r.la = NEW.la AND r.id = NEW.recovery_id AND r.debt_id = NEW.id
          AND r.element_id = NEW.element_id AND r.amount_pence = NEW.amount_pence
          AND r.method = CASE WHEN NEW.status = 'offset' THEN 'offset' ELSE 'invoice' END) THEN
        RAISE EXCEPTION 'recovery debt %: settled without its recovery row', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER recovery_debts_guard BEFORE UPDATE ON recovery_debts
    FOR EACH ROW EXECUTE FUNCTION pb_debt_guard();
CREATE TRIGGER recovery_debts_no_delete BEFORE DELETE ON recovery_debts
    FOR EACH ROW EXECUTE FUNCTION pb_refuse_change();
CREATE TRIGGER recovery_debts_no_truncate BEFORE TRUNCATE ON recovery_debts
    FOR EACH STATEMENT EXECUTE FUNCTION pb_refuse_change();

-- A new debt starts raised, owing what was raised.
CREATE FUNCTION pb_debt_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status <> 'raised' OR NEW.amount_pence <> NEW.raised_pence
       OR NEW.review_requested_at IS NOT NULL OR NEW.recovery_id IS NOT NULL THEN
        RAISE EXCEPTION 'a recovery debt is raised before anything else happens to it'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER recovery_debts_insert_guard BEFORE INSERT ON recovery_debts
    FOR EACH ROW EXECUTE FUNCTION pb_debt_insert_guard();

-- owed_pence is part of the budget document: move its ETag counter.
CREATE FUNCTION pb_debt_touch_element() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE budget_elements SET ledger_version = ledger_version + 1
    WHERE la = NEW.la AND id = NEW.element_id;
    RETURN NULL;
END $$;
CREATE TRIGGER recovery_debts_touch AFTER INSERT OR UPDATE ON recovery_debts
    FOR EACH ROW EXECUTE FUNCTION pb_debt_touch_element();

-- ---------------------------------------------------------------- recoveries
-- method: 'returned' (money back, recorded directly, as before), 'invoice'
-- (a debt paid), 'offset' (a debt offset against a payment: the payment's
-- reduction already returned the money, so this row has no effect).
ALTER TABLE recoveries
    ADD COLUMN debt_id uuid,
    ADD COLUMN method  text NOT NULL DEFAULT 'returned'
                       CHECK (method IN ('returned', 'invoice', 'offset')),
    ADD CONSTRAINT recoveries_debt_fk FOREIGN KEY (la, debt_id) REFERENCES recovery_debts (la, id),
    ADD CONSTRAINT recoveries_debt_method CHECK ((debt_id IS NULL) = (method = 'returned'));
CREATE UNIQUE INDEX recoveries_one_per_debt ON recoveries (la, debt_id) WHERE debt_id IS NOT NULL;
ALTER TABLE recovery_debts ADD CONSTRAINT recovery_debts_recovery_fk
    FOREIGN KEY (la, recovery_id) REFERENCES recoveries (la, id);

-- The money effect of one recovery row on spent_pence.
CREATE FUNCTION pb_recovery_effect(method text, amount bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE WHEN method = 'offset' THEN 0 ELSE amount END $$;

CREATE OR REPLACE FUNCTION pb_recoveries_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pb_recovery_effect(NEW.method, NEW.amount_pence) <> 0 THEN
        UPDATE budget_elements SET
            spent_pence = spent_pence - pb_recovery_effect(NEW.method, NEW.amount_pence),
            ledger_version = ledger_version + 1
        WHERE la = NEW.la AND id = NEW.element_id;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION pb_element_totals_recomputed(p_la text, p_element uuid,
    OUT committed_pence bigint, OUT spent_pence bigint)
    LANGUAGE sql STABLE AS $$
    SELECT
        (SELECT coalesce(sum(pb_payment_committed(p.status, p.amount_pence)), 0)
           FROM payments p WHERE p.la = p_la AND p.element_id = p_element)::bigint,
        ((SELECT coalesce(sum(pb_payment_spent(p.status, p.amount_pence)), 0)
           FROM payments p WHERE p.la = p_la AND p.element_id = p_element)
         - (SELECT coalesce(sum(pb_recovery_effect(r.method, r.amount_pence)), 0)
           FROM recoveries r WHERE r.la = p_la AND r.element_id = p_element))::bigint
$$;

-- ---------------------------------------------------------------- offsets
-- A payment offset against a debt is sent net: amount_pence is what the
-- bank pays, offset_pence what was kept back for the debt.
ALTER TABLE payments
    ADD COLUMN offset_pence   bigint NOT NULL DEFAULT 0
                              CHECK (offset_pence >= 0 AND offset_pence <= 100000000000),
    ADD COLUMN offset_debt_id uuid,
    ADD CONSTRAINT payments_offset_debt_fk FOREIGN KEY (la, offset_debt_id)
        REFERENCES recovery_debts (la, id),
    ADD CONSTRAINT payments_offset_shape CHECK ((offset_pence = 0) = (offset_debt_id IS NULL));
CREATE UNIQUE INDEX payments_one_offset_per_debt ON payments (la, offset_debt_id)
    WHERE offset_debt_id IS NOT NULL;

-- An offset is set once, on a payment not yet with the bank, and reduces
-- its amount by exactly the offset.
CREATE FUNCTION pb_payment_offset_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.offset_debt_id, NEW.offset_pence) IS NOT DISTINCT FROM
       (OLD.offset_debt_id, OLD.offset_pence) THEN
        RETURN NEW;
    END IF;
    IF OLD.offset_debt_id IS NOT NULL OR OLD.status NOT IN ('pending_approval', 'approved')
       OR OLD.run_id IS NOT NULL OR NEW.status <> OLD.status
       OR NEW.amount_pence <> OLD.amount_pence - NEW.offset_pence
       OR NOT EXISTS (SELECT 1 FROM recovery_debts d WHERE d.la = NEW.la
            AND d.id = NEW.offset_debt_id AND d.element_id = NEW.element_id
            AND d.amount_pence = NEW.offset_pence) THEN
        RAISE EXCEPTION 'payment %: an offset is set once, on an unexported payment of the '
            'debt''s element, reducing its amount by the debt', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER payments_offset_guard BEFORE UPDATE ON payments
    FOR EACH ROW EXECUTE FUNCTION pb_payment_offset_guard();

-- ---------------------------------------------------------------- surplus inputs
-- PAY-19: what finance records before a surplus is recovered — the
-- family's unpaid bills for the element and the contingency the council
-- lets it keep — as at the day recorded.  Append-only; the latest row of
-- an element is the one the surplus check uses.
CREATE TABLE surplus_inputs (
    la                  text        NOT NULL,
    id                  uuid        NOT NULL,
    budget_id           uuid        NOT NULL,
    element_id          uuid        NOT NULL,
    unpaid_bills_pence  bigint      NOT NULL CHECK (unpaid_bills_pence BETWEEN 0 AND 100000000000),
    contingency_pence   bigint      NOT NULL CHECK (contingency_pence BETWEEN 0 AND 100000000000),
    note                text        CHECK (length(note) BETWEEN 1 AND 1000),
    recorded_by         text        NOT NULL,
    recorded_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la, id),
    FOREIGN KEY (la, budget_id, element_id) REFERENCES budget_elements (la, budget_id, id)
);
CREATE INDEX surplus_inputs_latest ON surplus_inputs (la, element_id, recorded_at DESC, id DESC);
CREATE TRIGGER surplus_inputs_append_only BEFORE UPDATE OR DELETE ON surplus_inputs
    FOR EACH ROW EXECUTE FUNCTION pb_refuse_change();
CREATE TRIGGER surplus_inputs_no_truncate BEFORE TRUNCATE ON surplus_inputs
    FOR EACH STATEMENT EXECUTE FUNCTION pb_refuse_change();

-- ---------------------------------------------------------------- JSON
CREATE FUNCTION pb_json(d recovery_debts) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT json_build_object('id', d.id, 'budget_id', d.budget_id,
        'element_id', d.element_id, 'status', d.status,
        'raised_pence', d.raised_pence, 'amount_pence', d.amount_pence,
        'owed_pence', CASE WHEN pb_debt_owed(d.status) THEN d.amount_pence ELSE 0 END,
        'reason', d.reason, 'raised_on', d.raised_on, 'raised_by', d.raised_by,
        'invoice', CASE WHEN d.invoiced_at IS NULL THEN NULL ELSE json_build_object(
            'reference', d.invoice_reference, 'invoiced_by', d.invoiced_by,
            'invoiced_at', pb_ts(d.invoiced_at)) END,
        'review', CASE WHEN d.review_requested_at IS NULL THEN NULL ELSE json_build_object(
            'reason', d.review_reason, 'requested_by', d.review_requested_by,
            'requested_at', pb_ts(d.review_requested_at), 'outcome', d.review_outcome,
            'decided_by', d.review_decided_by, 'decided_at', pb_ts(d.review_decided_at),
            'decision_reason', d.review_decision_reason) END,
        'write_off', CASE WHEN d.write_off_requested_at IS NULL THEN NULL ELSE json_build_object(
            'reason', d.write_off_reason, 'requested_by', d.write_off_requested_by,
            'requested_at', pb_ts(d.write_off_requested_at),
            'approved_by', d.write_off_approved_by,
            'approved_at', pb_ts(d.write_off_approved_at)) END,
        'recovery_id', d.recovery_id, 'payment_id', d.payment_id,
        'settled_by', d.settled_by, 'settled_at', pb_ts(d.settled_at),
        'settlement_reference', d.settlement_reference,
        'created_at', pb_ts(d.created_at), 'updated_at', pb_ts(d.updated_at),
        'version', d.version));
END
$$;

CREATE OR REPLACE FUNCTION pb_json(r recoveries) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', r.id, 'budget_id', r.budget_id,
        'element_id', r.element_id, 'amount_pence', r.amount_pence,
        'reason', r.reason, 'recorded_on', r.recorded_on, 'method', r.method,
        'debt_id', r.debt_id, 'created_by', r.created_by, 'created_at', pb_ts(r.created_at))
$$;

CREATE OR REPLACE FUNCTION pb_json(p payments) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT json_build_object('id', p.id, 'budget_id', p.budget_id,
        'element_id', p.element_id, 'payee_id', p.payee_id,
        'payee_name', (SELECT y.name FROM payees y WHERE y.la = p.la AND y.id = p.payee_id),
        'amount_pence', p.amount_pence, 'offset_pence', p.offset_pence,
        'offset_debt_id', p.offset_debt_id, 'purpose', p.purpose,
        'description', p.description, 'due_date', p.due_date, 'status', p.status,
        'schedule_id', p.schedule_id, 'run_id', p.run_id,
        'created_by', p.created_by, 'approved_by', p.approved_by,
        'approved_at', pb_ts(p.approved_at), 'cancelled_by', p.cancelled_by,
        'cancel_reason', p.cancel_reason, 'exported_at', pb_ts(p.exported_at),
        'settled_at', pb_ts(p.settled_at), 'failure_reason', p.failure_reason,
        'created_at', pb_ts(p.created_at), 'updated_at', pb_ts(p.updated_at),
        'version', p.version));
END
$$;

-- What an element's family still owes (raised, invoiced, under review or
-- awaiting write-off approval).
CREATE FUNCTION pb_element_owed(p_la text, p_element uuid) RETURNS bigint
    LANGUAGE sql STABLE AS $$
    SELECT coalesce(sum(d.amount_pence), 0)::bigint FROM recovery_debts d
    WHERE d.la = p_la AND d.element_id = p_element AND pb_debt_owed(d.status)
$$;

CREATE OR REPLACE FUNCTION pb_json(e budget_elements) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT json_build_object('id', e.id, 'stream', e.stream, 'service_type', e.service_type,
        'arrangement', e.arrangement, 'status', e.status,
        'allocated_pence', e.allocated_pence, 'committed_pence', e.committed_pence,
        'spent_pence', e.spent_pence,
        'remaining_pence', e.allocated_pence - e.committed_pence - e.spent_pence,
        'owed_pence', pb_element_owed(e.la, e.id),
        'recipient_person_id', e.recipient_person_id, 'payee_id', e.payee_id,
        'payee_name', (SELECT y.name FROM payees y WHERE y.la = e.la AND y.id = e.payee_id),
        'agreement', CASE WHEN e.agreed_provision IS NULL THEN NULL ELSE json_build_object(
            'agreed_provision', e.agreed_provision, 'outcomes', to_json(e.outcomes),
            'signed_on', e.signed_on, 'school_premises', e.school_premises,
            'head_teacher_agreed_on', e.head_teacher_agreed_on) END,
        'exceptions', (SELECT coalesce(json_agg(json_build_object('id', x.id, 'rule', x.rule,
                'reason', x.reason, 'recorded_by', x.recorded_by,
                'recorded_at', pb_ts(x.recorded_at)) ORDER BY x.recorded_at, x.id), '[]'::json)
            FROM budget_element_exceptions x WHERE x.la = e.la AND x.element_id = e.id),
        'stopped_rule', e.stopped_rule, 'stopped_reason', e.stopped_reason,
        'stopped_on', e.stopped_on));
END
$$;

CREATE OR REPLACE FUNCTION pb_json(b budgets) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT json_build_object('id', b.id, 'child_id', b.child_id, 'plan_id', b.plan_id,
        'request_id', b.request_id, 'status', b.status, 'arrangement', b.arrangement,
        'period_start', b.period_start, 'period_end', b.period_end,
        'allocated_pence', t.allocated, 'committed_pence', t.committed,
        'spent_pence', t.spent, 'remaining_pence', t.allocated - t.committed - t.spent,
        'owed_pence', (SELECT coalesce(sum(d.amount_pence), 0)::bigint FROM recovery_debts d
            WHERE d.la = b.la AND d.budget_id = b.id AND pb_debt_owed(d.status)),
        'elements', (SELECT coalesce(json_agg(pb_json(e) ORDER BY e.position), '[]'::json)
            FROM budget_elements e WHERE e.la = b.la AND e.budget_id = b.id),
        'status_history', (SELECT coalesce(json_agg(json_build_object(
                'status', h.status, 'reason', h.reason, 'changed_by', h.changed_by,
                'changed_at', pb_ts(h.changed_at)) ORDER BY h.seq), '[]'::json)
            FROM budget_status_history h WHERE h.la = b.la AND h.budget_id = b.id),
        'created_by', b.created_by, 'approved_by', b.approved_by,
        'approved_at', pb_ts(b.approved_at),
        'created_at', pb_ts(b.created_at), 'updated_at', pb_ts(b.updated_at),
        'version', b.version + t.ledger)
    FROM (SELECT coalesce(sum(e.allocated_pence), 0)::bigint AS allocated,
                 coalesce(sum(e.committed_pence), 0)::bigint AS committed,
                 coalesce(sum(e.spent_pence), 0)::bigint AS spent,
                 coalesce(sum(e.ledger_version), 0)::bigint AS ledger
          FROM budget_elements e WHERE e.la = b.la AND e.budget_id = b.id) t);
END
$$;
