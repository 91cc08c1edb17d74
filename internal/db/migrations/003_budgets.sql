-- 003_budgets: payees, personal budgets and their elements, and the money
-- ledger (payments, recoveries) whose triggers keep every element's
-- committed_pence and spent_pence in step.  BUD-9 is a CHECK on
-- budget_elements, so no caller -- however buggy -- can overspend.
--
-- Lock order for everyone writing here: a budgets row before its
-- budget_elements rows (the ledger triggers lock the element row).
-- Every table carries la; every unique and foreign key includes it.
-- Needs 002 (budget_requests; contacts' PAY-1/2/4 columns).

CREATE EXTENSION IF NOT EXISTS btree_gist;

-- A plan belongs to one child: lets budgets reference (child, plan) together.
CREATE UNIQUE INDEX plans_la_child_id_key ON plans (la, child_id, id);
ALTER TABLE plans ADD CONSTRAINT plans_la_child_id_key UNIQUE USING INDEX plans_la_child_id_key;

-- ---------------------------------------------------------------- payees
-- Bank details: AES-256-GCM (internal/payments/bank.h) under PB_BANK_KEY,
-- bound to (la, id) as associated data.  bank_key_id names the key (for
-- rotation).  Only the masked form (sort code, last four digits) is plain.
CREATE TABLE payees (
    la                  text        NOT NULL,
    id                  uuid        NOT NULL,
    kind                text        NOT NULL CHECK (kind IN ('individual', 'organisation')),
    name                text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    person_id           uuid,
    is_local_authority  boolean     NOT NULL,
    bank_sort_code      text        CHECK (bank_sort_code ~ '^[0-9]{6}$'),
    bank_account_last4  text        CHECK (bank_account_last4 ~ '^[0-9]{4}$'),
    bank_key_id         text        CHECK (length(bank_key_id) BETWEEN 1 AND 64),
    bank_nonce          bytea       CHECK (length(bank_nonce) = 12),
    bank_ciphertext     bytea       CHECK (length(bank_ciphertext) BETWEEN 1 AND 256),
    bank_tag            bytea       CHECK (length(bank_tag) = 16),
    created_by          text        NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    version             integer     NOT NULL DEFAULT 1,
    PRIMARY KEY (la, id),
    FOREIGN KEY (la, person_id) REFERENCES people (la, id),
    CHECK (kind = 'individual' OR person_id IS NULL),
    -- all bank columns together, or none
    CHECK ((bank_sort_code IS NULL) = (bank_account_last4 IS NULL)
       AND (bank_sort_code IS NULL) = (bank_key_id IS NULL)
       AND (bank_sort_code IS NULL) = (bank_nonce IS NULL)
       AND (bank_sort_code IS NULL) = (bank_ciphertext IS NULL)
       AND (bank_sort_code IS NULL) = (bank_tag IS NULL))
);
CREATE INDEX payees_by_person ON payees (la, person_id) WHERE person_id IS NOT NULL;

-- ---------------------------------------------------------------- budgets
CREATE TABLE budgets (
    la            text        NOT NULL,
    id            uuid        NOT NULL,
    child_id      uuid        NOT NULL,
    plan_id       uuid        NOT NULL,
    request_id    uuid,
    status        text        NOT NULL CHECK (status IN ('draft', 'approved', 'suspended', 'closed')),
    arrangement   text        NOT NULL CHECK (arrangement IN
                    ('direct_payment', 'third_party', 'notional', 'mixed')),
    period_start  date        NOT NULL,
    period_end    date        NOT NULL,
    created_by    text        NOT NULL,
    approved_by   text,
    approved_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    version       integer     NOT NULL DEFAULT 1,
    PRIMARY KEY (la, id),
    -- the elements copy these (ON UPDATE CASCADE) for the overlap exclusion
    UNIQUE (la, id, child_id, period_start, period_end, status),
    FOREIGN KEY (la, child_id, plan_id) REFERENCES plans (la, child_id, id),
    FOREIGN KEY (la, request_id) REFERENCES budget_requests (la, id),
    CHECK (period_start <= period_end),
    CHECK (status = 'draft' OR approved_by IS NOT NULL)
);
CREATE INDEX budgets_by_child ON budgets (la, child_id, period_start);

-- Every status a budget has held, with the reason given (suspend, close).
CREATE TABLE budget_status_history (
    la          text        NOT NULL,
    budget_id   uuid        NOT NULL,
    seq         integer     NOT NULL,
    status      text        NOT NULL,
    reason      text        CHECK (length(reason) <= 1000),
    changed_by  text        NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la, budget_id, seq),
    FOREIGN KEY (la, budget_id) REFERENCES budgets (la, id)
);

-- One element: a stream and service type held under one arrangement.
-- SCHEMA CONTRACT (payments): allocated/committed/spent pence and the BUD-9
-- CHECK below; committed_pence and spent_pence are written ONLY by the
-- ledger triggers further down.
CREATE TABLE budget_elements (
    la                      text        NOT NULL,
    id                      uuid        NOT NULL,
    budget_id               uuid        NOT NULL,
    position                smallint    NOT NULL CHECK (position >= 0),
    -- copies of the budget's columns, kept by ON UPDATE CASCADE
    child_id                uuid        NOT NULL,
    period_start            date        NOT NULL,
    period_end              date        NOT NULL,
    budget_status           text        NOT NULL,
    stream                  text        NOT NULL CHECK (stream IN ('education', 'social_care', 'health')),
    service_type            text        NOT NULL CHECK (service_type ~ '^[a-z][a-z0-9_]{0,63}$'),
    arrangement             text        NOT NULL CHECK (arrangement IN
                              ('direct_payment', 'third_party', 'notional')),
    allocated_pence         bigint      NOT NULL CHECK (allocated_pence BETWEEN 0 AND 100000000000),
    committed_pence         bigint      NOT NULL DEFAULT 0 CHECK (committed_pence >= 0),
    spent_pence             bigint      NOT NULL DEFAULT 0 CHECK (spent_pence >= 0),
    recipient_person_id     uuid,
    payee_id                uuid,
    agreed_provision        text        CHECK (length(agreed_provision) BETWEEN 1 AND 2000),
    outcomes                text[],
    signed_on               date,
    school_premises         boolean,
    head_teacher_agreed_on  date,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la, id),
    UNIQUE (la, budget_id, id),
    UNIQUE (la, budget_id, stream, service_type, arrangement),
    FOREIGN KEY (la, budget_id, child_id, period_start, period_end, budget_status)
        REFERENCES budgets (la, id, child_id, period_start, period_end, status)
        ON UPDATE CASCADE,
    FOREIGN KEY (la, recipient_person_id) REFERENCES people (la, id),
    FOREIGN KEY (la, payee_id) REFERENCES payees (la, id),
    -- BUD-9: remaining = allocated - committed - spent is never negative
    CONSTRAINT budget_elements_bud9 CHECK (committed_pence + spent_pence <= allocated_pence),
    -- BUD-2 shapes (the API checks them first, with clearer messages)
    CHECK (arrangement <> 'direct_payment' OR (recipient_person_id IS NOT NULL AND payee_id IS NOT NULL)),
    CHECK (arrangement <> 'third_party' OR (recipient_person_id IS NULL AND payee_id IS NOT NULL)),
    CHECK (arrangement <> 'notional' OR (recipient_person_id IS NULL AND payee_id IS NULL)),
    -- only a direct payment has an agreement; an agreement has provision and 1-20 outcomes
    CHECK (arrangement = 'direct_payment' OR (agreed_provision IS NULL AND outcomes IS NULL
        AND signed_on IS NULL AND school_premises IS NULL AND head_teacher_agreed_on IS NULL)),
    CHECK ((agreed_provision IS NULL) = (outcomes IS NULL)
        AND (agreed_provision IS NULL) = (school_premises IS NULL)),
    CHECK (outcomes IS NULL OR cardinality(outcomes) BETWEEN 1 AND 20),
    -- no two active budgets of a child cover one stream and service type on one day
    CONSTRAINT budget_elements_no_overlap EXCLUDE USING gist (
        la WITH =, child_id WITH =, stream WITH =, service_type WITH =,
        daterange(period_start, period_end, '[]') WITH &&, budget_id WITH <>)
        WHERE (budget_status <> 'closed')
);
CREATE INDEX budget_elements_by_payee ON budget_elements (la, payee_id) WHERE payee_id IS NOT NULL;

-- Rule exceptions an approver recorded on an element (today only PAY-11).
CREATE TABLE budget_element_exceptions (
    la           text        NOT NULL,
    id           uuid        NOT NULL,
    budget_id    uuid        NOT NULL,
    element_id   uuid        NOT NULL,
    rule         text        NOT NULL CHECK (rule IN ('PAY-11')),
    reason       text        NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    recorded_by  text        NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la, id),
    UNIQUE (la, element_id, rule),
    FOREIGN KEY (la, budget_id, element_id) REFERENCES budget_elements (la, budget_id, id)
);

-- ---------------------------------------------------------------- ledger
-- The payments service (a later migration may add columns: idempotency,
-- schedules) writes these rows; the triggers below are the only writers
-- of budget_elements.committed_pence / spent_pence.
CREATE TABLE payments (
    la              text        NOT NULL,
    id              uuid        NOT NULL,
    budget_id       uuid        NOT NULL,
    element_id      uuid        NOT NULL,
    payee_id        uuid        NOT NULL,
    amount_pence    bigint      NOT NULL CHECK (amount_pence > 0 AND amount_pence <= 100000000000),
    purpose         text        NOT NULL CHECK (purpose IN
                      ('direct_payment', 'services', 'employment', 'transport', 'equipment', 'other')),
    description     text        NOT NULL DEFAULT '' CHECK (length(description) <= 500),
    due_date        date        NOT NULL,
    status          text        NOT NULL CHECK (status IN
                      ('pending_approval', 'approved', 'exported', 'paid', 'failed', 'cancelled')),
    created_by      text        NOT NULL,
    approved_by     text,
    run_id          uuid,
    failure_reason  text,
    cancel_reason   text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    version         integer     NOT NULL DEFAULT 1,
    PRIMARY KEY (la, id),
    FOREIGN KEY (la, budget_id, element_id) REFERENCES budget_elements (la, budget_id, id),
    FOREIGN KEY (la, payee_id) REFERENCES payees (la, id)
);
CREATE INDEX payments_by_budget ON payments (la, budget_id, due_date);
CREATE INDEX payments_by_element ON payments (la, element_id, status);

CREATE TABLE recoveries (
    la            text        NOT NULL,
    id            uuid        NOT NULL,
    budget_id     uuid        NOT NULL,
    element_id    uuid        NOT NULL,
    amount_pence  bigint      NOT NULL CHECK (amount_pence > 0 AND amount_pence <= 100000000000),
    reason        text        NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    recorded_on   date        NOT NULL,
    created_by    text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la, id),
    FOREIGN KEY (la, budget_id, element_id) REFERENCES budget_elements (la, budget_id, id)
);
CREATE INDEX recoveries_by_budget ON recoveries (la, budget_id, recorded_on);

-- Money effect of one payment row on its element: (committed, spent).
CREATE FUNCTION pb_payment_committed(status text, amount bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE WHEN status IN ('pending_approval', 'approved', 'exported') THEN amount ELSE 0 END $$;

CREATE FUNCTION pb_payment_spent(status text, amount bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE WHEN status = 'paid' THEN amount ELSE 0 END $$;

-- Keep committed_pence/spent_pence in step with every payment change.  The
-- element UPDATE takes its row lock and re-checks BUD-9: a payment that
-- would overspend fails with check_violation (23514) on
-- budget_elements_bud9.
CREATE FUNCTION pb_payments_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.element_id = NEW.element_id THEN
        IF OLD.status <> NEW.status OR OLD.amount_pence <> NEW.amount_pence THEN
            UPDATE budget_elements SET
                committed_pence = committed_pence
                    - pb_payment_committed(OLD.status, OLD.amount_pence)
                    + pb_payment_committed(NEW.status, NEW.amount_pence),
                spent_pence = spent_pence
                    - pb_payment_spent(OLD.status, OLD.amount_pence)
                    + pb_payment_spent(NEW.status, NEW.amount_pence)
            WHERE la = NEW.la AND id = NEW.element_id;
        END IF;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE budget_elements SET
            committed_pence = committed_pence - pb_payment_committed(OLD.status, OLD.amount_pence),
            spent_pence = spent_pence - pb_payment_spent(OLD.status, OLD.amount_pence)
        WHERE la = OLD.la AND id = OLD.element_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE budget_elements SET
            committed_pence = committed_pence + pb_payment_committed(NEW.status, NEW.amount_pence),
            spent_pence = spent_pence + pb_payment_spent(NEW.status, NEW.amount_pence)
        WHERE la = NEW.la AND id = NEW.element_id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER payments_ledger AFTER INSERT OR UPDATE OR DELETE ON payments
    FOR EACH ROW EXECUTE FUNCTION pb_payments_ledger();

-- A recovery reduces spent; spent_pence >= 0 makes "recovery <= spent" final.
CREATE FUNCTION pb_recoveries_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE budget_elements SET spent_pence = spent_pence - NEW.amount_pence
    WHERE la = NEW.la AND id = NEW.element_id;
    RETURN NULL;
END $$;

CREATE TRIGGER recoveries_ledger AFTER INSERT ON recoveries
    FOR EACH ROW EXECUTE FUNCTION pb_recoveries_ledger();
CREATE TRIGGER recoveries_append_only BEFORE UPDATE OR DELETE ON recoveries
    FOR EACH ROW EXECUTE FUNCTION pb_refuse_change();
CREATE TRIGGER recoveries_no_truncate BEFORE TRUNCATE ON recoveries
    FOR EACH STATEMENT EXECUTE FUNCTION pb_refuse_change();
CREATE TRIGGER payments_no_truncate BEFORE TRUNCATE ON payments
    FOR EACH STATEMENT EXECUTE FUNCTION pb_refuse_change();

-- The element's totals recomputed from the ledger alone (for tests and
-- audits: must equal the maintained columns).
CREATE FUNCTION pb_element_totals_recomputed(p_la text, p_element uuid,
    OUT committed_pence bigint, OUT spent_pence bigint)
    LANGUAGE sql STABLE AS $$
    SELECT
        (SELECT coalesce(sum(pb_payment_committed(p.status, p.amount_pence)), 0)
           FROM payments p WHERE p.la = p_la AND p.element_id = p_element)::bigint,
        ((SELECT coalesce(sum(pb_payment_spent(p.status, p.amount_pence)), 0)
           FROM payments p WHERE p.la = p_la AND p.element_id = p_element)
         - (SELECT coalesce(sum(r.amount_pence), 0)
           FROM recoveries r WHERE r.la = p_la AND r.element_id = p_element))::bigint
$$;

-- Every element whose maintained totals differ from the ledger (should be empty).
CREATE VIEW budget_element_totals_drift AS
    SELECT e.la, e.id AS element_id, e.committed_pence, e.spent_pence,
           t.committed_pence AS ledger_committed_pence, t.spent_pence AS ledger_spent_pence
    FROM budget_elements e, LATERAL pb_element_totals_recomputed(e.la, e.id) t
    WHERE e.committed_pence <> t.committed_pence OR e.spent_pence <> t.spent_pence;

-- HOOK for the payments service: when a budget closes, its payments that
-- have not left the council (pending_approval, approved) are cancelled in
-- the same transaction; the ledger trigger releases their commitment.
-- Returns how many were cancelled.  Called by the budgets service on close.
CREATE FUNCTION pb_budget_cancel_unexported_payments(p_la text, p_budget uuid, p_reason text)
    RETURNS integer LANGUAGE sql AS $$
    WITH c AS (
        UPDATE payments SET status = 'cancelled', cancel_reason = p_reason,
               version = version + 1, updated_at = now()
        WHERE la = p_la AND budget_id = p_budget
          AND status IN ('pending_approval', 'approved')
        RETURNING 1)
    SELECT count(*)::integer FROM c
$$;

-- ---------------------------------------------------------------- JSON
CREATE FUNCTION pb_json(p payees) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', p.id, 'kind', p.kind, 'name', p.name,
        'person_id', p.person_id, 'is_local_authority', p.is_local_authority,
        'bank', CASE WHEN p.bank_sort_code IS NULL THEN NULL ELSE json_build_object(
            'sort_code', p.bank_sort_code, 'account_number_last4', p.bank_account_last4) END,
        'created_at', pb_ts(p.created_at), 'updated_at', pb_ts(p.updated_at),
        'version', p.version)
$$;

CREATE FUNCTION pb_json(e budget_elements) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', e.id, 'stream', e.stream, 'service_type', e.service_type,
        'arrangement', e.arrangement,
        'allocated_pence', e.allocated_pence, 'committed_pence', e.committed_pence,
        'spent_pence', e.spent_pence,
        'remaining_pence', e.allocated_pence - e.committed_pence - e.spent_pence,
        'recipient_person_id', e.recipient_person_id, 'payee_id', e.payee_id,
        'payee_name', (SELECT y.name FROM payees y WHERE y.la = e.la AND y.id = e.payee_id),
        'agreement', CASE WHEN e.agreed_provision IS NULL THEN NULL ELSE json_build_object(
            'agreed_provision', e.agreed_provision, 'outcomes', to_json(e.outcomes),
            'signed_on', e.signed_on, 'school_premises', e.school_premises,
            'head_teacher_agreed_on', e.head_teacher_agreed_on) END,
        'exceptions', (SELECT coalesce(json_agg(json_build_object('id', x.id, 'rule', x.rule,
                'reason', x.reason, 'recorded_by', x.recorded_by,
                'recorded_at', pb_ts(x.recorded_at)) ORDER BY x.recorded_at, x.id), '[]'::json)
            FROM budget_element_exceptions x WHERE x.la = e.la AND x.element_id = e.id))
$$;

CREATE FUNCTION pb_json(b budgets) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', b.id, 'child_id', b.child_id, 'plan_id', b.plan_id,
        'request_id', b.request_id, 'status', b.status, 'arrangement', b.arrangement,
        'period_start', b.period_start, 'period_end', b.period_end,
        'allocated_pence', t.allocated, 'committed_pence', t.committed,
        'spent_pence', t.spent, 'remaining_pence', t.allocated - t.committed - t.spent,
        'elements', (SELECT coalesce(json_agg(pb_json(e) ORDER BY e.position), '[]'::json)
            FROM budget_elements e WHERE e.la = b.la AND e.budget_id = b.id),
        'status_history', (SELECT coalesce(json_agg(json_build_object(
                'status', h.status, 'reason', h.reason, 'changed_by', h.changed_by,
                'changed_at', pb_ts(h.changed_at)) ORDER BY h.seq), '[]'::json)
            FROM budget_status_history h WHERE h.la = b.la AND h.budget_id = b.id),
        'created_by', b.created_by, 'approved_by', b.approved_by,
        'approved_at', pb_ts(b.approved_at),
        'created_at', pb_ts(b.created_at), 'updated_at', pb_ts(b.updated_at),
        'version', b.version)
    FROM (SELECT coalesce(sum(e.allocated_pence), 0)::bigint AS allocated,
                 coalesce(sum(e.committed_pence), 0)::bigint AS committed,
                 coalesce(sum(e.spent_pence), 0)::bigint AS spent
          FROM budget_elements e WHERE e.la = b.la AND e.budget_id = b.id) t
$$;
