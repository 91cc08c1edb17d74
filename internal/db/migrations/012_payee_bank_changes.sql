-- 012_payee_bank_changes: a payee's bank details change only with a second
-- person's confirmation (issue 15, section 4).
--
-- A change of bank details is the classic payment-fraud route, so
-- PATCH /v1/payees/{id} with new details only records a pending change
-- here; the payee row (what payments and the bank export use) keeps the
-- approved details until someone in finance other than the requester
-- confirms the change.  A newer request supersedes an older pending one.
-- The sealed details are bound to (la, payee_id) exactly as the payee's own
-- (internal/payees/bank.h), so confirming copies them across unchanged.
--
-- The database holds the rules too: at most one pending change per payee,
-- a confirmed change decided by someone other than its requester, and a
-- payee whose bank details change without naming a change confirmed for it
-- is refused (bank-key rotation, which re-seals the same details under a
-- new key, keeps its change and so passes).

CREATE TABLE payee_bank_changes (
    la                  text        NOT NULL,
    id                  uuid        NOT NULL,
    payee_id            uuid        NOT NULL,
    status              text        NOT NULL DEFAULT 'pending'
                                    CHECK (status IN ('pending', 'confirmed', 'rejected', 'superseded')),
    bank_sort_code      text        NOT NULL CHECK (bank_sort_code ~ '^[0-9]{6}$'),
    bank_account_last4  text        NOT NULL CHECK (bank_account_last4 ~ '^[0-9]{4}$'),
    bank_key_id         text        NOT NULL CHECK (length(bank_key_id) BETWEEN 1 AND 64),
    bank_nonce          bytea       NOT NULL CHECK (length(bank_nonce) = 12),
    bank_ciphertext     bytea       NOT NULL CHECK (length(bank_ciphertext) BETWEEN 1 AND 256),
    bank_tag            bytea       NOT NULL CHECK (length(bank_tag) = 16),
    -- other payees of the council paid into the same account, which the
    -- requester confirmed knowingly
    shared_with         uuid[]      NOT NULL DEFAULT '{}',
    requested_by        text        NOT NULL CHECK (length(requested_by) BETWEEN 1 AND 256),
    requested_at        timestamptz NOT NULL DEFAULT now(),
    decided_by          text        CHECK (length(decided_by) BETWEEN 1 AND 256),
    decided_at          timestamptz,
    reason              text        CHECK (length(reason) BETWEEN 1 AND 2000),
    PRIMARY KEY (la, id),
    FOREIGN KEY (la, payee_id) REFERENCES payees (la, id),
    CHECK ((status = 'pending') = (decided_at IS NULL)),
    CHECK (status NOT IN ('confirmed', 'rejected') OR decided_by IS NOT NULL),
    CHECK (status <> 'confirmed' OR decided_by <> requested_by),
    CHECK (status <> 'rejected' OR reason IS NOT NULL)
);
CREATE UNIQUE INDEX payee_bank_changes_one_pending ON payee_bank_changes (la, payee_id)
    WHERE status = 'pending';
CREATE INDEX payee_bank_changes_by_payee ON payee_bank_changes (la, payee_id, requested_at);

-- A decided change stays as it was decided.
CREATE FUNCTION pb_bank_change_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status <> 'pending' THEN
        RAISE EXCEPTION 'payee bank change % is already %', OLD.id, OLD.status
            USING ERRCODE = 'check_violation';
    END IF;
    IF (NEW.la, NEW.id, NEW.payee_id, NEW.bank_sort_code, NEW.bank_account_last4,
        NEW.bank_key_id, NEW.bank_nonce, NEW.bank_ciphertext, NEW.bank_tag,
        NEW.requested_by, NEW.requested_at)
       IS DISTINCT FROM
       (OLD.la, OLD.id, OLD.payee_id, OLD.bank_sort_code, OLD.bank_account_last4,
        OLD.bank_key_id, OLD.bank_nonce, OLD.bank_ciphertext, OLD.bank_tag,
        OLD.requested_by, OLD.requested_at) THEN
        RAISE EXCEPTION 'a payee bank change is decided, never edited'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER payee_bank_changes_guard BEFORE UPDATE ON payee_bank_changes
    FOR EACH ROW EXECUTE FUNCTION pb_bank_change_guard();
CREATE FUNCTION pb_bank_change_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'payee bank changes are kept: % cannot be deleted', OLD.id
        USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER payee_bank_changes_no_delete BEFORE DELETE ON payee_bank_changes
    FOR EACH ROW EXECUTE FUNCTION pb_bank_change_no_delete();

-- The change that put the payee's current details in place (NULL: the
-- details it was created with).
ALTER TABLE payees ADD COLUMN bank_change_id uuid;
ALTER TABLE payees ADD CONSTRAINT payees_bank_change_fk
    FOREIGN KEY (la, bank_change_id) REFERENCES payee_bank_changes (la, id);

CREATE FUNCTION pb_payee_bank_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.bank_change_id IS DISTINCT FROM OLD.bank_change_id THEN
        IF NOT EXISTS (SELECT 1 FROM payee_bank_changes c
                       WHERE c.la = NEW.la AND c.id = NEW.bank_change_id
                         AND c.payee_id = NEW.id AND c.status = 'confirmed'
                         AND c.bank_ciphertext = NEW.bank_ciphertext) THEN
            RAISE EXCEPTION 'payee % bank details: change % is not confirmed for it',
                NEW.id, NEW.bank_change_id USING ERRCODE = 'check_violation';
        END IF;
    ELSIF (NEW.bank_sort_code, NEW.bank_account_last4) IS DISTINCT FROM
          (OLD.bank_sort_code, OLD.bank_account_last4)
       OR (NEW.bank_ciphertext IS DISTINCT FROM OLD.bank_ciphertext
           AND NEW.bank_key_id IS NOT DISTINCT FROM OLD.bank_key_id) THEN
        -- new details under the same key: only through a confirmed change
        -- (a rotation re-seals under another key, keeping the details)
        RAISE EXCEPTION 'payee % bank details change only through a confirmed bank change', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER payees_bank_guard BEFORE UPDATE ON payees
    FOR EACH ROW EXECUTE FUNCTION pb_payee_bank_guard();

-- The payee as the API shows it: bank details masked, and the pending
-- change (masked too) for the person who is to confirm it.
CREATE OR REPLACE FUNCTION pb_json(p payees) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', p.id, 'kind', p.kind, 'name', p.name,
        'person_id', p.person_id, 'is_local_authority', p.is_local_authority,
        'bank', CASE WHEN p.bank_sort_code IS NULL THEN NULL ELSE json_build_object(
            'sort_code', p.bank_sort_code, 'account_number_last4', p.bank_account_last4) END,
        'pending_bank_change', (SELECT json_build_object('id', c.id,
                'sort_code', c.bank_sort_code, 'account_number_last4', c.bank_account_last4,
                'shared_with', to_json(c.shared_with), 'requested_by', c.requested_by,
                'requested_at', pb_ts(c.requested_at))
            FROM payee_bank_changes c
            WHERE c.la = p.la AND c.payee_id = p.id AND c.status = 'pending'),
        'created_at', pb_ts(p.created_at), 'updated_at', pb_ts(p.updated_at),
        'version', p.version)
$$;
