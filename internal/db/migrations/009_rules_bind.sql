-- 009_rules_bind: the facts the rules need at every state change they
-- govern (docs/rules.md), and the records of what a change stopped.

-- ELIG-1 / ELIG-10: only an education element needs an EHC plan, so a
-- social-care or health budget may have none (the foreign key is then not
-- checked: MATCH SIMPLE).
ALTER TABLE budgets ALTER COLUMN plan_id DROP NOT NULL;

-- PAY-3: consent to direct payments, withdrawn in writing; contacts change
-- (PATCH, If-Match), so they carry a version and when they last changed.
ALTER TABLE contacts
    ADD COLUMN consent_withdrawn boolean     NOT NULL DEFAULT false,
    ADD COLUMN version           integer     NOT NULL DEFAULT 1,
    ADD COLUMN updated_at        timestamptz NOT NULL DEFAULT now();

CREATE OR REPLACE FUNCTION pb_json(k contacts) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', k.id, 'child_id', k.child_id,
        'person_id', k.person_id, 'relationship', k.relationship,
        'has_parental_responsibility', k.has_parental_responsibility,
        'lives_with_child', k.lives_with_child,
        'nominated_in_writing', k.nominated_in_writing,
        'dp_excluded', k.dp_excluded, 'lacks_capacity', k.lacks_capacity,
        'consent_withdrawn', k.consent_withdrawn,
        'created_at', pb_ts(k.created_at), 'updated_at', pb_ts(k.updated_at),
        'version', k.version)
$$;

-- PLAN-5: a plan is ceased after the notice to cease and the 2-month
-- appeal window it opens.
ALTER TABLE plans
    ADD COLUMN cease_notice_on       date,
    ADD COLUMN appeal_window_ends_on date,
    ADD CONSTRAINT plans_appeal_window CHECK (ceased_on IS NULL OR appeal_window_ends_on IS NULL
        OR ceased_on >= appeal_window_ends_on);

-- PAY-16: a direct-payment element stopped because its recipient no longer
-- qualifies (consent withdrawn, excluded, lacks capacity, ...).
-- ledger_version counts the ledger's changes to the element's totals, so a
-- budget's ETag moves when its money does (pb_budget_version).
ALTER TABLE budget_elements
    ADD COLUMN status         text   NOT NULL DEFAULT 'active'
                              CHECK (status IN ('active', 'stopped')),
    ADD COLUMN stopped_rule   text,
    ADD COLUMN stopped_reason text   CHECK (length(stopped_reason) <= 1000),
    ADD COLUMN stopped_on     date,
    ADD COLUMN ledger_version bigint NOT NULL DEFAULT 0,
    ADD CONSTRAINT budget_elements_stop CHECK ((status = 'stopped') =
        (stopped_rule IS NOT NULL AND stopped_on IS NOT NULL));

CREATE OR REPLACE FUNCTION pb_payments_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.element_id = NEW.element_id THEN
        IF OLD.status <> NEW.status OR OLD.amount_pence <> NEW.amount_pence THEN
            UPDATE budget_elements SET
                committed_pence = committed_pence
                    - pb_payment_committed(OLD.status, OLD.amount_pence)
                    + pb_payment_committed(NEW.status, NEW.amount_pence),
                spent_pence = spent_pence
                    - pb_payment_spent(OLD.status, OLD.amount_pence)
                    + pb_payment_spent(NEW.status, NEW.amount_pence),
                ledger_version = ledger_version + 1
            WHERE la = NEW.la AND id = NEW.element_id;
        END IF;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE budget_elements SET
            committed_pence = committed_pence - pb_payment_committed(OLD.status, OLD.amount_pence),
            spent_pence = spent_pence - pb_payment_spent(OLD.status, OLD.amount_pence),
            ledger_version = ledger_version + 1
        WHERE la = OLD.la AND id = OLD.element_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE budget_elements SET
            committed_pence = committed_pence + pb_payment_committed(NEW.status, NEW.amount_pence),
            spent_pence = spent_pence + pb_payment_spent(NEW.status, NEW.amount_pence),
            ledger_version = ledger_version + 1
        WHERE la = NEW.la AND id = NEW.element_id;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION pb_recoveries_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE budget_elements SET spent_pence = spent_pence - NEW.amount_pence,
        ledger_version = ledger_version + 1
    WHERE la = NEW.la AND id = NEW.element_id;
    RETURN NULL;
END $$;

-- A budget's ETag counter: its own version plus every ledger change of its
-- elements, so it moves exactly when the document (totals included) does.
CREATE FUNCTION pb_budget_version(b budgets) RETURNS bigint LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN b.version + (SELECT coalesce(sum(e.ledger_version), 0) FROM budget_elements e
        WHERE e.la = b.la AND e.budget_id = b.id);
END
$$;

CREATE OR REPLACE FUNCTION pb_json(e budget_elements) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT json_build_object('id', e.id, 'stream', e.stream, 'service_type', e.service_type,
        'arrangement', e.arrangement, 'status', e.status,
        'allocated_pence', e.allocated_pence, 'committed_pence', e.committed_pence,
        'spent_pence', e.spent_pence,
        'remaining_pence', e.allocated_pence - e.committed_pence - e.spent_pence,
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

CREATE OR REPLACE FUNCTION pb_json(b budgets) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT json_build_object('id', b.id, 'child_id', b.child_id, 'plan_id', b.plan_id,
        'request_id', b.request_id, 'status', b.status, 'arrangement', b.arrangement,
        'period_start', b.period_start, 'period_end', b.period_end,
        'allocated_pence', t.allocated, 'committed_pence', t.committed,
        'spent_pence', t.spent, 'remaining_pence', t.allocated - t.committed - t.spent,
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
          FROM budget_elements e WHERE e.la = b.la AND e.budget_id = b.id) t);
END
$$;

-- The plan, with the PLAN-5 dates and, once ceased, the payments already
-- with the bank that fall due after cessation: finance reviews them for
-- recovery (PAY-18).
CREATE OR REPLACE FUNCTION pb_json(p plans) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT json_build_object('id', p.id, 'child_id', p.child_id, 'status', p.status,
        'assessment_agreed_on', p.assessment_agreed_on, 'issued_on', p.issued_on,
        'next_review_due', p.next_review_due, 'ceased_on', p.ceased_on,
        'cease_notice_on', p.cease_notice_on, 'appeal_window_ends_on', p.appeal_window_ends_on,
        'recovery_review', CASE WHEN p.ceased_on IS NULL THEN '[]'::json ELSE
            (SELECT coalesce(json_agg(json_build_object('payment_id', q.id,
                'budget_id', q.budget_id, 'element_id', q.element_id, 'due_date', q.due_date,
                'amount_pence', q.amount_pence, 'status', q.status)
                ORDER BY q.due_date, q.id), '[]'::json)
             FROM budgets b JOIN payments q ON q.la = b.la AND q.budget_id = b.id
             WHERE b.la = p.la AND b.plan_id = p.id AND q.due_date > p.ceased_on
               AND q.status IN ('exported', 'paid')) END,
        'status_history', (SELECT coalesce(json_agg(json_build_object(
                'status', h.status, 'effective_from', h.effective_from,
                'changed_by', h.changed_by, 'changed_at', pb_ts(h.changed_at))
                ORDER BY h.seq), '[]'::json)
            FROM plan_status_history h WHERE h.la = p.la AND h.plan_id = p.id),
        'created_at', pb_ts(p.created_at), 'updated_at', pb_ts(p.updated_at),
        'version', p.version));
END
$$;

CREATE INDEX budgets_by_plan ON budgets (la, plan_id);
