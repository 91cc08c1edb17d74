-- 001_core: core records (people, children, contacts, EHC plans), audit and events.
-- Every table carries la (the local authority, the tenant) and every unique
-- and foreign key includes it, so the schema can be distributed by la.

CREATE TABLE people (
    la            text        NOT NULL CHECK (la ~ '^[A-Z][0-9]{8}$'),
    id            uuid        NOT NULL,
    given_name    text        NOT NULL CHECK (length(given_name) BETWEEN 1 AND 100),
    family_name   text        NOT NULL CHECK (length(family_name) BETWEEN 1 AND 100),
    email         text        CHECK (length(email) <= 254),
    phone         text        CHECK (length(phone) <= 32),
    created_by    text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    version       integer     NOT NULL DEFAULT 1,
    PRIMARY KEY (la, id)
);

CREATE TABLE children (
    la            text        NOT NULL CHECK (la ~ '^[A-Z][0-9]{8}$'),
    id            uuid        NOT NULL,
    given_name    text        NOT NULL CHECK (length(given_name) BETWEEN 1 AND 100),
    family_name   text        NOT NULL CHECK (length(family_name) BETWEEN 1 AND 100),
    date_of_birth date        NOT NULL,
    created_by    text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    version       integer     NOT NULL DEFAULT 1,
    PRIMARY KEY (la, id)
);

CREATE TABLE contacts (
    la                          text        NOT NULL,
    id                          uuid        NOT NULL,
    child_id                    uuid        NOT NULL,
    person_id                   uuid        NOT NULL,
    relationship                text        NOT NULL CHECK (relationship IN
                                  ('parent', 'carer', 'young_person', 'nominated_person')),
    has_parental_responsibility boolean     NOT NULL,
    lives_with_child            boolean     NOT NULL,
    created_by                  text        NOT NULL,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la, id),
    UNIQUE (la, child_id, person_id),
    FOREIGN KEY (la, child_id) REFERENCES children (la, id),
    FOREIGN KEY (la, person_id) REFERENCES people (la, id)
);
-- the family view and ownership checks start from the person
CREATE INDEX contacts_by_person ON contacts (la, person_id, child_id);

CREATE TABLE plans (
    la                   text        NOT NULL,
    id                   uuid        NOT NULL,
    child_id             uuid        NOT NULL,
    status               text        NOT NULL CHECK (status IN
                           ('assessment_agreed', 'issued', 'under_review', 'ceased')),
    assessment_agreed_on date,
    issued_on            date,
    next_review_due      date,
    ceased_on            date,
    created_by           text        NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    version              integer     NOT NULL DEFAULT 1,
    PRIMARY KEY (la, id),
    FOREIGN KEY (la, child_id) REFERENCES children (la, id),
    CHECK (status <> 'ceased' OR ceased_on IS NOT NULL),
    CHECK (status = 'assessment_agreed' OR status = 'ceased' OR issued_on IS NOT NULL)
);
CREATE INDEX plans_by_child ON plans (la, child_id);

-- Every status a plan has held, from the date it took effect (for as_of questions).
CREATE TABLE plan_status_history (
    la             text        NOT NULL,
    plan_id        uuid        NOT NULL,
    seq            integer     NOT NULL,
    status         text        NOT NULL,
    effective_from date        NOT NULL,
    changed_by     text        NOT NULL,
    changed_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la, plan_id, seq),
    FOREIGN KEY (la, plan_id) REFERENCES plans (la, id)
);

-- Append-only record of every change.
CREATE TABLE audit_log (
    la          text        NOT NULL,
    seq         bigint      GENERATED ALWAYS AS IDENTITY,
    id          uuid        NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_sub   text        NOT NULL,
    action      text        NOT NULL,
    entity_type text        NOT NULL,
    entity_id   uuid        NOT NULL,
    request_id  text        NOT NULL,
    changes     jsonb       NOT NULL,
    PRIMARY KEY (la, seq),
    UNIQUE (la, id)
);
CREATE INDEX audit_by_entity ON audit_log (la, entity_id, seq);

-- Domain events; seq strictly increasing per la, in commit order (the
-- counter row is locked until the writing transaction commits).
CREATE TABLE event_counters (
    la       text   PRIMARY KEY,
    last_seq bigint NOT NULL
);

CREATE TABLE events (
    la          text        NOT NULL,
    seq         bigint      NOT NULL,
    id          uuid        NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    type        text        NOT NULL,
    entity_type text        NOT NULL,
    entity_id   uuid        NOT NULL,
    request_id  text        NOT NULL,
    payload     jsonb       NOT NULL,
    PRIMARY KEY (la, seq),
    UNIQUE (la, id)
);

CREATE FUNCTION pb_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION pb_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION pb_refuse_change();
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION pb_refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION pb_refuse_change();

-- JSON representations of each resource, in one place, used by every read.
CREATE FUNCTION pb_ts(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') $$;

CREATE FUNCTION pb_json(p people) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', p.id, 'given_name', p.given_name,
        'family_name', p.family_name, 'email', p.email, 'phone', p.phone,
        'created_at', pb_ts(p.created_at), 'updated_at', pb_ts(p.updated_at),
        'version', p.version)
$$;

CREATE FUNCTION pb_json(c children) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', c.id, 'given_name', c.given_name,
        'family_name', c.family_name, 'date_of_birth', c.date_of_birth,
        'created_at', pb_ts(c.created_at), 'updated_at', pb_ts(c.updated_at),
        'version', c.version)
$$;

CREATE FUNCTION pb_json(k contacts) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', k.id, 'child_id', k.child_id,
        'person_id', k.person_id, 'relationship', k.relationship,
        'has_parental_responsibility', k.has_parental_responsibility,
        'lives_with_child', k.lives_with_child, 'created_at', pb_ts(k.created_at))
$$;

CREATE FUNCTION pb_json(p plans) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', p.id, 'child_id', p.child_id, 'status', p.status,
        'assessment_agreed_on', p.assessment_agreed_on, 'issued_on', p.issued_on,
        'next_review_due', p.next_review_due, 'ceased_on', p.ceased_on,
        'status_history', (SELECT coalesce(json_agg(json_build_object(
                'status', h.status, 'effective_from', h.effective_from,
                'changed_by', h.changed_by, 'changed_at', pb_ts(h.changed_at))
                ORDER BY h.seq), '[]'::json)
            FROM plan_status_history h WHERE h.la = p.la AND h.plan_id = p.id),
        'created_at', pb_ts(p.created_at), 'updated_at', pb_ts(p.updated_at),
        'version', p.version)
$$;

CREATE FUNCTION pb_json(a audit_log) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', a.id, 'seq', a.seq, 'at', pb_ts(a.at),
        'actor_sub', a.actor_sub, 'action', a.action, 'entity_type', a.entity_type,
        'entity_id', a.entity_id, 'request_id', a.request_id, 'changes', a.changes)
$$;

CREATE FUNCTION pb_json(e events) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('seq', e.seq, 'id', e.id, 'at', pb_ts(e.at),
        'type', e.type, 'entity_type', e.entity_type, 'entity_id', e.entity_id,
        'request_id', e.request_id, 'payload', e.payload)
$$;
