-- 022_review_due: GET /v1/reviews/due as an index range (issue 16, parts 6
-- and 8).
--
-- The rule that says when a direct payment's next review falls (PAY-13,
-- PAY-14, PAY-22) stays in C: internal/budgets/rules.c
-- pb_agreement_next_review.  Its answer for each direct-payment element is
-- kept in review_due, so the council-wide queue reads only the rows due by
-- the asked day instead of recomputing every live direct payment.
--
-- SQL says only which kept answers are out of date: a trigger queues the
-- element in review_due_dirty whenever a fact the rule reads may have
-- changed —
--   a payment entering or leaving 'exported'/'paid' (the first payment),
--   a review recorded,
--   the plan's next review,
--   the element's arrangement, status or stream (and a new element),
--   the budget's status, plan or child, the child's date of birth —
-- and the daemon recomputes the queued ones (and those whose answer lapses
-- with the day: holds_until, a child's 18th birthday for social care,
-- pb_agreement_review_holds_until) before it lists, under a per-council
-- advisory lock (internal/budgets/store.c pb_budget_store_review_refresh).
-- Only live direct payments (element active, budget approved or suspended)
-- have an answer kept.  Queueing is idempotent and takes no lock on the element, so it adds no
-- lock order to the payment paths.  Both tables are derived: deleting
-- every row of review_due and queueing every element rebuilds them.

CREATE TABLE review_due_dirty (
    la          text NOT NULL,
    element_id  uuid NOT NULL,
    PRIMARY KEY (la, element_id)
);

CREATE TABLE review_due (
    la          text NOT NULL,
    element_id  uuid NOT NULL,
    due_on      date,             -- NULL: none scheduled (kept while holds_until is set)
    rule        text NOT NULL CHECK (rule IN ('PAY-13', 'PAY-14', 'PAY-22')),
    basis       text NOT NULL CHECK (basis IN ('first_payment', 'last_review', 'plan_review')),
    holds_until date,             -- recompute on this day; NULL: only a fact can move it
    PRIMARY KEY (la, element_id)
);
CREATE INDEX review_due_by_date ON review_due (la, due_on, element_id) WHERE due_on IS NOT NULL;
CREATE INDEX review_due_lapsing ON review_due (la, holds_until) WHERE holds_until IS NOT NULL;

CREATE FUNCTION pb_review_due_queue(p_la text, p_element uuid) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO review_due_dirty (la, element_id) VALUES (p_la, p_element)
    ON CONFLICT DO NOTHING
$$;

CREATE FUNCTION pb_review_due_on_payment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.status IN ('exported', 'paid')) IS DISTINCT FROM
       (TG_OP = 'UPDATE' AND OLD.status IN ('exported', 'paid')) THEN
        PERFORM pb_review_due_queue(NEW.la, NEW.element_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER payments_review_due AFTER INSERT OR UPDATE OF status ON payments
    FOR EACH ROW EXECUTE FUNCTION pb_review_due_on_payment();

CREATE FUNCTION pb_review_due_on_review() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pb_review_due_queue(NEW.la, NEW.element_id);
    RETURN NULL;
END $$;
CREATE TRIGGER agreement_reviews_review_due AFTER INSERT ON agreement_reviews
    FOR EACH ROW EXECUTE FUNCTION pb_review_due_on_review();

CREATE FUNCTION pb_review_due_on_element() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.arrangement = 'direct_payment' OR
       (TG_OP = 'UPDATE' AND OLD.arrangement = 'direct_payment') THEN
        PERFORM pb_review_due_queue(NEW.la, NEW.id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER budget_elements_review_due
    AFTER INSERT OR UPDATE OF arrangement, status, stream ON budget_elements
    FOR EACH ROW EXECUTE FUNCTION pb_review_due_on_element();

-- the direct-payment elements of the budgets a plan, a child or a budget names
CREATE FUNCTION pb_review_due_queue_budgets(p_la text, p_plan uuid, p_child uuid, p_budget uuid)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO review_due_dirty (la, element_id)
    SELECT e.la, e.id FROM budgets b
    JOIN budget_elements e ON e.la = b.la AND e.budget_id = b.id
    WHERE b.la = p_la AND e.arrangement = 'direct_payment'
      AND (b.plan_id = p_plan OR b.child_id = p_child OR b.id = p_budget)
    ON CONFLICT DO NOTHING
$$;

CREATE FUNCTION pb_review_due_on_plan() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pb_review_due_queue_budgets(NEW.la, NEW.id, NULL, NULL);
    RETURN NULL;
END $$;
CREATE TRIGGER plans_review_due AFTER UPDATE OF next_review_due ON plans
    FOR EACH ROW WHEN (OLD.next_review_due IS DISTINCT FROM NEW.next_review_due)
    EXECUTE FUNCTION pb_review_due_on_plan();

CREATE FUNCTION pb_review_due_on_child() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pb_review_due_queue_budgets(NEW.la, NULL, NEW.id, NULL);
    RETURN NULL;
END $$;
CREATE TRIGGER children_review_due AFTER UPDATE OF date_of_birth ON children
    FOR EACH ROW WHEN (OLD.date_of_birth IS DISTINCT FROM NEW.date_of_birth)
    EXECUTE FUNCTION pb_review_due_on_child();

CREATE FUNCTION pb_review_due_on_budget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pb_review_due_queue_budgets(NEW.la, NULL, NULL, NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER budgets_review_due AFTER UPDATE OF status, plan_id, child_id ON budgets
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
                    OR OLD.plan_id IS DISTINCT FROM NEW.plan_id
                    OR OLD.child_id IS DISTINCT FROM NEW.child_id)
    EXECUTE FUNCTION pb_review_due_on_budget();

-- every direct payment there is now: computed on the first GET /v1/reviews/due
INSERT INTO review_due_dirty (la, element_id)
SELECT la, id FROM budget_elements WHERE arrangement = 'direct_payment';
