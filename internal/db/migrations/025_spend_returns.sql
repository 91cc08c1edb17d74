-- 025_spend_returns: monitoring direct payments (issue 17, section 1;
-- PAY-9, PAY-20; docs/monitoring.md).
--
-- A spend return is what the holder of a direct payment (the family, or a
-- caseworker for them) reports for a period: the account's opening and
-- closing balance, the money spent line by line, and evidence files.  A
-- caseworker accepts it — each line then says whether it was agreed
-- provision (PAY-9: the element's service type) and the return's
-- evidenced_pence counts only agreed lines — or queries it with a message,
-- after which it is corrected and submitted again.  The database holds:
--   * no two returns of one element for overlapping periods;
--   * at most 10 evidence files per return, each at most 5 MiB, its
--     recorded size and SHA-256 those of its bytes;
--   * an accepted return, its lines and its evidence never change.
-- Evidence bytes live here, in PostgreSQL (bytea, TOASTed out of line);
-- their type was proved by content in internal/monitoring/evidence.c.

CREATE EXTENSION IF NOT EXISTS btree_gist;

ALTER TABLE council_settings
    ADD COLUMN spend_return_days integer NOT NULL DEFAULT 28
        CHECK (spend_return_days BETWEEN 14 AND 31);

CREATE OR REPLACE FUNCTION pb_settings_json(p_la text) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('dp_notice_days', coalesce(s.dp_notice_days, 28),
        'spend_return_days', coalesce(s.spend_return_days, 28),
        'bacs_service_user_number', s.bacs_service_user_number,
        'bacs_sort_code', s.bacs_sort_code, 'bacs_account_number', s.bacs_account_number,
        'bacs_originator_name', s.bacs_originator_name,
        'updated_by', s.updated_by, 'updated_at', pb_ts(s.updated_at),
        'version', coalesce(s.version, 0))
    FROM (SELECT 1) one LEFT JOIN council_settings s ON s.la = p_la
$$;

CREATE TABLE spend_returns (
    la                    text        NOT NULL CHECK (la ~ '^[A-Z][0-9]{8}$'),
    id                    uuid        NOT NULL,
    budget_id             uuid        NOT NULL,
    element_id            uuid        NOT NULL,
    period_start          date        NOT NULL,
    period_end            date        NOT NULL CHECK (period_end >= period_start),
    opening_balance_pence bigint      NOT NULL CHECK (opening_balance_pence BETWEEN 0 AND 100000000000),
    closing_balance_pence bigint      NOT NULL CHECK (closing_balance_pence BETWEEN 0 AND 100000000000),
    status                text        NOT NULL DEFAULT 'submitted'
                          CHECK (status IN ('submitted', 'queried', 'accepted')),
    submitted_by          text        NOT NULL CHECK (length(submitted_by) BETWEEN 1 AND 256),
    submitted_at          timestamptz NOT NULL DEFAULT now(),
    query_message         text        CHECK (length(query_message) BETWEEN 1 AND 2000),
    queried_by            text,
    queried_at            timestamptz,
    accepted_by           text,
    accepted_at           timestamptz,
    evidenced_pence       bigint      CHECK (evidenced_pence >= 0),
    not_agreed_pence      bigint      CHECK (not_agreed_pence >= 0),
    version               integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
    PRIMARY KEY (la, id),
    FOREIGN KEY (la, budget_id, element_id) REFERENCES budget_elements (la, budget_id, id),
    CHECK ((status = 'accepted') = (accepted_at IS NOT NULL AND evidenced_pence IS NOT NULL
                                    AND not_agreed_pence IS NOT NULL)),
    EXCLUDE USING gist (la WITH =, element_id WITH =,
                        daterange(period_start, period_end, '[]') WITH &&)
);
CREATE INDEX spend_returns_by_element ON spend_returns (la, element_id, period_start DESC, id);
CREATE INDEX spend_returns_queue ON spend_returns (la, status, submitted_at, id);

CREATE TABLE spend_return_lines (
    la           text    NOT NULL,
    return_id    uuid    NOT NULL,
    line_no      integer NOT NULL CHECK (line_no BETWEEN 1 AND 200),
    spent_on     date    NOT NULL,
    description  text    NOT NULL CHECK (length(description) BETWEEN 1 AND 200),
    category     text    NOT NULL CHECK (category ~ '^[a-z][a-z0-9_]{0,63}$'),
    amount_pence bigint  NOT NULL CHECK (amount_pence BETWEEN 1 AND 100000000000),
    agreed       boolean,            -- PAY-9, decided on acceptance
    PRIMARY KEY (la, return_id, line_no),
    FOREIGN KEY (la, return_id) REFERENCES spend_returns (la, id) ON DELETE CASCADE
);

CREATE TABLE spend_evidence (
    la           text        NOT NULL,
    id           uuid        NOT NULL,
    return_id    uuid        NOT NULL,
    file_name    text        NOT NULL CHECK (length(file_name) BETWEEN 1 AND 120),
    media_type   text        NOT NULL CHECK (media_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    size_bytes   integer     NOT NULL CHECK (size_bytes BETWEEN 1 AND 5242880),
    sha256       text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    data         bytea       NOT NULL,
    uploaded_by  text        NOT NULL CHECK (length(uploaded_by) BETWEEN 1 AND 256),
    uploaded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la, id),
    FOREIGN KEY (la, return_id) REFERENCES spend_returns (la, id),
    CHECK (octet_length(data) = size_bytes),
    CHECK (sha256 = encode(sha256(data), 'hex'))
);
CREATE INDEX spend_evidence_by_return ON spend_evidence (la, return_id, uploaded_at, id);

-- at most 10 files per return; the return row is locked first, so two
-- uploads at once are counted one after the other
CREATE FUNCTION pb_spend_evidence_limit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM spend_returns r WHERE r.la = NEW.la AND r.id = NEW.return_id FOR UPDATE;
    IF (SELECT count(*) FROM spend_evidence e
        WHERE e.la = NEW.la AND e.return_id = NEW.return_id) >= 10 THEN
        RAISE EXCEPTION 'a spend return holds at most 10 evidence files'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'spend_evidence_limit';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER spend_evidence_limit BEFORE INSERT ON spend_evidence
    FOR EACH ROW EXECUTE FUNCTION pb_spend_evidence_limit();

-- an accepted return is closed: its lines and evidence neither change nor
-- grow, and it is never reopened (acceptance marks the lines first, then
-- the return)
CREATE FUNCTION pb_spend_return_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r_la text := CASE WHEN TG_OP = 'DELETE' THEN OLD.la ELSE NEW.la END;
    r_id uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.return_id ELSE NEW.return_id END;
BEGIN
    IF EXISTS (SELECT 1 FROM spend_returns r WHERE r.la = r_la AND r.id = r_id
               AND r.status = 'accepted') THEN
        RAISE EXCEPTION 'an accepted spend return is closed'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'spend_return_closed';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER spend_return_lines_frozen BEFORE INSERT OR UPDATE OR DELETE ON spend_return_lines
    FOR EACH ROW EXECUTE FUNCTION pb_spend_return_frozen();
CREATE TRIGGER spend_evidence_frozen BEFORE INSERT OR UPDATE OR DELETE ON spend_evidence
    FOR EACH ROW EXECUTE FUNCTION pb_spend_return_frozen();

CREATE FUNCTION pb_spend_return_closed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'accepted' THEN
        RAISE EXCEPTION 'an accepted spend return is closed'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'spend_return_closed';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER spend_returns_closed BEFORE UPDATE OR DELETE ON spend_returns
    FOR EACH ROW EXECUTE FUNCTION pb_spend_return_closed();

-- The document.  for_family: without staff identities (the family's own
-- submissions are theirs to see, so submitted_by stays only when it is them).
CREATE FUNCTION pb_spend_return_json(r spend_returns, for_family boolean) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', r.id, 'budget_id', r.budget_id, 'element_id', r.element_id,
        'period_start', r.period_start, 'period_end', r.period_end,
        'opening_balance_pence', r.opening_balance_pence,
        'closing_balance_pence', r.closing_balance_pence,
        'status', r.status,
        'submitted_by', CASE WHEN for_family THEN NULL ELSE r.submitted_by END,
        'submitted_at', pb_ts(r.submitted_at),
        'query_message', r.query_message,
        'queried_by', CASE WHEN for_family THEN NULL ELSE r.queried_by END,
        'queried_at', pb_ts(r.queried_at),
        'accepted_by', CASE WHEN for_family THEN NULL ELSE r.accepted_by END,
        'accepted_at', pb_ts(r.accepted_at),
        'spent_pence', coalesce((SELECT sum(l.amount_pence) FROM spend_return_lines l
            WHERE l.la = r.la AND l.return_id = r.id), 0),
        'evidenced_pence', r.evidenced_pence, 'not_agreed_pence', r.not_agreed_pence,
        -- money paid to the direct payment in the period, and what the
        -- balances leave unexplained: opening + paid in - spent - closing
        'paid_in_pence', p.paid_in,
        'unexplained_pence', r.opening_balance_pence + p.paid_in - coalesce((SELECT
            sum(l.amount_pence) FROM spend_return_lines l WHERE l.la = r.la AND l.return_id = r.id),
            0) - r.closing_balance_pence,
        'lines', coalesce((SELECT json_agg(json_build_object('line_no', l.line_no,
            'spent_on', l.spent_on, 'description', l.description, 'category', l.category,
            'amount_pence', l.amount_pence, 'agreed', l.agreed) ORDER BY l.line_no)
            FROM spend_return_lines l WHERE l.la = r.la AND l.return_id = r.id), '[]'::json),
        'evidence', coalesce((SELECT json_agg(json_build_object('id', e.id,
            'file_name', e.file_name, 'media_type', e.media_type, 'size_bytes', e.size_bytes,
            'sha256', e.sha256, 'uploaded_at', pb_ts(e.uploaded_at)) ORDER BY e.uploaded_at, e.id)
            FROM spend_evidence e WHERE e.la = r.la AND e.return_id = r.id), '[]'::json),
        'version', r.version)
    FROM (SELECT coalesce(sum(y.amount_pence), 0)::bigint AS paid_in FROM payments y
          WHERE y.la = r.la AND y.element_id = r.element_id AND y.status = 'paid'
            AND y.due_date BETWEEN r.period_start AND r.period_end) p
$$;
