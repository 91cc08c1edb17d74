-- 023_indicative_budgets: resource allocation (issue 17, part 3).
--
-- A council's allocation scheme is a line of immutable versions, 1, 2, 3…,
-- each a whole document an admin publishes (points for assessed needs,
-- BUD-11 transport, BUD-12 short breaks: internal/budgets/allocation.h).
-- The next version number comes from the council's counter row, taken
-- under its row lock, so two admins publishing at once get two numbers and
-- never the same one.  A version never changes, so every indicative budget
-- worked out under it keeps the figures it was made with.
--
-- An indicative budget is what a child's assessed needs come to under one
-- version, per element (stream + service type) with its calculation line by
-- line; it too is never changed.  A budget may name the indicative budget
-- of the same child it was drafted from (indicative_budget_id); each of
-- its elements then shows the indicative amount of its stream and service
-- type beside the allocated one, and the difference.

CREATE TABLE allocation_scheme_counters (
    la            text    PRIMARY KEY,
    last_version  integer NOT NULL CHECK (last_version >= 1)
);

CREATE TABLE allocation_schemes (
    la          text        NOT NULL,
    id          uuid        NOT NULL,
    version     integer     NOT NULL CHECK (version >= 1),
    -- the version as published: {name, points?, transport?, short_breaks?}
    definition  jsonb       NOT NULL CHECK (jsonb_typeof(definition) = 'object'
                    AND length(definition ->> 'name') BETWEEN 1 AND 200
                    AND (definition ? 'points' OR definition ? 'transport'
                         OR definition ? 'short_breaks')),
    created_by  text        NOT NULL CHECK (length(created_by) BETWEEN 1 AND 256),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la, id),
    UNIQUE (la, version),
    UNIQUE (la, id, version),
    -- BUD-11: the rate a mile the service accepts (councils publish 45p-60p)
    CONSTRAINT allocation_schemes_bud11 CHECK (NOT definition ? 'transport'
        OR ((definition #>> '{transport,pence_per_mile}')::bigint BETWEEN 1 AND 200)),
    CONSTRAINT allocation_schemes_bud12 CHECK (NOT definition ? 'short_breaks'
        OR ((definition #>> '{short_breaks,pence_per_hour}')::bigint BETWEEN 1 AND 100000))
);
CREATE TRIGGER allocation_schemes_append_only BEFORE UPDATE OR DELETE ON allocation_schemes
    FOR EACH ROW EXECUTE FUNCTION pb_append_only();

CREATE TABLE indicative_budgets (
    la              text        NOT NULL,
    id              uuid        NOT NULL,
    child_id        uuid        NOT NULL,
    plan_id         uuid        NOT NULL,
    scheme_id       uuid        NOT NULL,
    scheme_version  integer     NOT NULL,
    -- the needs, transport and short-break facts as sent
    inputs          jsonb       NOT NULL CHECK (jsonb_typeof(inputs) = 'object'),
    total_pence     bigint      NOT NULL CHECK (total_pence BETWEEN 0 AND 500000000000),
    created_by      text        NOT NULL CHECK (length(created_by) BETWEEN 1 AND 256),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la, id),
    UNIQUE (la, id, child_id),
    FOREIGN KEY (la, child_id, plan_id) REFERENCES plans (la, child_id, id),
    FOREIGN KEY (la, scheme_id, scheme_version) REFERENCES allocation_schemes (la, id, version)
);
CREATE INDEX indicative_budgets_by_child ON indicative_budgets (la, child_id, id);
-- a version's `used` (pb_json) and the foreign key's checks
CREATE INDEX indicative_budgets_by_scheme ON indicative_budgets (la, scheme_id);
CREATE TRIGGER indicative_budgets_append_only BEFORE UPDATE OR DELETE ON indicative_budgets
    FOR EACH ROW EXECUTE FUNCTION pb_append_only();

CREATE TABLE indicative_budget_elements (
    la                    text     NOT NULL,
    indicative_budget_id  uuid     NOT NULL,
    position              smallint NOT NULL CHECK (position >= 0),
    stream                text     NOT NULL CHECK (stream IN ('education', 'social_care', 'health')),
    service_type          text     NOT NULL CHECK (service_type ~ '^[a-z][a-z0-9_]{0,63}$'),
    indicative_pence      bigint   NOT NULL CHECK (indicative_pence BETWEEN 0 AND 100000000000),
    -- [{rule, text, amount_pence}], the calculation as worked
    lines                 jsonb    NOT NULL CHECK (jsonb_typeof(lines) = 'array'),
    PRIMARY KEY (la, indicative_budget_id, stream, service_type),
    UNIQUE (la, indicative_budget_id, position),
    FOREIGN KEY (la, indicative_budget_id) REFERENCES indicative_budgets (la, id)
);
CREATE TRIGGER indicative_budget_elements_append_only BEFORE UPDATE OR DELETE
    ON indicative_budget_elements FOR EACH ROW EXECUTE FUNCTION pb_append_only();

-- the indicative budget a budget was drafted from: the same council's, the
-- same child's (the key says so)
ALTER TABLE budgets ADD COLUMN indicative_budget_id uuid,
    ADD CONSTRAINT budgets_indicative_fkey FOREIGN KEY (la, indicative_budget_id, child_id)
        REFERENCES indicative_budgets (la, id, child_id);

CREATE FUNCTION pb_json(s allocation_schemes) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT (jsonb_build_object('id', s.id, 'version', s.version,
        'used', EXISTS (SELECT 1 FROM indicative_budgets i WHERE i.la = s.la
            AND i.scheme_id = s.id),
        'created_by', s.created_by, 'created_at', pb_ts(s.created_at)) || s.definition)::json
$$;

CREATE FUNCTION pb_json(i indicative_budgets) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT json_build_object('id', i.id, 'child_id', i.child_id, 'plan_id', i.plan_id,
        'scheme_id', i.scheme_id, 'scheme_version', i.scheme_version,
        'inputs', i.inputs, 'total_pence', i.total_pence,
        'elements', (SELECT coalesce(json_agg(json_build_object('stream', e.stream,
                'service_type', e.service_type, 'indicative_pence', e.indicative_pence,
                'lines', e.lines) ORDER BY e.position), '[]'::json)
            FROM indicative_budget_elements e
            WHERE e.la = i.la AND e.indicative_budget_id = i.id),
        'rounding', 'half-up to the penny at each division',
        'created_by', i.created_by, 'created_at', pb_ts(i.created_at)));
END
$$;

-- What the budget's indicative budget gives element e's stream and service
-- type (NULL when the budget names none or it has no such element), and
-- the budget's allocation of that stream and service type less it (one
-- element in the usual case; a stream and service type split between
-- arrangements is compared as a whole).
CREATE FUNCTION pb_element_indicative(e budget_elements, OUT indicative_pence bigint,
    OUT difference_pence bigint) LANGUAGE plpgsql STABLE AS $$
BEGIN
    SELECT i.indicative_pence, (SELECT sum(x.allocated_pence) FROM budget_elements x
            WHERE x.la = e.la AND x.budget_id = e.budget_id AND x.stream = e.stream
              AND x.service_type = e.service_type)::bigint - i.indicative_pence
        INTO indicative_pence, difference_pence
    FROM budgets b JOIN indicative_budget_elements i ON i.la = b.la
        AND i.indicative_budget_id = b.indicative_budget_id
        AND i.stream = e.stream AND i.service_type = e.service_type
    WHERE b.la = e.la AND b.id = e.budget_id;
END
$$;

-- 015's element document, with indicative_pence and difference_pence added.
CREATE OR REPLACE FUNCTION pb_json(e budget_elements) RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
    ind record;
BEGIN
    ind := pb_element_indicative(e);
    RETURN (SELECT json_build_object('id', e.id, 'stream', e.stream, 'service_type', e.service_type,
        'arrangement', e.arrangement, 'status', e.status,
        'allocated_pence', e.allocated_pence, 'committed_pence', e.committed_pence,
        'spent_pence', e.spent_pence,
        'remaining_pence', e.allocated_pence - e.committed_pence - e.spent_pence,
        'owed_pence', pb_element_owed(e.la, e.id),
        'indicative_pence', ind.indicative_pence, 'difference_pence', ind.difference_pence,
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

-- 015's budget document, with indicative_budget_id, indicative_pence (the
-- indicative budget's total) and difference_pence (allocated less it) added.
CREATE OR REPLACE FUNCTION pb_json(b budgets) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT json_build_object('id', b.id, 'child_id', b.child_id, 'plan_id', b.plan_id,
        'request_id', b.request_id, 'status', b.status, 'arrangement', b.arrangement,
        'period_start', b.period_start, 'period_end', b.period_end,
        'allocated_pence', t.allocated, 'committed_pence', t.committed,
        'spent_pence', t.spent, 'remaining_pence', t.allocated - t.committed - t.spent,
        'owed_pence', (SELECT coalesce(sum(d.amount_pence), 0)::bigint FROM recovery_debts d
            WHERE d.la = b.la AND d.budget_id = b.id AND pb_debt_owed(d.status)),
        'indicative_budget_id', b.indicative_budget_id,
        'indicative_pence', ind.total_pence,
        'difference_pence', t.allocated - ind.total_pence,
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
          FROM budget_elements e WHERE e.la = b.la AND e.budget_id = b.id) t
    LEFT JOIN indicative_budgets ind ON ind.la = b.la AND ind.id = b.indicative_budget_id);
END
$$;
