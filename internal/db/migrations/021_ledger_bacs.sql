-- 021_ledger_bacs: the council's finance codes per service type, copied
-- onto each payment, and the council's BACS details for the Standard 18
-- bank file (issue 16, part 3b; docs/payments.md).
--
-- A payment takes the cost centre and subjective code of its element's
-- service type as they are when the payment is made (a BEFORE INSERT
-- trigger, the one place), NULL when the council has none for it; a
-- later change of the codes never rewrites a payment already made, and a
-- payment's codes are never edited.

CREATE TABLE ledger_codes (
    la              text        NOT NULL CHECK (la ~ '^[A-Z][0-9]{8}$'),
    id              uuid        NOT NULL,
    service_type    text        NOT NULL CHECK (service_type ~ '^[a-z][a-z0-9_]{0,63}$'),
    cost_centre     text        NOT NULL CHECK (cost_centre ~ '^[A-Z0-9]{1,12}$'),
    subjective_code text        NOT NULL CHECK (subjective_code ~ '^[A-Z0-9]{1,12}$'),
    version         integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
    updated_by      text        NOT NULL CHECK (length(updated_by) BETWEEN 1 AND 256),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la, service_type),
    UNIQUE (la, id)
);

CREATE FUNCTION pb_ledger_code_json(c ledger_codes) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', c.id, 'service_type', c.service_type,
        'cost_centre', c.cost_centre, 'subjective_code', c.subjective_code,
        'updated_by', c.updated_by, 'updated_at', pb_ts(c.updated_at), 'version', c.version)
$$;

ALTER TABLE payments
    ADD COLUMN cost_centre     text CHECK (cost_centre ~ '^[A-Z0-9]{1,12}$'),
    ADD COLUMN subjective_code text CHECK (subjective_code ~ '^[A-Z0-9]{1,12}$'),
    ADD CHECK ((cost_centre IS NULL) = (subjective_code IS NULL));

CREATE FUNCTION pb_payment_ledger_codes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT c.cost_centre, c.subjective_code INTO NEW.cost_centre, NEW.subjective_code
        FROM budget_elements e JOIN ledger_codes c
          ON c.la = e.la AND c.service_type = e.service_type
        WHERE e.la = NEW.la AND e.id = NEW.element_id;
    ELSIF (NEW.cost_centre, NEW.subjective_code)
          IS DISTINCT FROM (OLD.cost_centre, OLD.subjective_code) THEN
        RAISE EXCEPTION 'payment %: its ledger codes are those it was made with', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER payments_ledger_codes BEFORE INSERT OR UPDATE ON payments
    FOR EACH ROW EXECUTE FUNCTION pb_payment_ledger_codes();

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
        'cost_centre', p.cost_centre, 'subjective_code', p.subjective_code,
        'created_by', p.created_by, 'approved_by', p.approved_by,
        'approved_at', pb_ts(p.approved_at), 'cancelled_by', p.cancelled_by,
        'cancel_reason', p.cancel_reason, 'exported_at', pb_ts(p.exported_at),
        'settled_at', pb_ts(p.settled_at), 'failure_reason', p.failure_reason,
        'created_at', pb_ts(p.created_at), 'updated_at', pb_ts(p.updated_at),
        'version', p.version));
END
$$;

-- The council's BACS details: service user number, the account the
-- contra debits and the originator's name in the file.  All or none.
ALTER TABLE council_settings
    ADD COLUMN bacs_service_user_number text CHECK (bacs_service_user_number ~ '^[0-9]{6}$'),
    ADD COLUMN bacs_sort_code           text CHECK (bacs_sort_code ~ '^[0-9]{6}$'),
    ADD COLUMN bacs_account_number      text CHECK (bacs_account_number ~ '^[0-9]{8}$'),
    ADD COLUMN bacs_originator_name     text
        CHECK (bacs_originator_name ~ '^[A-Z0-9.&/-][A-Z0-9.&/ -]{0,17}$');

CREATE OR REPLACE FUNCTION pb_settings_json(p_la text) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('dp_notice_days', coalesce(s.dp_notice_days, 28),
        'bacs_service_user_number', s.bacs_service_user_number,
        'bacs_sort_code', s.bacs_sort_code, 'bacs_account_number', s.bacs_account_number,
        'bacs_originator_name', s.bacs_originator_name,
        'updated_by', s.updated_by, 'updated_at', pb_ts(s.updated_at),
        'version', coalesce(s.version, 0))
    FROM (SELECT 1) one LEFT JOIN council_settings s ON s.la = p_la
$$;
