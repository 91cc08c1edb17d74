-- 008_visibility: one definition of "may this caller see this child's
-- records" for every store.  p_person is the family caller's person id, or
-- NULL for staff (who see their council's rows; la is filtered by the
-- caller's own query).  A family sees a child it is a contact of.  A plain
-- SQL function, STABLE and not STRICT, so the planner inlines it into the
-- calling query (the EXISTS stays one index probe on contacts_by_person).
CREATE FUNCTION pb_child_visible(p_la text, p_child uuid, p_person uuid)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT p_person IS NULL OR EXISTS (SELECT 1 FROM contacts k
        WHERE k.la = p_la AND k.child_id = p_child AND k.person_id = p_person)
$$;
