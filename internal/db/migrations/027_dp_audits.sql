-- 027_dp_audits: audits of direct-payment accounts, and the spend counted
-- as evidenced in the PAY-19 surplus (issue 17, section 2; docs/monitoring.md).
--
-- An audit records what the council found when it looked at a direct
-- payment's account for a period: the balance it saw, the spend it found
-- evidenced there that no accepted spend return already counts, and its
-- findings.  Audits are append-only: a correction is a new audit.
--
-- Evidenced spend (pb_element_evidenced) = the accepted spend returns'
-- evidenced_pence (agreed provision only, PAY-9) + the audits'
-- evidenced_spend_pence.  The surplus (internal/payments/rules.c
-- pb_pay_surplus) holds what was paid, less recoveries, less that.

CREATE TABLE dp_audits (
    la                     text        NOT NULL CHECK (la ~ '^[A-Z][0-9]{8}$'),
    id                     uuid        NOT NULL,
    budget_id              uuid        NOT NULL,
    element_id             uuid        NOT NULL,
    period_start           date        NOT NULL,
    period_end             date        NOT NULL CHECK (period_end >= period_start),
    balance_seen_pence     bigint      NOT NULL CHECK (balance_seen_pence BETWEEN 0 AND 100000000000),
    evidenced_spend_pence  bigint      NOT NULL CHECK (evidenced_spend_pence BETWEEN 0 AND 100000000000),
    findings               text        NOT NULL CHECK (length(findings) BETWEEN 1 AND 4000),
    audited_by             text        NOT NULL CHECK (length(audited_by) BETWEEN 1 AND 256),
    audited_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la, id),
    FOREIGN KEY (la, budget_id, element_id) REFERENCES budget_elements (la, budget_id, id)
);
CREATE INDEX dp_audits_by_element ON dp_audits (la, element_id, period_start DESC, id);
CREATE TRIGGER dp_audits_append_only BEFORE UPDATE OR DELETE ON dp_audits
    FOR EACH ROW EXECUTE FUNCTION pb_refuse_change();
CREATE TRIGGER dp_audits_no_truncate BEFORE TRUNCATE ON dp_audits
    FOR EACH STATEMENT EXECUTE FUNCTION pb_refuse_change();

CREATE FUNCTION pb_dp_audit_json(a dp_audits) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', a.id, 'budget_id', a.budget_id, 'element_id', a.element_id,
        'period_start', a.period_start, 'period_end', a.period_end,
        'balance_seen_pence', a.balance_seen_pence,
        'evidenced_spend_pence', a.evidenced_spend_pence, 'findings', a.findings,
        'audited_by', a.audited_by, 'audited_at', pb_ts(a.audited_at))
$$;

CREATE FUNCTION pb_element_evidenced(p_la text, p_element uuid) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT sum(r.evidenced_pence) FROM spend_returns r
                     WHERE r.la = p_la AND r.element_id = p_element AND r.status = 'accepted'), 0)
         + coalesce((SELECT sum(a.evidenced_spend_pence) FROM dp_audits a
                     WHERE a.la = p_la AND a.element_id = p_element), 0)
$$;
