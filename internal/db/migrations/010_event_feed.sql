-- 010_event_feed: the events feed without a hot row.
--
-- Until now an event took its seq from its council's row in event_counters,
-- locked until the writing transaction committed, so every write of a council
-- queued behind the one before it, commit flush included.  Now a writer only
-- appends its event: pos from a sequence (drawn in any order), xid its
-- transaction.  The feed's seq — strictly increasing and gap-free within a
-- council — is given afterwards by pb_events_sequence() to the events of
-- transactions that have all ended: those whose xid is below the oldest
-- transaction still running (the snapshot's xmin, the visibility watermark).
-- No event can appear below that watermark later, and the feed rows of one
-- pass become visible at once, so a reader paging with `after` never sees
-- seq N+1 before N and never skips one.  pb_events_sequence(la) runs before
-- every feed read of that council, so an event is in
-- the feed as soon as its transaction and every older writing transaction
-- have ended.  events and event_feed are both append-only.  A long-running
-- writing transaction holds the watermark back: events after it wait for it
-- (they are never lost or reordered).

CREATE SEQUENCE events_pos_seq;
ALTER TABLE events ADD COLUMN pos bigint, ADD COLUMN xid xid8;

-- events written before: already in the feed with their seq; xid 0 is below
-- every watermark, so the sequencer never looks at them again
ALTER TABLE events DISABLE TRIGGER events_append_only;
UPDATE events e SET pos = o.n, xid = '0'
  FROM (SELECT la, seq, row_number() OVER (ORDER BY at, la, seq) AS n FROM events) o
 WHERE o.la = e.la AND o.seq = e.seq;
ALTER TABLE events ENABLE TRIGGER events_append_only;
SELECT setval('events_pos_seq', coalesce((SELECT max(pos) FROM events), 0) + 1, false);

CREATE TABLE event_feed (
    la  text   NOT NULL,
    seq bigint NOT NULL,
    pos bigint NOT NULL,
    PRIMARY KEY (la, seq),
    UNIQUE (la, pos)
);
INSERT INTO event_feed (la, seq, pos) SELECT la, seq, pos FROM events;

DROP FUNCTION pb_json(events);
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events DROP COLUMN seq;
ALTER TABLE events ALTER COLUMN pos SET DEFAULT nextval('events_pos_seq'),
                   ALTER COLUMN pos SET NOT NULL,
                   ALTER COLUMN xid SET DEFAULT pg_current_xact_id(),
                   ALTER COLUMN xid SET NOT NULL,
                   ADD PRIMARY KEY (la, pos);
ALTER SEQUENCE events_pos_seq OWNED BY events.pos;
CREATE INDEX events_by_xid ON events (la, xid);
ALTER TABLE event_feed ADD FOREIGN KEY (la, pos) REFERENCES events (la, pos);

-- Each council's counter row now belongs to the sequencer alone: the last
-- seq given and the watermark its last pass numbered up to.
ALTER TABLE event_counters ADD COLUMN horizon xid8 NOT NULL DEFAULT '1';

CREATE TRIGGER event_feed_append_only BEFORE UPDATE OR DELETE ON event_feed
    FOR EACH ROW EXECUTE FUNCTION pb_refuse_change();
CREATE TRIGGER event_feed_no_truncate BEFORE TRUNCATE ON event_feed
    FOR EACH STATEMENT EXECUTE FUNCTION pb_refuse_change();

CREATE FUNCTION pb_json(e events, seq bigint) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('seq', seq, 'id', e.id, 'at', pb_ts(e.at),
        'type', e.type, 'entity_type', e.entity_type, 'entity_id', e.entity_id,
        'request_id', e.request_id, 'payload', e.payload)
$$;

-- One pass of the sequencer for council p_la: number, in pos order, the
-- council's events of every transaction below the current watermark that are
-- not in the feed yet.  Returns how many it numbered.  Passes of one council
-- take turns (an advisory lock: a pass that finds nothing writes nothing);
-- the counter row is read after that lock and the watermark by a statement
-- of its own (READ COMMITTED: fresh snapshots), and the pending events by a
-- later one, which therefore sees every event below the watermark.
CREATE FUNCTION pb_events_sequence(p_la text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    last    bigint := 0;
    done_to xid8 := '1';
    upto    xid8;
    n       bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(7170410, hashtext(p_la));
    SELECT c.last_seq, c.horizon INTO last, done_to FROM event_counters c WHERE c.la = p_la;
    IF NOT FOUND THEN
        last := 0;
        done_to := '1';
    END IF;
    upto := pg_snapshot_xmin(pg_current_snapshot());
    IF upto <= done_to THEN
        RETURN 0;
    END IF;
    INSERT INTO event_feed (la, seq, pos)
    SELECT p_la, last + row_number() OVER (ORDER BY e.pos), e.pos FROM events e
     WHERE e.la = p_la AND e.xid >= done_to AND e.xid < upto
       AND NOT EXISTS (SELECT 1 FROM event_feed f WHERE f.la = p_la AND f.pos = e.pos);
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        INSERT INTO event_counters AS c (la, last_seq, horizon) VALUES (p_la, last + n, upto)
        ON CONFLICT (la) DO UPDATE SET last_seq = excluded.last_seq, horizon = excluded.horizon;
    END IF;
    RETURN n;
END $$;
