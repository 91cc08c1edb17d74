-- 006_cached_json_plans: render resources with plans cached per connection.
--
-- PostgreSQL never inlines a SQL function whose body has a FROM clause or a
-- sub-select, so each pb_json() with one ran as a separate SQL function whose
-- statements were planned again on every call (a budget read, which renders
-- the budget and each element, took about 1.6 ms of database time on the
-- bench data set).  PL/pgSQL caches the plan of each statement for the life
-- of the connection, so the same documents, written as PL/pgSQL returning
-- the same expression, are planned once per pooled connection.  The
-- documents themselves do not change.

CREATE OR REPLACE FUNCTION pb_json(p plans) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT json_build_object('id', p.id, 'child_id', p.child_id, 'status', p.status,
        'assessment_agreed_on', p.assessment_agreed_on, 'issued_on', p.issued_on,
        'next_review_due', p.next_review_due, 'ceased_on', p.ceased_on,
        'status_history', (SELECT coalesce(json_agg(json_build_object(
                'status', h.status, 'effective_from', h.effective_from,
                'changed_by', h.changed_by, 'changed_at', pb_ts(h.changed_at))
                ORDER BY h.seq), '[]'::json)
            FROM plan_status_history h WHERE h.la = p.la AND h.plan_id = p.id),
        'created_at', pb_ts(p.created_at), 'updated_at', pb_ts(p.updated_at),
        'version', p.version));
END
$$;

CREATE OR REPLACE FUNCTION pb_json(r budget_requests) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT json_build_object('id', r.id, 'child_id', r.child_id,
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
    FROM eligibility_checks c WHERE c.la = r.la AND c.id = r.check_id);
END
$$;

CREATE OR REPLACE FUNCTION pb_json(e budget_elements) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT json_build_object('id', e.id, 'stream', e.stream, 'service_type', e.service_type,
        'arrangement', e.arrangement,
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
            FROM budget_element_exceptions x WHERE x.la = e.la AND x.element_id = e.id)));
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
        'version', b.version)
    FROM (SELECT coalesce(sum(e.allocated_pence), 0)::bigint AS allocated,
                 coalesce(sum(e.committed_pence), 0)::bigint AS committed,
                 coalesce(sum(e.spent_pence), 0)::bigint AS spent
          FROM budget_elements e WHERE e.la = b.la AND e.budget_id = b.id) t);
END
$$;

CREATE OR REPLACE FUNCTION pb_json(p payments) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT json_build_object('id', p.id, 'budget_id', p.budget_id,
        'element_id', p.element_id, 'payee_id', p.payee_id,
        'payee_name', (SELECT y.name FROM payees y WHERE y.la = p.la AND y.id = p.payee_id),
        'amount_pence', p.amount_pence, 'purpose', p.purpose,
        'description', p.description, 'due_date', p.due_date, 'status', p.status,
        'schedule_id', p.schedule_id, 'run_id', p.run_id,
        'created_by', p.created_by, 'approved_by', p.approved_by,
        'approved_at', pb_ts(p.approved_at), 'cancelled_by', p.cancelled_by,
        'cancel_reason', p.cancel_reason, 'exported_at', pb_ts(p.exported_at),
        'settled_at', pb_ts(p.settled_at), 'failure_reason', p.failure_reason,
        'created_at', pb_ts(p.created_at), 'updated_at', pb_ts(p.updated_at),
        'version', p.version));
END
$$;

CREATE OR REPLACE FUNCTION pb_json(s payment_schedules) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT json_build_object('id', s.id, 'budget_id', s.budget_id,
        'element_id', s.element_id, 'payee_id', s.payee_id,
        'amount_pence', s.amount_pence, 'frequency', s.frequency,
        'start_date', s.start_date, 'end_date', s.end_date,
        'materialised_count', (SELECT count(*) FROM payments p
            WHERE p.la = s.la AND p.schedule_id = s.id),
        'last_materialised_due_date', (SELECT max(p.due_date) FROM payments p
            WHERE p.la = s.la AND p.schedule_id = s.id),
        'created_by', s.created_by, 'created_at', pb_ts(s.created_at),
        'updated_at', pb_ts(s.updated_at), 'version', s.version));
END
$$;

CREATE OR REPLACE FUNCTION pb_json(r payment_runs) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT json_build_object('id', r.id, 'due_on_or_before', r.due_on_or_before,
        'payment_count', r.payment_count, 'total_pence', r.total_pence,
        'exported_count', t.exported, 'paid_count', t.paid, 'failed_count', t.failed,
        'paid_pence', t.paid_pence, 'failed_pence', t.failed_pence,
        'missing_bank_count', t.missing_bank,
        'created_by', r.created_by, 'created_at', pb_ts(r.created_at),
        'updated_at', pb_ts(r.updated_at), 'version', r.version)
    FROM (SELECT count(*) FILTER (WHERE p.status = 'exported') AS exported,
                 count(*) FILTER (WHERE p.status = 'paid') AS paid,
                 count(*) FILTER (WHERE p.status = 'failed') AS failed,
                 coalesce(sum(p.amount_pence) FILTER (WHERE p.status = 'paid'), 0)::bigint
                     AS paid_pence,
                 coalesce(sum(p.amount_pence) FILTER (WHERE p.status = 'failed'), 0)::bigint
                     AS failed_pence,
                 count(*) FILTER (WHERE y.bank_sort_code IS NULL) AS missing_bank
          FROM payments p JOIN payees y ON y.la = p.la AND y.id = p.payee_id
          WHERE p.la = r.la AND p.run_id = r.id) t);
END
$$;
