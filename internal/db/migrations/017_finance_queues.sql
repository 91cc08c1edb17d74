-- 017_finance_queues: finance's queues (issue #16, parts 1 and 3a).
--
--   * payments.reissue_of / reissued_as: a failed payment is reissued at
--     most once, as a new payment linked both ways (unique both sides);
--   * payment_runs.status created -> sent -> reconciled, with what was sent
--     (sent_on, sent_reference, export_sha256 of the file) frozen once sent;
--   * indexes for GET /v1/payments (keyset on due_date, id) and
--     GET /v1/payment-runs (keyset on created_at, id).

-- ---------------------------------------------------------------- reissue
ALTER TABLE payments
    ADD COLUMN reissue_of  uuid,
    ADD COLUMN reissued_as uuid,
    ADD CONSTRAINT payments_reissue_of_fk FOREIGN KEY (la, reissue_of)
        REFERENCES payments (la, id),
    ADD CONSTRAINT payments_reissued_as_fk FOREIGN KEY (la, reissued_as)
        REFERENCES payments (la, id),
    ADD CONSTRAINT payments_reissue_not_self CHECK (reissue_of <> id AND reissued_as <> id);
CREATE UNIQUE INDEX payments_reissue_of ON payments (la, reissue_of) WHERE reissue_of IS NOT NULL;
CREATE UNIQUE INDEX payments_reissued_as ON payments (la, reissued_as) WHERE reissued_as IS NOT NULL;

-- A reissue copies a failed payment of the same element, payee and amount;
-- reissued_as is set once, on a failed payment, to the payment reissuing it.
CREATE FUNCTION pb_payment_reissue_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE o payments;
BEGIN
    IF TG_OP = 'INSERT' AND NEW.reissue_of IS NOT NULL THEN
        SELECT * INTO o FROM payments WHERE la = NEW.la AND id = NEW.reissue_of;
        IF o.status IS DISTINCT FROM 'failed' OR o.element_id <> NEW.element_id
           OR o.payee_id <> NEW.payee_id OR o.amount_pence <> NEW.amount_pence THEN
            RAISE EXCEPTION 'payment % may only reissue a failed payment of the same element, payee and amount', NEW.id
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.reissue_of IS DISTINCT FROM OLD.reissue_of THEN
        RAISE EXCEPTION 'payment %: reissue_of never changes', NEW.id USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.reissued_as IS DISTINCT FROM OLD.reissued_as
       AND (OLD.reissued_as IS NOT NULL OR NEW.status <> 'failed') THEN
        RAISE EXCEPTION 'payment %: only a failed payment is reissued, once', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'INSERT' AND NEW.reissued_as IS NOT NULL THEN
        RAISE EXCEPTION 'payment %: a new payment is not reissued yet', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER payments_reissue_guard BEFORE INSERT OR UPDATE OF reissue_of, reissued_as
    ON payments FOR EACH ROW EXECUTE FUNCTION pb_payment_reissue_guard();

-- the queues: GET /v1/payments?status=... by (due_date, id)
CREATE INDEX payments_queue ON payments (la, status, due_date, id);
CREATE INDEX payments_by_due ON payments (la, due_date, id);
-- a payee's payments and one person's (created_by) in the same order
CREATE INDEX payments_by_payee ON payments (la, payee_id, due_date, id);
CREATE INDEX payments_by_creator ON payments (la, created_by, due_date, id);

CREATE OR REPLACE FUNCTION pb_json(p payments) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT json_build_object('id', p.id, 'budget_id', p.budget_id,
        'element_id', p.element_id, 'payee_id', p.payee_id,
        'payee_name', (SELECT y.name FROM payees y WHERE y.la = p.la AND y.id = p.payee_id),
        'amount_pence', p.amount_pence, 'offset_pence', p.offset_pence,
        'offset_debt_id', p.offset_debt_id, 'purpose', p.purpose,
        'description', p.description, 'due_date', p.due_date, 'status', p.status,
        'schedule_id', p.schedule_id, 'run_id', p.run_id,
        'reissue_of', p.reissue_of, 'reissued_as', p.reissued_as,
        'created_by', p.created_by, 'approved_by', p.approved_by,
        'approved_at', pb_ts(p.approved_at), 'cancelled_by', p.cancelled_by,
        'cancel_reason', p.cancel_reason, 'exported_at', pb_ts(p.exported_at),
        'settled_at', pb_ts(p.settled_at), 'failure_reason', p.failure_reason,
        'created_at', pb_ts(p.created_at), 'updated_at', pb_ts(p.updated_at),
        'version', p.version));
END
$$;

-- ---------------------------------------------------------------- run lifecycle
ALTER TABLE payment_runs
    ADD COLUMN status         text NOT NULL DEFAULT 'created'
        CHECK (status IN ('created', 'sent', 'reconciled')),
    ADD COLUMN export_sha256  text CHECK (export_sha256 ~ '^[0-9a-f]{64}$'),
    ADD COLUMN sent_on        date,
    ADD COLUMN sent_reference text CHECK (length(sent_reference) BETWEEN 1 AND 100),
    ADD COLUMN sent_by        text,
    ADD COLUMN sent_at        timestamptz,
    ADD COLUMN reconciled_by  text,
    ADD COLUMN reconciled_at  timestamptz,
    ADD CONSTRAINT payment_runs_reconciled_facts CHECK ((status = 'reconciled') =
        (reconciled_by IS NOT NULL AND reconciled_at IS NOT NULL));

-- Runs from before: reconciled when every payment has a result.  They were
-- never marked sent, so what was sent is not known: no digest, no sent_on.
UPDATE payment_runs r SET status = 'reconciled', reconciled_by = 'migration-017',
    reconciled_at = now()
WHERE NOT EXISTS (SELECT 1 FROM payments p WHERE p.la = r.la AND p.run_id = r.id
                  AND p.status = 'exported');
ALTER TABLE payment_runs ADD CONSTRAINT payment_runs_sent_facts CHECK (status = 'created' OR
    reconciled_by = 'migration-017' OR
    (export_sha256 IS NOT NULL AND sent_on IS NOT NULL AND sent_by IS NOT NULL
     AND sent_at IS NOT NULL));

CREATE INDEX payment_runs_by_created ON payment_runs (la, created_at, id);
CREATE INDEX payment_runs_by_status ON payment_runs (la, status, created_at, id);

-- created -> sent -> reconciled only; what was sent never changes; a run is
-- reconciled only when none of its payments waits for a result.
CREATE FUNCTION pb_payment_run_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'reconciled' THEN
        RAISE EXCEPTION 'payment run % is reconciled', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.status <> OLD.status AND NOT (OLD.status = 'created' AND NEW.status = 'sent'
       OR OLD.status = 'sent' AND NEW.status = 'reconciled') THEN
        RAISE EXCEPTION 'payment run %: % cannot become %', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.status = 'sent' AND (NEW.export_sha256 IS DISTINCT FROM OLD.export_sha256
       OR NEW.sent_on IS DISTINCT FROM OLD.sent_on
       OR NEW.sent_reference IS DISTINCT FROM OLD.sent_reference) THEN
        RAISE EXCEPTION 'payment run %: what was sent never changes', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.status = 'reconciled' AND EXISTS (SELECT 1 FROM payments p
       WHERE p.la = NEW.la AND p.run_id = NEW.id AND p.status = 'exported') THEN
        RAISE EXCEPTION 'payment run % still has payments without a result', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER payment_runs_guard BEFORE UPDATE ON payment_runs
    FOR EACH ROW EXECUTE FUNCTION pb_payment_run_guard();

CREATE OR REPLACE FUNCTION pb_json(r payment_runs) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT json_build_object('id', r.id, 'due_on_or_before', r.due_on_or_before,
        'status', r.status,
        'payment_count', r.payment_count, 'total_pence', r.total_pence,
        'exported_count', t.exported, 'paid_count', t.paid, 'failed_count', t.failed,
        'outstanding_count', t.exported, 'outstanding_pence', t.exported_pence,
        'paid_pence', t.paid_pence, 'failed_pence', t.failed_pence,
        'missing_bank_count', t.missing_bank,
        'export_sha256', r.export_sha256, 'sent_on', r.sent_on,
        'sent_reference', r.sent_reference, 'sent_by', r.sent_by, 'sent_at', pb_ts(r.sent_at),
        'reconciled_by', r.reconciled_by, 'reconciled_at', pb_ts(r.reconciled_at),
        'created_by', r.created_by, 'created_at', pb_ts(r.created_at),
        'updated_at', pb_ts(r.updated_at), 'version', r.version)
    FROM (SELECT count(*) FILTER (WHERE p.status = 'exported') AS exported,
                 count(*) FILTER (WHERE p.status = 'paid') AS paid,
                 count(*) FILTER (WHERE p.status = 'failed') AS failed,
                 coalesce(sum(p.amount_pence) FILTER (WHERE p.status = 'exported'), 0)::bigint
                     AS exported_pence,
                 coalesce(sum(p.amount_pence) FILTER (WHERE p.status = 'paid'), 0)::bigint
                     AS paid_pence,
                 coalesce(sum(p.amount_pence) FILTER (WHERE p.status = 'failed'), 0)::bigint
                     AS failed_pence,
                 count(*) FILTER (WHERE y.bank_sort_code IS NULL) AS missing_bank
          FROM payments p JOIN payees y ON y.la = p.la AND y.id = p.payee_id
          WHERE p.la = r.la AND p.run_id = r.id) t);
END
$$;

-- A download of the run's file (GET .../export) with this digest: while the
-- run is created it is recorded (the latest download is the file finance
-- sends); once sent the file must be the one sent.  true when it may be
-- served.
CREATE FUNCTION pb_payment_run_download(p_la text, p_id uuid, p_sha256 text) RETURNS boolean
    LANGUAGE plpgsql AS $$
DECLARE r payment_runs;
BEGIN
    SELECT * INTO r FROM payment_runs WHERE la = p_la AND id = p_id FOR UPDATE;
    IF r.status = 'created' THEN
        UPDATE payment_runs SET export_sha256 = p_sha256 WHERE la = p_la AND id = p_id
            AND export_sha256 IS DISTINCT FROM p_sha256;
        RETURN true;
    END IF;
    RETURN r.export_sha256 IS NULL OR r.export_sha256 = p_sha256;
END
$$;

-- One bucket of a run's reconciliation: {count, total_pence} of its
-- payments in status p_status.
CREATE FUNCTION pb_run_bucket(p_la text, p_run uuid, p_status text) RETURNS json
    LANGUAGE sql STABLE AS $$
    SELECT json_build_object('count', count(*),
        'total_pence', coalesce(sum(p.amount_pence), 0)::bigint)
    FROM payments p WHERE p.la = p_la AND p.run_id = p_run AND p.status = p_status
$$;
