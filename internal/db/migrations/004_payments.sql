-- 004_payments: the payment disbursement service on top of 003's ledger --
-- idempotency keys, recurring schedules, payment runs (finance exports)
-- and the columns payments need for them.
--
-- Money stays guarded where 003 put it: the ledger triggers are the only
-- writers of budget_elements.committed_pence / spent_pence and the BUD-9
-- CHECK refuses any overspend.  This migration adds the uniqueness that
-- makes retries and concurrent replicas safe:
--   * idempotency_keys (la, key): the first statement of a create, so a
--     second request with the same key waits on the index, then replays;
--   * payments (la, schedule_id, due_date): a schedule's instalment exists
--     at most once, however many materialisers run;
--   * payments.run_id: set once, by the run that exports the payment.
--
-- Lock order (extends 003's): idempotency key, then budgets row (FOR
-- SHARE), then budget_elements row (FOR UPDATE) or payments rows, then the
-- event counter (pb_audit_record, last).

-- ---------------------------------------------------------------- idempotency
-- One row per (la, key) for a successful POST /v1/budgets/{id}/payments.
-- request_hash = hex SHA-256 of "METHOD\nPATH\nBODY"; the stored response
-- is replayed byte for byte.  Rows are kept at least 24 hours; `pbd
-- materialise` deletes older ones (pb_idempotency_purge).
CREATE TABLE idempotency_keys (
    la               text        NOT NULL,
    key              text        NOT NULL CHECK (key ~ '^[!-~]{1,255}$'),
    request_hash     text        NOT NULL CHECK (request_hash ~ '^[0-9a-f]{64}$'),
    response_status  integer     CHECK (response_status BETWEEN 200 AND 299),
    response_body    text,
    response_location text,
    created_by       text        NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);

CREATE FUNCTION pb_idempotency_purge(p_older_than interval) RETURNS integer
    LANGUAGE sql AS $$
    WITH d AS (DELETE FROM idempotency_keys
               WHERE created_at < now() - greatest(p_older_than, interval '24 hours')
               RETURNING 1)
    SELECT count(*)::integer FROM d
$$;

-- ---------------------------------------------------------------- schedules
-- Recurring direct payments (PAY-21); instalments are materialised into
-- payments by POST /v1/schedules/materialise or `pbd materialise`.
CREATE TABLE payment_schedules (
    la            text        NOT NULL,
    id            uuid        NOT NULL,
    budget_id     uuid        NOT NULL,
    element_id    uuid        NOT NULL,
    payee_id      uuid        NOT NULL,
    amount_pence  bigint      NOT NULL CHECK (amount_pence > 0 AND amount_pence <= 100000000000),
    frequency     text        NOT NULL CHECK (frequency IN
                    ('weekly', 'four_weekly', 'monthly', 'quarterly')),
    start_date    date        NOT NULL,
    end_date      date,
    created_by    text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    version       integer     NOT NULL DEFAULT 1,
    PRIMARY KEY (la, id),
    FOREIGN KEY (la, budget_id, element_id) REFERENCES budget_elements (la, budget_id, id),
    FOREIGN KEY (la, payee_id) REFERENCES payees (la, id),
    CHECK (end_date IS NULL OR end_date >= start_date)
);
CREATE INDEX payment_schedules_by_budget ON payment_schedules (la, budget_id);

-- ---------------------------------------------------------------- payment runs
-- A finance export: the approved payments due by due_on_or_before, frozen
-- at creation (count and total are the CSV's control totals).
CREATE TABLE payment_runs (
    la                text        NOT NULL,
    id                uuid        NOT NULL,
    due_on_or_before  date        NOT NULL,
    payment_count     integer     NOT NULL DEFAULT 0 CHECK (payment_count >= 0),
    total_pence       bigint      NOT NULL DEFAULT 0 CHECK (total_pence >= 0),
    created_by        text        NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    version           integer     NOT NULL DEFAULT 1,
    PRIMARY KEY (la, id)
);

-- ---------------------------------------------------------------- payments
ALTER TABLE payments
    ADD COLUMN schedule_id     uuid,
    ADD COLUMN idempotency_key text,
    ADD COLUMN approved_at     timestamptz,
    ADD COLUMN cancelled_by    text,
    ADD COLUMN exported_at     timestamptz,
    ADD COLUMN settled_at      timestamptz,
    ADD CONSTRAINT payments_schedule_fk FOREIGN KEY (la, schedule_id)
        REFERENCES payment_schedules (la, id),
    ADD CONSTRAINT payments_run_fk FOREIGN KEY (la, run_id)
        REFERENCES payment_runs (la, id),
    ADD CONSTRAINT payments_failure_reason_len CHECK (length(failure_reason) <= 500),
    ADD CONSTRAINT payments_cancel_reason_len CHECK (length(cancel_reason) <= 1000);
-- each instalment of a schedule at most once (materialise is ON CONFLICT DO NOTHING)
CREATE UNIQUE INDEX payments_schedule_due ON payments (la, schedule_id, due_date)
    WHERE schedule_id IS NOT NULL;
CREATE INDEX payments_approved_due ON payments (la, due_date) WHERE status = 'approved';
CREATE INDEX payments_by_run ON payments (la, run_id) WHERE run_id IS NOT NULL;

-- The ledger trigger of 003, refined without restating its function: on
-- UPDATE it fires only when the money effect changes.  approve
-- (pending_approval -> approved) and export (approved -> exported) keep the
-- commitment, so they no longer lock the element row; that keeps payment
-- runs off the hot element rows and out of lock cycles with a budget's
-- suspension.  Totals are unchanged.
DROP TRIGGER payments_ledger ON payments;
CREATE TRIGGER payments_ledger AFTER INSERT OR DELETE ON payments
    FOR EACH ROW EXECUTE FUNCTION pb_payments_ledger();
CREATE TRIGGER payments_ledger_update AFTER UPDATE ON payments
    FOR EACH ROW WHEN (OLD.element_id IS DISTINCT FROM NEW.element_id
        OR pb_payment_committed(OLD.status, OLD.amount_pence)
            <> pb_payment_committed(NEW.status, NEW.amount_pence)
        OR pb_payment_spent(OLD.status, OLD.amount_pence)
            <> pb_payment_spent(NEW.status, NEW.amount_pence))
    EXECUTE FUNCTION pb_payments_ledger();

-- ---------------------------------------------------------------- JSON
CREATE FUNCTION pb_json(p payments) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', p.id, 'budget_id', p.budget_id,
        'element_id', p.element_id, 'payee_id', p.payee_id,
        'payee_name', (SELECT y.name FROM payees y WHERE y.la = p.la AND y.id = p.payee_id),
        'amount_pence', p.amount_pence, 'purpose', p.purpose,
        'description', p.description, 'due_date', p.due_date, 'status', p.status,
        'schedule_id', p.schedule_id, 'run_id', p.run_id,
        'created_by', p.created_by, 'approved_by', p.approved_by,
        'approved_at', pb_ts(p.approved_at), 'cancelled_by', p.cancelled_by,
        'cancel_reason', p.cancel_reason, 'exported_at', pb_ts(p.exported_at),
        'settled_at', pb_ts(p.settled_at), 'failure_reason', p.failure_reason,
        'created_at', pb_ts(p.created_at), 'updated_at', pb_ts(p.updated_at),
        'version', p.version)
$$;

CREATE FUNCTION pb_json(s payment_schedules) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', s.id, 'budget_id', s.budget_id,
        'element_id', s.element_id, 'payee_id', s.payee_id,
        'amount_pence', s.amount_pence, 'frequency', s.frequency,
        'start_date', s.start_date, 'end_date', s.end_date,
        'materialised_count', (SELECT count(*) FROM payments p
            WHERE p.la = s.la AND p.schedule_id = s.id),
        'last_materialised_due_date', (SELECT max(p.due_date) FROM payments p
            WHERE p.la = s.la AND p.schedule_id = s.id),
        'created_by', s.created_by, 'created_at', pb_ts(s.created_at),
        'updated_at', pb_ts(s.updated_at), 'version', s.version)
$$;

CREATE FUNCTION pb_json(r payment_runs) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', r.id, 'due_on_or_before', r.due_on_or_before,
        'payment_count', r.payment_count, 'total_pence', r.total_pence,
        'exported_count', t.exported, 'paid_count', t.paid, 'failed_count', t.failed,
        'paid_pence', t.paid_pence, 'failed_pence', t.failed_pence,
        'missing_bank_count', t.missing_bank,
        'created_by', r.created_by, 'created_at', pb_ts(r.created_at),
        'updated_at', pb_ts(r.updated_at), 'version', r.version)
    FROM (SELECT count(*) FILTER (WHERE p.status = 'exported') AS exported,
                 count(*) FILTER (WHERE p.status = 'paid') AS paid,
                 count(*) FILTER (WHERE p.status = 'failed') AS failed,
                 coalesce(sum(p.amount_pence) FILTER (WHERE p.status = 'paid'), 0)::bigint
                     AS paid_pence,
                 coalesce(sum(p.amount_pence) FILTER (WHERE p.status = 'failed'), 0)::bigint
                     AS failed_pence,
                 count(*) FILTER (WHERE y.bank_sort_code IS NULL) AS missing_bank
          FROM payments p JOIN payees y ON y.la = p.la AND y.id = p.payee_id
          WHERE p.la = r.la AND p.run_id = r.id) t
$$;

CREATE FUNCTION pb_json(r recoveries) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', r.id, 'budget_id', r.budget_id,
        'element_id', r.element_id, 'amount_pence', r.amount_pence,
        'reason', r.reason, 'recorded_on', r.recorded_on,
        'created_by', r.created_by, 'created_at', pb_ts(r.created_at))
$$;
