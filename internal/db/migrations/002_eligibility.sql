-- 002_eligibility: the eligibility service — the local offer (ELIG-6/7),
-- stored eligibility checks, budget requests and their lifecycle
-- (domain.md §4), and the contact facts the rules need (ELIG-3, PAY-1/2/4).

-- Contacts: facts for ELIG-3 and PAY-1/2/4, and the representative route.
ALTER TABLE contacts
    ADD COLUMN nominated_in_writing boolean NOT NULL DEFAULT false, -- PBR reg 5(1)(c)
    ADD COLUMN dp_excluded          boolean NOT NULL DEFAULT false, -- PAY-4 (PBR Schedule)
    ADD COLUMN lacks_capacity       boolean NOT NULL DEFAULT false; -- ELIG-3, PAY-2
ALTER TABLE contacts DROP CONSTRAINT contacts_relationship_check;
ALTER TABLE contacts ADD CONSTRAINT contacts_relationship_check CHECK (relationship IN
    ('parent', 'carer', 'young_person', 'nominated_person', 'representative'));

CREATE OR REPLACE FUNCTION pb_json(k contacts) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', k.id, 'child_id', k.child_id,
        'person_id', k.person_id, 'relationship', k.relationship,
        'has_parental_responsibility', k.has_parental_responsibility,
        'lives_with_child', k.lives_with_child,
        'nominated_in_writing', k.nominated_in_writing,
        'dp_excluded', k.dp_excluded, 'lacks_capacity', k.lacks_capacity,
        'created_at', pb_ts(k.created_at))
$$;

-- The local offer.  Only an la's changes are stored: the ELIG-7 default
-- (pb_elig_default_offer in internal/eligibility/rules.c) holds for every
-- service type without a row here, so a brand-new la needs no seeding.
CREATE TABLE offer_items (
    la                     text        NOT NULL CHECK (la ~ '^[A-Z][0-9]{8}$'),
    id                     uuid        NOT NULL,
    service_type           text        NOT NULL CHECK (service_type ~ '^[a-z0-9_]{1,64}$'),
    stream                 text        NOT NULL CHECK (stream IN ('education', 'social_care', 'health')),
    offered                boolean     NOT NULL,
    direct_payment_allowed boolean     NOT NULL,
    updated_by             text        NOT NULL,
    updated_at             timestamptz NOT NULL DEFAULT now(),
    version                integer     NOT NULL DEFAULT 1,
    PRIMARY KEY (la, service_type),
    UNIQUE (la, id)
);

-- Eligibility checks: immutable records of one evaluation.  result holds
-- {"elements": [...], "basis": {...}} as rendered by the service.
CREATE TABLE eligibility_checks (
    la                  text        NOT NULL,
    id                  uuid        NOT NULL,
    child_id            uuid        NOT NULL,
    requester_person_id uuid        NOT NULL,
    as_of               date        NOT NULL,
    outcome             text        NOT NULL CHECK (outcome IN ('eligible', 'ineligible', 'panel_referral')),
    result              json        NOT NULL,
    created_by          text        NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la, id),
    FOREIGN KEY (la, child_id) REFERENCES children (la, id),
    FOREIGN KEY (la, requester_person_id) REFERENCES people (la, id)
);
CREATE INDEX eligibility_checks_by_child ON eligibility_checks (la, child_id);

CREATE TRIGGER eligibility_checks_immutable BEFORE UPDATE OR DELETE ON eligibility_checks
    FOR EACH ROW EXECUTE FUNCTION pb_refuse_change();

-- Budget requests (domain.md §4).  "submitted" exists only inside the
-- creating transaction, so it is not a stored status.
CREATE TABLE budget_requests (
    la                     text        NOT NULL,
    id                     uuid        NOT NULL,
    child_id               uuid        NOT NULL,
    requester_person_id    uuid        NOT NULL,
    check_id               uuid        NOT NULL,
    status                 text        NOT NULL CHECK (status IN ('eligible', 'ineligible',
                             'panel_referral', 'approved', 'declined', 'review_requested',
                             'upheld', 'overturned', 'withdrawn')),
    notes                  text        CHECK (length(notes) <= 2000),
    decision               text        CHECK (decision IN ('approve', 'decline')),
    decision_reason        text        CHECK (length(decision_reason) BETWEEN 1 AND 2000),
    decided_by             text,
    decided_at             timestamptz,
    review_reason          text        CHECK (length(review_reason) BETWEEN 1 AND 2000),
    review_requested_by    text,
    review_requested_at    timestamptz,
    review_decision        text        CHECK (review_decision IN ('uphold', 'overturn')),
    review_decision_reason text        CHECK (length(review_decision_reason) BETWEEN 1 AND 2000),
    review_decided_by      text,
    review_decided_at      timestamptz,
    withdrawn_reason       text        CHECK (length(withdrawn_reason) <= 2000),
    withdrawn_by           text,
    withdrawn_at           timestamptz,
    budget_id              uuid,       -- the budget that approved an eligible request
    created_by             text        NOT NULL,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    version                integer     NOT NULL DEFAULT 1,
    PRIMARY KEY (la, id),
    UNIQUE (la, check_id),
    FOREIGN KEY (la, child_id) REFERENCES children (la, id),
    FOREIGN KEY (la, requester_person_id) REFERENCES people (la, id),
    FOREIGN KEY (la, check_id) REFERENCES eligibility_checks (la, id),
    -- a decision, a review and a withdrawal come with who and when
    CHECK ((decision IS NULL) = (decided_at IS NULL)),
    CHECK ((review_reason IS NULL) = (review_requested_at IS NULL)),
    CHECK ((review_decision IS NULL) = (review_decided_at IS NULL)),
    CHECK ((status = 'withdrawn') = (withdrawn_at IS NOT NULL))
);
CREATE INDEX budget_requests_by_child ON budget_requests (la, child_id);

CREATE FUNCTION pb_json(c eligibility_checks) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', c.id, 'child_id', c.child_id,
        'requester_person_id', c.requester_person_id, 'as_of', c.as_of,
        'outcome', c.outcome, 'elements', c.result -> 'elements',
        'basis', c.result -> 'basis', 'created_by', c.created_by,
        'created_at', pb_ts(c.created_at))
$$;

CREATE FUNCTION pb_json(r budget_requests) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', r.id, 'child_id', r.child_id,
        'requester_person_id', r.requester_person_id, 'status', r.status,
        'elements', (SELECT coalesce(json_agg(json_build_object('stream', e ->> 'stream',
                'service_type', e ->> 'service_type', 'arrangement', e ->> 'arrangement')), '[]'::json)
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
    FROM eligibility_checks c WHERE c.la = r.la AND c.id = r.check_id
$$;
