-- 019_audit_filters: GET /v1/audit filtered by who, what and when (issue 16,
-- part 7), each an index range in seq order.
CREATE INDEX audit_by_actor ON audit_log (la, actor_sub, seq);
CREATE INDEX audit_by_action ON audit_log (la, action, seq);
CREATE INDEX audit_by_entity_type ON audit_log (la, entity_type, seq);
CREATE INDEX audit_by_time ON audit_log (la, at, seq);
