-- 018_panel_queue: the panel's queue and per-element decisions (issue 16,
-- part 2), and the budgets list (part 4).
--
-- A panel may decide a referred request element by element: approve some
-- services (with conditions), decline others.  Each element's outcome is
-- one row here, written in the transaction that moves the request from
-- panel_referral to approved (at least one element approved) or declined
-- (all declined).  The rows are immutable; a review (declined → review_requested
-- → upheld | overturned) is recorded on the request as before, and an
-- overturn makes every declined element fundable.

CREATE TABLE budget_request_element_decisions (
    la           text        NOT NULL,
    request_id   uuid        NOT NULL,
    stream       text        NOT NULL CHECK (stream IN ('education', 'social_care', 'health')),
    service_type text        NOT NULL CHECK (service_type ~ '^[a-z0-9_]{1,64}$'),
    decision     text        NOT NULL CHECK (decision IN ('approve', 'decline')),
    conditions   text        CHECK (length(conditions) BETWEEN 1 AND 2000),
    decided_by   text        NOT NULL CHECK (length(decided_by) BETWEEN 1 AND 256),
    decided_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la, request_id, stream, service_type),
    FOREIGN KEY (la, request_id) REFERENCES budget_requests (la, id),
    -- conditions attach to an approval only
    CHECK (decision = 'approve' OR conditions IS NULL)
);

CREATE TRIGGER budget_request_element_decisions_immutable BEFORE UPDATE OR DELETE
    ON budget_request_element_decisions FOR EACH ROW EXECUTE FUNCTION pb_refuse_change();

-- A decision names an element the request asked for, and is made while the
-- request is still with the panel.
CREATE FUNCTION pb_element_decision_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM budget_requests r JOIN eligibility_checks c
            ON c.la = r.la AND c.id = r.check_id,
            json_array_elements(c.result -> 'elements') e
            WHERE r.la = NEW.la AND r.id = NEW.request_id AND r.status = 'panel_referral'
              AND e ->> 'stream' = NEW.stream AND e ->> 'service_type' = NEW.service_type) THEN
        RAISE EXCEPTION 'element decision for % % does not name an element of a referred request',
            NEW.stream, NEW.service_type USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER budget_request_element_decisions_guard BEFORE INSERT
    ON budget_request_element_decisions FOR EACH ROW EXECUTE FUNCTION pb_element_decision_guard();

-- The request as the API renders it: each element gains the panel's
-- decision (null until there is one).
CREATE OR REPLACE FUNCTION pb_json(r budget_requests) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT json_build_object('id', r.id, 'child_id', r.child_id,
        'requester_person_id', r.requester_person_id, 'status', r.status,
        'elements', (SELECT coalesce(json_agg(json_build_object('stream', e ->> 'stream',
                'service_type', e ->> 'service_type', 'arrangement', e ->> 'arrangement',
                'panel_decision', (SELECT json_build_object('decision', d.decision,
                        'conditions', d.conditions, 'decided_by', d.decided_by,
                        'decided_at', pb_ts(d.decided_at))
                    FROM budget_request_element_decisions d WHERE d.la = r.la
                    AND d.request_id = r.id AND d.stream = e ->> 'stream'
                    AND d.service_type = e ->> 'service_type'))), '[]'::json)
            FROM json_array_elements(c.result -> 'elements') e),
        'notes', r.notes,
        'eligibility', pb_json(c),
        'decision', CASE WHEN r.decision IS NULL THEN NULL ELSE json_build_object(
            'decision', r.decision, 'reason', r.decision_reason,
            'decided_by', r.decided_by, 'decided_at', pb_ts(r.decided_at)) END,
        'review', CASE WHEN r.review_reason IS NULL THEN NULL ELSE json_build_object(
            'reason', r.review_reason, 'requested_by', r.review_requested_by,
            'requested_at', pb_ts(r.review_requested_at),
            'decision', r.review_decision, 'decision_reason', r.review_decision_reason,
            'decided_by', r.review_decided_by, 'decided_at', pb_ts(r.review_decided_at)) END,
        'withdrawal', CASE WHEN r.withdrawn_at IS NULL THEN NULL ELSE json_build_object(
            'reason', r.withdrawn_reason, 'withdrawn_by', r.withdrawn_by,
            'withdrawn_at', pb_ts(r.withdrawn_at)) END,
        'budget_id', r.budget_id,
        'created_by', r.created_by, 'created_at', pb_ts(r.created_at),
        'updated_at', pb_ts(r.updated_at), 'version', r.version)
    FROM eligibility_checks c WHERE c.la = r.la AND c.id = r.check_id);
END
$$;

-- An item of the panel's queue: the request with its case papers one
-- level down — the child and the plan the check judged (as it is now).
CREATE FUNCTION pb_request_papers_json(r budget_requests) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT (pb_json(r)::jsonb || jsonb_build_object(
        'child', (SELECT jsonb_build_object('id', k.id, 'given_name', k.given_name,
                'family_name', k.family_name, 'date_of_birth', k.date_of_birth)
            FROM children k WHERE k.la = r.la AND k.id = r.child_id),
        'plan', (SELECT jsonb_build_object('id', p.id, 'status', p.status,
                'assessment_agreed_on', p.assessment_agreed_on, 'issued_on', p.issued_on,
                'next_review_due', p.next_review_due, 'ceased_on', p.ceased_on)
            FROM eligibility_checks c JOIN plans p ON p.la = c.la
                AND p.id = (c.result -> 'basis' ->> 'plan_id')::uuid
            WHERE c.la = r.la AND c.id = r.check_id)))::json);
END
$$;

-- Keyset orders of the lists: (created_at, id) within the la, by status
-- and by child.
CREATE INDEX budget_requests_queue ON budget_requests (la, status, created_at, id);
CREATE INDEX budget_requests_by_child_created ON budget_requests (la, child_id, created_at, id);
CREATE INDEX budgets_list ON budgets (la, created_at, id);
CREATE INDEX budgets_list_by_status ON budgets (la, status, created_at, id);
CREATE INDEX budgets_list_by_child ON budgets (la, child_id, created_at, id);
