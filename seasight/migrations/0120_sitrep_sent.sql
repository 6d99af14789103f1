-- 0120 SITREPs as sent, and the case facts a SITREP is built from (issue 17).
--
-- IAMSAR Manual Vol. II, SITREP format: each SITREP of a case carries its number in the case's sequence
-- (1, 2, 3 ...) and the last one is marked FINAL. What was sent is evidence: case_sitrep keeps the text
-- of every SITREP exactly as sent, with its number, form (short A-F / full A-N), addressees and the log
-- entry that records the sending.
--
--  * case_sitrep is append-only for everyone (no UPDATE or DELETE privilege for the application, a
--    trigger that raises for every role, the owner's included) and audited like the case log (0071).
--  * Per-state sharing as for cases (0073): FORCED row-level security, read by the owner's state, SYSTEM
--    and those it shares cases with at full detail; written only by the case's own coordinators.
--  * case_sitrep_check (before insert, owner's rights) refuses a SITREP that does not agree with its case
--    and its log entry: owner and exercise mode are the case's; the number is the next in the case's
--    sequence (no gap, no repeat); the log entry (case_id, event_seq) is a 'message_sent' of format
--    'sitrep' with the same number, time, actor and text (its SHA-256); the sha256 column is the text's.
--    An exercise SITREP begins with EXERCISE EXERCISE EXERCISE.
--  * SITREPs sent before this migration (text kept in their log entries) are copied in, numbers unchanged.
--
-- New case-log entries (case_event.kind), read by coordination.phases and coordination.cases:
--  * assistance_requested {number, need, detail, asked_of, persons} - item E "assistance required";
--  * assistance_ended {number, status: met | withdrawn, note} - a request met or withdrawn;
--  * sitrep_item {item: G | H | L | M | N, text} - the coordinator's text for description of casualty,
--    weather on scene, co-ordinating instructions, future plans, additional information (latest wins).

ALTER TABLE case_event DROP CONSTRAINT case_event_kind_check;
ALTER TABLE case_event ADD CONSTRAINT case_event_kind_check CHECK (kind IN (
    'opened', 'phase_changed', 'action_done', 'no_action_proposed', 'no_action_confirmed',
    'assigned', 'handed_over', 'search_area', 'message_sent', 'note', 'closed',
    'assistance_requested', 'assistance_ended', 'sitrep_item'));

CREATE TABLE case_sitrep (
    case_id      bigint NOT NULL REFERENCES sar_case (id),
    number       integer NOT NULL CHECK (number >= 1),
    -- the case_event entry that records the sending; checked by case_sitrep_check rather than by a foreign
    -- key (a foreign-key check locks the row FOR KEY SHARE, which needs UPDATE on the append-only log, held
    -- by nobody), and an entry of the log is never deleted
    event_seq    integer NOT NULL,
    form         text NOT NULL CHECK (form IN ('short', 'full')),
    final        boolean NOT NULL,
    addressees   text[] NOT NULL DEFAULT '{}',
    sent_at      timestamptz NOT NULL,
    text         text NOT NULL CHECK (text <> ''),
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    is_exercise  boolean NOT NULL,
    owner        text NOT NULL,
    acted_by     text NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (case_id, number),
    UNIQUE (case_id, event_seq),
    CHECK (NOT is_exercise OR left(text, 26) = 'EXERCISE EXERCISE EXERCISE')
);

CREATE FUNCTION case_sitrep_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c sar_case%ROWTYPE;
    e case_event%ROWTYPE;
    digest text := encode(sha256(convert_to(NEW.text, 'UTF8')), 'hex');
    expected integer;
BEGIN
    SELECT * INTO c FROM sar_case WHERE id = NEW.case_id;
    IF NEW.owner IS DISTINCT FROM c.owner OR NEW.is_exercise IS DISTINCT FROM c.is_exercise THEN
        RAISE EXCEPTION 'SITREP % of case %: owner and exercise mode must be the case''s', NEW.number, NEW.case_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.sha256 IS DISTINCT FROM digest THEN
        RAISE EXCEPTION 'SITREP % of case %: sha256 is not the SHA-256 of its text', NEW.number, NEW.case_id
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT coalesce(max(s.number), 0) + 1 INTO expected FROM case_sitrep s WHERE s.case_id = NEW.case_id;
    IF NEW.number <> expected THEN
        RAISE EXCEPTION 'SITREP % of case %: the next SITREP of this case is number %', NEW.number, NEW.case_id,
            expected USING ERRCODE = 'check_violation';
    END IF;
    SELECT * INTO e FROM case_event WHERE case_id = NEW.case_id AND seq = NEW.event_seq;
    IF NOT FOUND OR e.kind <> 'message_sent' OR e.data ->> 'format' IS DISTINCT FROM 'sitrep'
       OR (e.data ->> 'number')::integer IS DISTINCT FROM NEW.number
       OR e.at IS DISTINCT FROM NEW.sent_at OR e.acted_by IS DISTINCT FROM NEW.acted_by
       OR coalesce(e.data ->> 'sha256', encode(sha256(convert_to(e.data ->> 'text', 'UTF8')), 'hex'))
          IS DISTINCT FROM digest THEN
        RAISE EXCEPTION 'SITREP % of case %: its case-log entry % does not record this SITREP as sent',
            NEW.number, NEW.case_id, NEW.event_seq USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
REVOKE EXECUTE ON FUNCTION case_sitrep_check() FROM PUBLIC;

CREATE TRIGGER case_sitrep_check BEFORE INSERT ON case_sitrep
    FOR EACH ROW EXECUTE FUNCTION case_sitrep_check();
-- disembarkation_append_only (0050) raises '<table> is append-only: <op> is not allowed' for any table
CREATE TRIGGER case_sitrep_append_only BEFORE UPDATE OR DELETE ON case_sitrep
    FOR EACH ROW EXECUTE FUNCTION disembarkation_append_only();
CREATE TRIGGER case_sitrep_no_truncate BEFORE TRUNCATE ON case_sitrep
    FOR EACH STATEMENT EXECUTE FUNCTION disembarkation_append_only();
CREATE TRIGGER audit_case_sitrep AFTER INSERT OR UPDATE OR DELETE ON case_sitrep
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('case_id', 'number');

REVOKE ALL ON case_sitrep FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON case_sitrep FROM seasight_app;
GRANT SELECT, INSERT ON case_sitrep TO seasight_app;

DO $$
BEGIN
    ALTER TABLE case_sitrep ENABLE ROW LEVEL SECURITY;
    ALTER TABLE case_sitrep FORCE ROW LEVEL SECURITY;
    EXECUTE format('CREATE POLICY owner_side ON case_sitrep TO %I USING (true) WITH CHECK (true)', current_user);
END $$;
CREATE POLICY shared_read ON case_sitrep FOR SELECT TO seasight_app USING (
    (SELECT sharing_is_service()) OR owner IN (SELECT sharing_readable_owners('case')));
CREATE POLICY own_insert ON case_sitrep FOR INSERT TO seasight_app WITH CHECK (
    (SELECT sharing_is_service()) OR owner IN (SELECT sharing_writable_owners('case')));

-- SITREPs sent before this migration: their text is in the log entry that recorded them.
INSERT INTO case_sitrep (case_id, number, event_seq, form, final, addressees, sent_at, text, sha256, is_exercise,
                         owner, acted_by)
SELECT e.case_id, (e.data ->> 'number')::integer, e.seq,
       CASE WHEN (e.data ->> 'full')::boolean THEN 'full' ELSE 'short' END,
       strpos(e.data ->> 'text', 'SAR SITREP ' || (e.data ->> 'number') || ' FINAL') > 0,
       coalesce(ARRAY(SELECT jsonb_array_elements_text(coalesce(e.data -> 'to', '[]'::jsonb))), '{}'),
       e.at, e.data ->> 'text', encode(sha256(convert_to(e.data ->> 'text', 'UTF8')), 'hex'), e.is_exercise,
       e.owner, e.acted_by
  FROM case_event e
 WHERE e.kind = 'message_sent' AND e.data ->> 'format' = 'sitrep' AND coalesce(e.data ->> 'text', '') <> ''
 ORDER BY e.case_id, (e.data ->> 'number')::integer;
