-- 016_agreement_lifecycle: the direct-payment agreement's life (issue 15,
-- section 6; domain.md §4 "DP agreement", PAY-6, PAY-8, PAY-13, PAY-14,
-- PAY-22).
--
-- The agreement lives on its element (003: agreed_provision, outcomes,
-- signed_on, school_premises, head_teacher_agreed_on).  Its state is
-- derived, never stored, so it cannot drift from the facts it sums up:
--
--   proposed  the budget is a draft, or the agreement is not signed (PAY-8)
--   agreed    signed, the budget approved, nothing paid out yet
--   active    a payment has been exported or paid
--   reduced   active, and a variation applied since reduced it (BUD-8)
--   stopping  a stop (PAY-17) or a variation ending it is in notice or
--             reconsideration
--   stopped   the element is stopped (PAY-16, PAY-17, BUD-8)
--
-- Reviews (PAY-13 health, PAY-14 SEN, PAY-22 adult social care) are
-- recorded against it; the next one is due by the rule of its stream
-- (internal/budgets/rules.c pb_agreement_next_review).  The head teacher's
-- agreement to provision on school premises (PAY-6) may be withdrawn from a
-- day on: nothing for that provision is paid for days from then, until a
-- new agreement is recorded.

ALTER TABLE budget_elements
    ADD COLUMN head_teacher_withdrawn_on      date,
    ADD COLUMN head_teacher_withdrawal_reason text CHECK (length(head_teacher_withdrawal_reason)
                                                 BETWEEN 1 AND 2000),
    ADD CONSTRAINT budget_elements_head_teacher_withdrawal CHECK (
        (head_teacher_withdrawn_on IS NULL) = (head_teacher_withdrawal_reason IS NULL)
        AND (head_teacher_withdrawn_on IS NULL OR (school_premises
             AND head_teacher_agreed_on IS NOT NULL
             AND head_teacher_withdrawn_on >= head_teacher_agreed_on)));

CREATE TABLE agreement_reviews (
    la           text        NOT NULL,
    id           uuid        NOT NULL,
    budget_id    uuid        NOT NULL,
    element_id   uuid        NOT NULL,
    reviewed_on  date        NOT NULL,
    -- the rule the review was held under, or at the family's request (PAY-14)
    basis        text        NOT NULL CHECK (basis IN ('PAY-13', 'PAY-14', 'PAY-22', 'requested')),
    outcome      text        NOT NULL CHECK (outcome IN ('continue', 'reduce', 'stop')),
    -- PAY-15: the checks a review answers
    still_appropriate  boolean NOT NULL,
    used_effectively   boolean NOT NULL,
    sufficient         boolean NOT NULL,
    pay5_conditions_met boolean NOT NULL,
    compliant          boolean NOT NULL,
    notes        text        NOT NULL CHECK (length(notes) BETWEEN 1 AND 2000),
    recorded_by  text        NOT NULL CHECK (length(recorded_by) BETWEEN 1 AND 256),
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la, id),
    FOREIGN KEY (la, budget_id, element_id) REFERENCES budget_elements (la, budget_id, id),
    -- a direct payment goes on unchanged only when every check is met
    CONSTRAINT agreement_reviews_pay15 CHECK (outcome <> 'continue' OR (still_appropriate
        AND used_effectively AND sufficient AND pay5_conditions_met AND compliant))
);
CREATE INDEX agreement_reviews_by_element ON agreement_reviews (la, element_id, reviewed_on);
CREATE TRIGGER agreement_reviews_append_only BEFORE UPDATE OR DELETE ON agreement_reviews
    FOR EACH ROW EXECUTE FUNCTION pb_append_only();

-- The agreement's state (see the header).
CREATE FUNCTION pb_agreement_state(e budget_elements) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN e.status = 'stopped' THEN 'stopped'
        WHEN EXISTS (SELECT 1 FROM budget_variations v JOIN budget_variation_lines l
                     ON l.la = v.la AND l.variation_id = v.id
                     WHERE v.la = e.la AND v.budget_id = e.budget_id AND l.element_id = e.id
                       AND v.status IN ('notice', 'reconsideration') AND l.kind = 'end')
            THEN 'stopping'
        WHEN e.budget_status = 'draft' OR e.signed_on IS NULL THEN 'proposed'
        WHEN NOT EXISTS (SELECT 1 FROM payments p WHERE p.la = e.la AND p.element_id = e.id
                         AND p.status IN ('exported', 'paid')) THEN 'agreed'
        WHEN EXISTS (SELECT 1 FROM budget_variations v JOIN budget_variation_lines l
                     ON l.la = v.la AND l.variation_id = v.id
                     WHERE v.la = e.la AND v.budget_id = e.budget_id AND l.element_id = e.id
                       AND v.status = 'applied' AND l.kind = 'change'
                       AND l.new_allocated_pence < l.old_allocated_pence) THEN 'reduced'
        ELSE 'active' END
$$;

-- The agreement as GET .../agreement shows it (the next review is added by
-- the service: its rule is C's).
CREATE FUNCTION pb_agreement_json(e budget_elements) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('element_id', e.id, 'budget_id', e.budget_id,
        'state', pb_agreement_state(e), 'stream', e.stream, 'service_type', e.service_type,
        'agreed_provision', e.agreed_provision, 'outcomes', to_json(e.outcomes),
        'signed_on', e.signed_on, 'school_premises', e.school_premises,
        'head_teacher_agreed_on', e.head_teacher_agreed_on,
        'head_teacher_withdrawn_on', e.head_teacher_withdrawn_on,
        'head_teacher_withdrawal_reason', e.head_teacher_withdrawal_reason,
        'first_payment_on', (SELECT min(p.due_date) FROM payments p WHERE p.la = e.la
            AND p.element_id = e.id AND p.status IN ('exported', 'paid')),
        'stopped_rule', e.stopped_rule, 'stopped_on', e.stopped_on,
        'reviews', (SELECT coalesce(json_agg(json_build_object('id', r.id,
                'reviewed_on', r.reviewed_on, 'basis', r.basis, 'outcome', r.outcome,
                'checks', json_build_object('still_appropriate', r.still_appropriate,
                    'used_effectively', r.used_effectively, 'sufficient', r.sufficient,
                    'pay5_conditions_met', r.pay5_conditions_met, 'compliant', r.compliant),
                'notes', r.notes, 'recorded_by', r.recorded_by,
                'recorded_at', pb_ts(r.recorded_at)) ORDER BY r.reviewed_on, r.recorded_at),
                '[]'::json)
            FROM agreement_reviews r WHERE r.la = e.la AND r.element_id = e.id))
$$;
