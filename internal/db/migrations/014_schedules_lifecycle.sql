-- 014_schedules_lifecycle: payment schedules get a lifecycle (issue 15,
-- section 3): listed with their next due date, amended (amount, end date)
-- under If-Match, stopped with a reason; termly schedules (PAY-21) on the
-- term dates each council sets per academic year; a cap so a schedule
-- never pays more than the element held when it was set up; and the
-- instalments materialise skipped, stored with their reason.
--
-- The database holds the lines C draws first:
--   * a stopped schedule materialises nothing (an instalment insert naming
--     it is refused), however a materialiser races the stop;
--   * a capped schedule's live instalments (every status but cancelled and
--     failed) never total more than its cap;
--   * a stop is final: stopped_at, stopped_by, stop_reason are set once,
--     together, and never cleared.
-- Lock order (004's): budget FOR SHARE → element FOR UPDATE → schedule
-- FOR UPDATE → payments → audit and event.  The instalment trigger locks
-- the schedule row FOR SHARE: a materialiser holding the element already
-- comes after any stop that holds it.

-- ---------------------------------------------------------------- term dates
-- One row per council and academic year (1 August of academic_year to 31
-- July of the next): the start date of each term, ascending.
CREATE TABLE term_dates (
    la             text        NOT NULL,
    id             uuid        NOT NULL,
    academic_year  integer     NOT NULL CHECK (academic_year BETWEEN 2000 AND 2199),
    term_starts    date[]      NOT NULL CHECK (cardinality(term_starts) BETWEEN 1 AND 6),
    updated_by     text        NOT NULL CHECK (length(updated_by) BETWEEN 1 AND 256),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    version        integer     NOT NULL DEFAULT 1,
    PRIMARY KEY (la, id),
    UNIQUE (la, academic_year)
);

-- every term start inside its academic year, strictly ascending
CREATE FUNCTION pb_term_dates_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    prev date;
    d date;
BEGIN
    FOREACH d IN ARRAY NEW.term_starts LOOP
        IF d IS NULL OR d < make_date(NEW.academic_year, 8, 1)
           OR d > make_date(NEW.academic_year + 1, 7, 31) THEN
            RAISE EXCEPTION 'term start % is outside academic year %', d, NEW.academic_year
                USING ERRCODE = 'check_violation';
        END IF;
        IF prev IS NOT NULL AND d <= prev THEN
            RAISE EXCEPTION 'term starts must ascend' USING ERRCODE = 'check_violation';
        END IF;
        prev := d;
    END LOOP;
    RETURN NEW;
END $$;
CREATE TRIGGER term_dates_guard BEFORE INSERT OR UPDATE ON term_dates
    FOR EACH ROW EXECUTE FUNCTION pb_term_dates_guard();

CREATE FUNCTION pb_json(t term_dates) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', t.id,
        'academic_year', t.academic_year || '-' || lpad(((t.academic_year + 1) % 100)::text, 2, '0'),
        'term_starts', to_json(t.term_starts), 'updated_by', t.updated_by,
        'updated_at', pb_ts(t.updated_at), 'version', t.version)
$$;

-- ---------------------------------------------------------------- schedules
ALTER TABLE payment_schedules DROP CONSTRAINT payment_schedules_frequency_check;
ALTER TABLE payment_schedules
    ADD CONSTRAINT payment_schedules_frequency_check CHECK (frequency IN
        ('weekly', 'four_weekly', 'monthly', 'quarterly', 'termly')),
    -- cap_to_remaining: the most the schedule's live instalments may total
    ADD COLUMN cap_pence    bigint CHECK (cap_pence >= 0 AND cap_pence <= 100000000000),
    ADD COLUMN stopped_at   timestamptz,
    ADD COLUMN stopped_by   text CHECK (length(stopped_by) BETWEEN 1 AND 256),
    ADD COLUMN stopped_on   date,
    ADD COLUMN stop_reason  text CHECK (length(stop_reason) BETWEEN 1 AND 1000),
    ADD CONSTRAINT payment_schedules_stop_whole CHECK (
        (stopped_at IS NULL) = (stopped_by IS NULL) AND (stopped_at IS NULL) = (stopped_on IS NULL)
        AND (stopped_at IS NULL) = (stop_reason IS NULL));
CREATE INDEX payment_schedules_by_la ON payment_schedules (la, created_at, id);

CREATE FUNCTION pb_schedule_stop_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.stopped_at IS NOT NULL AND
       (NEW.stopped_at, NEW.stopped_by, NEW.stopped_on, NEW.stop_reason, NEW.amount_pence,
        NEW.end_date, NEW.cap_pence)
       IS DISTINCT FROM
       (OLD.stopped_at, OLD.stopped_by, OLD.stopped_on, OLD.stop_reason, OLD.amount_pence,
        OLD.end_date, OLD.cap_pence) THEN
        RAISE EXCEPTION 'schedule % is stopped: it is never changed again', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER payment_schedules_stop_guard BEFORE UPDATE ON payment_schedules
    FOR EACH ROW EXECUTE FUNCTION pb_schedule_stop_guard();

-- The instalments of a schedule: none once it is stopped, never over its cap.
CREATE FUNCTION pb_schedule_instalment_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s payment_schedules;
    live bigint;
BEGIN
    SELECT * INTO s FROM payment_schedules WHERE la = NEW.la AND id = NEW.schedule_id FOR SHARE;
    IF s.stopped_at IS NOT NULL THEN
        RAISE EXCEPTION 'schedule % is stopped: no instalment is created', s.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'payment_schedules_stopped';
    END IF;
    IF s.cap_pence IS NOT NULL THEN
        SELECT coalesce(sum(p.amount_pence), 0) INTO live FROM payments p
        WHERE p.la = NEW.la AND p.schedule_id = NEW.schedule_id
          AND p.status NOT IN ('cancelled', 'failed');
        IF live + NEW.amount_pence > s.cap_pence THEN
            RAISE EXCEPTION 'schedule % would pay % over its cap of %', s.id,
                live + NEW.amount_pence, s.cap_pence
                USING ERRCODE = 'check_violation', CONSTRAINT = 'payment_schedules_cap';
        END IF;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER payments_schedule_guard BEFORE INSERT ON payments
    FOR EACH ROW WHEN (NEW.schedule_id IS NOT NULL)
    EXECUTE FUNCTION pb_schedule_instalment_guard();

-- ---------------------------------------------------------------- skipped
-- An instalment materialise could not create, once per (schedule, due
-- date): the latest reason, how often it was tried, and the payment made
-- when a later run succeeded.
CREATE TABLE schedule_skips (
    la                   text        NOT NULL,
    id                   uuid        NOT NULL,
    schedule_id          uuid        NOT NULL,
    due_date             date        NOT NULL,
    reason               text        NOT NULL CHECK (reason ~ '^[A-Z_]{1,40}$'),
    rule                 text        CHECK (length(rule) BETWEEN 1 AND 15),
    detail               text        NOT NULL CHECK (length(detail) BETWEEN 1 AND 500),
    attempts             integer     NOT NULL DEFAULT 1 CHECK (attempts >= 1),
    first_recorded_at    timestamptz NOT NULL DEFAULT now(),
    recorded_at          timestamptz NOT NULL DEFAULT now(),
    resolved_payment_id  uuid,
    PRIMARY KEY (la, id),
    UNIQUE (la, schedule_id, due_date),
    FOREIGN KEY (la, schedule_id) REFERENCES payment_schedules (la, id),
    FOREIGN KEY (la, resolved_payment_id) REFERENCES payments (la, id)
);

CREATE FUNCTION pb_json(k schedule_skips) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', k.id, 'schedule_id', k.schedule_id, 'due_date', k.due_date,
        'reason', k.reason, 'rule', k.rule, 'detail', k.detail, 'attempts', k.attempts,
        'first_recorded_at', pb_ts(k.first_recorded_at), 'recorded_at', pb_ts(k.recorded_at),
        'resolved_payment_id', k.resolved_payment_id)
$$;

-- ---------------------------------------------------------------- reads
-- The due dates of s on or before p_last (from the start each time, as
-- rules.c pb_pay_schedule_nth: monthly from 31 January is 28/29 February;
-- termly: the council's term starts on or after the start).
CREATE FUNCTION pb_schedule_dates(s payment_schedules, p_last date) RETURNS SETOF date
    LANGUAGE sql STABLE AS $$
    SELECT x.d FROM (
        SELECT CASE s.frequency
                 WHEN 'weekly' THEN s.start_date + 7 * n
                 WHEN 'four_weekly' THEN s.start_date + 28 * n
                 WHEN 'monthly' THEN (s.start_date + make_interval(months => n))::date
                 ELSE (s.start_date + make_interval(months => 3 * n))::date
               END AS d
        FROM generate_series(0, greatest(0, (p_last - s.start_date) / 7 + 1)) n
        WHERE s.frequency <> 'termly'
        UNION ALL
        SELECT t FROM term_dates td, unnest(td.term_starts) t
        WHERE s.frequency = 'termly' AND td.la = s.la AND t >= s.start_date) x
    WHERE x.d <= p_last
$$;

-- active | ended (its last day, or its budget's period, is past; or the
-- budget is closed) | stopped
CREATE FUNCTION pb_schedule_status(s payment_schedules) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN s.stopped_at IS NOT NULL THEN 'stopped'
                WHEN b.status = 'closed' OR least(s.end_date, b.period_end)
                     < (now() AT TIME ZONE 'UTC')::date THEN 'ended'
                ELSE 'active' END
    FROM budgets b WHERE b.la = s.la AND b.id = s.budget_id
$$;

-- The first due date not materialised yet (null: none is left — ended,
-- stopped, or the cap is reached).
CREATE FUNCTION pb_schedule_next_due(s payment_schedules) RETURNS date LANGUAGE sql STABLE AS $$
    SELECT min(d) FROM budgets b, pb_schedule_dates(s, least(s.end_date, b.period_end)) d
    WHERE b.la = s.la AND b.id = s.budget_id AND s.stopped_at IS NULL
      AND (s.cap_pence IS NULL OR s.cap_pence > (SELECT coalesce(sum(p.amount_pence), 0)
           FROM payments p WHERE p.la = s.la AND p.schedule_id = s.id
           AND p.status NOT IN ('cancelled', 'failed')))
      AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.la = s.la AND p.schedule_id = s.id
                      AND p.due_date = d)
$$;

CREATE OR REPLACE FUNCTION pb_json(s payment_schedules) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', s.id, 'budget_id', s.budget_id,
        'element_id', s.element_id, 'payee_id', s.payee_id,
        'amount_pence', s.amount_pence, 'frequency', s.frequency,
        'start_date', s.start_date, 'end_date', s.end_date,
        'status', pb_schedule_status(s), 'cap_pence', s.cap_pence,
        'next_due', pb_schedule_next_due(s),
        'materialised_count', (SELECT count(*) FROM payments p
            WHERE p.la = s.la AND p.schedule_id = s.id),
        'last_materialised_due_date', (SELECT max(p.due_date) FROM payments p
            WHERE p.la = s.la AND p.schedule_id = s.id),
        'instalments_total_pence', (SELECT coalesce(sum(p.amount_pence), 0) FROM payments p
            WHERE p.la = s.la AND p.schedule_id = s.id AND p.status NOT IN ('cancelled', 'failed')),
        'skipped_count', (SELECT count(*) FROM schedule_skips k
            WHERE k.la = s.la AND k.schedule_id = s.id AND k.resolved_payment_id IS NULL),
        'stopped_on', s.stopped_on, 'stopped_by', s.stopped_by, 'stop_reason', s.stop_reason,
        'stopped_at', pb_ts(s.stopped_at),
        'created_by', s.created_by, 'created_at', pb_ts(s.created_at),
        'updated_at', pb_ts(s.updated_at), 'version', s.version)
$$;
