-- 013_budget_variations: an approved budget changes only by a variation
-- (issue 15, section 1; domain.md BUD-7, BUD-8, BUD-9).
--
-- A variation names new amounts for elements, elements added and elements
-- ended, with a reason and the day it is to take effect from.  It is
-- pending until someone other than its requester approves it.  An increase
-- (and any change to an element that is not a direct payment) takes effect
-- on approval; a direct payment reduced or ended needs written notice with
-- reasons (BUD-8): approval gives the notice, and the variation takes effect
-- no earlier than the notice day plus the council's notice period.  Until
-- then the family may ask once for a reconsideration, decided by someone
-- other than the person who approved it.  Each application writes a new
-- budget version (the first is written when the budget is approved), so
-- what the budget held on any day stays readable.
--
-- Stopping a direct payment (PAY-16, PAY-17; POST .../elements/{id}/stop)
-- is a variation too: one element ended, decided by the approver who
-- stops it (stop_rule, stop_ground).  PAY-16 stops at once; PAY-17 gives
-- notice, takes effect after it and allows one reconsideration.

-- Council-configured values (one row per council; no row: the defaults).
CREATE TABLE council_settings (
    la              text        NOT NULL PRIMARY KEY,
    dp_notice_days  integer     NOT NULL DEFAULT 28 CHECK (dp_notice_days BETWEEN 0 AND 365),
    version         integer     NOT NULL DEFAULT 1,
    updated_by      text        NOT NULL CHECK (length(updated_by) BETWEEN 1 AND 256),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION pb_settings_json(p_la text) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('dp_notice_days', coalesce(s.dp_notice_days, 28),
        'updated_by', s.updated_by, 'updated_at', pb_ts(s.updated_at),
        'version', coalesce(s.version, 0))
    FROM (SELECT 1) one LEFT JOIN council_settings s ON s.la = p_la
$$;

CREATE TABLE budget_variations (
    la                          text        NOT NULL,
    id                          uuid        NOT NULL,
    budget_id                   uuid        NOT NULL,
    status                      text        NOT NULL DEFAULT 'pending' CHECK (status IN
                                  ('pending', 'rejected', 'notice', 'reconsideration',
                                   'applied', 'withdrawn')),
    reason                      text        NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    effective_from              date        NOT NULL,
    -- a direct payment is reduced or ended (BUD-8)
    needs_notice                boolean     NOT NULL,
    -- a stop of a direct payment: the rule and the ground it is stopped on
    stop_rule                   text        CHECK (stop_rule IN ('PAY-16', 'PAY-17')),
    stop_ground                 text        CHECK (stop_ground IN ('consent_withdrawn',
                                  'no_longer_qualifies', 'not_used_for_agreed_provision',
                                  'adverse_impact', 'inefficiency')),
    requested_by                text        NOT NULL CHECK (length(requested_by) BETWEEN 1 AND 256),
    requested_at                timestamptz NOT NULL DEFAULT now(),
    decided_by                  text        CHECK (length(decided_by) BETWEEN 1 AND 256),
    decided_at                  timestamptz,
    decision_reason             text        CHECK (length(decision_reason) BETWEEN 1 AND 2000),
    notice_on                   date,
    takes_effect_on             date,
    reconsideration_reason      text        CHECK (length(reconsideration_reason) BETWEEN 1 AND 2000),
    reconsideration_by          text        CHECK (length(reconsideration_by) BETWEEN 1 AND 256),
    reconsideration_at          timestamptz,
    reconsidered_by             text        CHECK (length(reconsidered_by) BETWEEN 1 AND 256),
    reconsidered_at             timestamptz,
    reconsideration_outcome     text        CHECK (reconsideration_outcome IN ('upheld', 'overturned')),
    reconsideration_decision    text        CHECK (length(reconsideration_decision) BETWEEN 1 AND 2000),
    applied_at                  timestamptz,
    applied_version             integer,
    version                     integer     NOT NULL DEFAULT 1,
    PRIMARY KEY (la, id),
    UNIQUE (la, budget_id, id),
    FOREIGN KEY (la, budget_id) REFERENCES budgets (la, id),
    -- decided by someone other than the requester (separation of duties);
    -- a stop is the decision of the approver who makes it
    CHECK ((status = 'pending') = (decided_at IS NULL)),
    CHECK (decided_at IS NULL OR (decided_by IS NOT NULL
        AND (decided_by <> requested_by OR stop_rule IS NOT NULL))),
    CHECK ((stop_rule IS NULL) = (stop_ground IS NULL)),
    CHECK (stop_rule IS NULL OR (stop_rule = 'PAY-16') = (stop_ground IN ('consent_withdrawn',
        'no_longer_qualifies', 'not_used_for_agreed_provision'))),
    CHECK (stop_rule IS NULL OR needs_notice = (stop_rule = 'PAY-17')),
    CHECK (status <> 'rejected' OR decision_reason IS NOT NULL),
    -- BUD-8: notice given on approval, the day it takes effect known
    CHECK (status NOT IN ('notice', 'reconsideration', 'applied')
        OR takes_effect_on IS NOT NULL),
    CHECK (NOT needs_notice OR status IN ('pending', 'rejected') OR notice_on IS NOT NULL),
    -- one reconsideration, decided by someone other than the approver
    CHECK ((reconsideration_at IS NULL) = (reconsideration_by IS NULL)
        AND (reconsideration_at IS NULL) = (reconsideration_reason IS NULL)),
    CHECK (reconsideration_at IS NOT NULL OR status <> 'reconsideration'),
    CHECK ((reconsidered_at IS NULL) = (reconsideration_outcome IS NULL)
        AND (reconsidered_at IS NULL) = (reconsidered_by IS NULL)),
    CHECK (reconsidered_by IS NULL OR reconsidered_by <> decided_by),
    CHECK ((status = 'applied') = (applied_at IS NOT NULL))
);
-- at most one variation in progress per budget: they never overlap; and
-- at most one stop in progress (a stop does not wait for a variation)
CREATE UNIQUE INDEX budget_variations_one_open ON budget_variations (la, budget_id)
    WHERE status IN ('pending', 'notice', 'reconsideration') AND stop_rule IS NULL;
CREATE UNIQUE INDEX budget_variations_one_open_stop ON budget_variations (la, budget_id)
    WHERE status IN ('pending', 'notice', 'reconsideration') AND stop_rule IS NOT NULL;
CREATE INDEX budget_variations_by_budget ON budget_variations (la, budget_id, requested_at);
CREATE INDEX budget_variations_due ON budget_variations (la, takes_effect_on)
    WHERE status = 'notice';

-- What a variation changes: a new amount for an element (change), an
-- element ended (end: it keeps what it has committed and spent, and pays
-- nothing more), or a new element (add, with the columns of
-- budget_elements it is created with; its id is chosen at request time).
CREATE TABLE budget_variation_lines (
    la                      text    NOT NULL,
    variation_id            uuid    NOT NULL,
    seq                     smallint NOT NULL CHECK (seq >= 0),
    kind                    text    NOT NULL CHECK (kind IN ('change', 'add', 'end')),
    element_id              uuid    NOT NULL,
    old_allocated_pence     bigint  CHECK (old_allocated_pence BETWEEN 0 AND 100000000000),
    new_allocated_pence     bigint  CHECK (new_allocated_pence BETWEEN 0 AND 100000000000),
    stream                  text    CHECK (stream IN ('education', 'social_care', 'health')),
    service_type            text    CHECK (service_type ~ '^[a-z][a-z0-9_]{0,63}$'),
    arrangement             text    CHECK (arrangement IN ('direct_payment', 'third_party', 'notional')),
    recipient_person_id     uuid,
    payee_id                uuid,
    agreed_provision        text    CHECK (length(agreed_provision) BETWEEN 1 AND 2000),
    outcomes                text[],
    signed_on               date,
    school_premises         boolean,
    head_teacher_agreed_on  date,
    PRIMARY KEY (la, variation_id, seq),
    UNIQUE (la, variation_id, element_id),
    FOREIGN KEY (la, variation_id) REFERENCES budget_variations (la, id),
    CHECK (kind <> 'change' OR (old_allocated_pence IS NOT NULL AND new_allocated_pence IS NOT NULL)),
    CHECK (kind <> 'add' OR (new_allocated_pence IS NOT NULL AND stream IS NOT NULL
        AND service_type IS NOT NULL AND arrangement IS NOT NULL)),
    CHECK (kind = 'add' OR (stream IS NULL AND service_type IS NULL AND arrangement IS NULL
        AND recipient_person_id IS NULL AND payee_id IS NULL AND agreed_provision IS NULL)),
    CHECK (kind <> 'end' OR new_allocated_pence IS NULL)
);

-- The state moves are checked by the service; the database keeps what is
-- decided as decided: a variation's request never changes, an applied,
-- rejected or withdrawn one never changes at all, nothing is deleted.
CREATE FUNCTION pb_variation_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'budget variations are kept: % cannot be deleted', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.status IN ('applied', 'rejected', 'withdrawn') THEN
        RAISE EXCEPTION 'budget variation % is already %', OLD.id, OLD.status
            USING ERRCODE = 'check_violation';
    END IF;
    IF (NEW.la, NEW.id, NEW.budget_id, NEW.reason, NEW.effective_from, NEW.needs_notice,
        NEW.stop_rule, NEW.stop_ground, NEW.requested_by, NEW.requested_at)
       IS DISTINCT FROM
       (OLD.la, OLD.id, OLD.budget_id, OLD.reason, OLD.effective_from, OLD.needs_notice,
        OLD.stop_rule, OLD.stop_ground, OLD.requested_by, OLD.requested_at) THEN
        RAISE EXCEPTION 'a budget variation is decided, never edited'
            USING ERRCODE = 'check_violation';
    END IF;
    -- one reconsideration: once asked, never asked again
    IF OLD.reconsideration_at IS NOT NULL AND
       (NEW.reconsideration_at, NEW.reconsideration_by, NEW.reconsideration_reason) IS DISTINCT FROM
       (OLD.reconsideration_at, OLD.reconsideration_by, OLD.reconsideration_reason) THEN
        RAISE EXCEPTION 'budget variation % has had its reconsideration', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER budget_variations_guard BEFORE UPDATE OR DELETE ON budget_variations
    FOR EACH ROW EXECUTE FUNCTION pb_variation_guard();

CREATE FUNCTION pb_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER budget_variation_lines_append_only BEFORE UPDATE OR DELETE ON budget_variation_lines
    FOR EACH ROW EXECUTE FUNCTION pb_append_only();

-- What a budget held from each approval and each variation on.
CREATE TABLE budget_versions (
    la              text        NOT NULL,
    budget_id       uuid        NOT NULL,
    version_no      integer     NOT NULL CHECK (version_no >= 1),
    variation_id    uuid,
    effective_from  date        NOT NULL,
    allocated_pence bigint      NOT NULL,
    elements        jsonb       NOT NULL,
    created_by      text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la, budget_id, version_no),
    FOREIGN KEY (la, budget_id) REFERENCES budgets (la, id),
    FOREIGN KEY (la, variation_id) REFERENCES budget_variations (la, id),
    CHECK ((version_no = 1) = (variation_id IS NULL))
);
CREATE TRIGGER budget_versions_append_only BEFORE UPDATE OR DELETE ON budget_versions
    FOR EACH ROW EXECUTE FUNCTION pb_append_only();

-- Record the budget's amounts now as its next version (variation NULL:
-- the first, at approval).  Returns the version number.
CREATE FUNCTION pb_budget_version_add(p_la text, p_budget uuid, p_variation uuid,
    p_from date, p_by text) RETURNS integer LANGUAGE sql AS $$
    INSERT INTO budget_versions (la, budget_id, version_no, variation_id, effective_from,
        allocated_pence, elements, created_by)
    SELECT p_la, p_budget,
        coalesce((SELECT max(v.version_no) FROM budget_versions v
                  WHERE v.la = p_la AND v.budget_id = p_budget), 0) + 1,
        p_variation, p_from,
        coalesce(sum(e.allocated_pence), 0),
        coalesce(jsonb_agg(jsonb_build_object('element_id', e.id, 'stream', e.stream,
            'service_type', e.service_type, 'arrangement', e.arrangement, 'status', e.status,
            'allocated_pence', e.allocated_pence) ORDER BY e.position), '[]'::jsonb),
        p_by
    FROM budget_elements e WHERE e.la = p_la AND e.budget_id = p_budget
    RETURNING version_no
$$;

-- The budgets approved before this migration: their amounts now are
-- their first version.
INSERT INTO budget_versions (la, budget_id, version_no, effective_from, allocated_pence,
    elements, created_by, created_at)
SELECT b.la, b.id, 1, b.period_start,
    coalesce(sum(e.allocated_pence), 0),
    coalesce(jsonb_agg(jsonb_build_object('element_id', e.id, 'stream', e.stream,
        'service_type', e.service_type, 'arrangement', e.arrangement, 'status', e.status,
        'allocated_pence', e.allocated_pence) ORDER BY e.position)
        FILTER (WHERE e.id IS NOT NULL), '[]'::jsonb),
    b.approved_by, coalesce(b.approved_at, b.created_at)
FROM budgets b LEFT JOIN budget_elements e ON e.la = b.la AND e.budget_id = b.id
WHERE b.status <> 'draft'
GROUP BY b.la, b.id;

CREATE FUNCTION pb_json(v budget_variations) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', v.id, 'budget_id', v.budget_id, 'status', v.status,
        'reason', v.reason, 'effective_from', v.effective_from,
        'needs_notice', v.needs_notice,
        'kind', CASE WHEN v.stop_rule IS NULL THEN 'variation' ELSE 'stop' END,
        'stop', CASE WHEN v.stop_rule IS NULL THEN NULL ELSE
            json_build_object('rule', v.stop_rule, 'ground', v.stop_ground) END,
        'lines', (SELECT coalesce(json_agg(json_build_object('kind', l.kind,
                'element_id', l.element_id,
                'old_allocated_pence', l.old_allocated_pence,
                'new_allocated_pence', l.new_allocated_pence,
                'stream', l.stream, 'service_type', l.service_type,
                'arrangement', l.arrangement,
                'recipient_person_id', l.recipient_person_id, 'payee_id', l.payee_id)
                ORDER BY l.seq), '[]'::json)
            FROM budget_variation_lines l WHERE l.la = v.la AND l.variation_id = v.id),
        'requested_by', v.requested_by, 'requested_at', pb_ts(v.requested_at),
        'decided_by', v.decided_by, 'decided_at', pb_ts(v.decided_at),
        'decision_reason', v.decision_reason,
        'notice_on', v.notice_on, 'takes_effect_on', v.takes_effect_on,
        'reconsideration', CASE WHEN v.reconsideration_at IS NULL THEN NULL ELSE
            json_build_object('reason', v.reconsideration_reason,
                'requested_by', v.reconsideration_by,
                'requested_at', pb_ts(v.reconsideration_at),
                'outcome', v.reconsideration_outcome,
                'decided_by', v.reconsidered_by, 'decided_at', pb_ts(v.reconsidered_at),
                'decision_reason', v.reconsideration_decision) END,
        'applied_at', pb_ts(v.applied_at), 'applied_version', v.applied_version,
        'version', v.version)
$$;
