-- 0122 hand-over of a case between RCCs with acceptance and change of owner (issue 17).
--
-- IAMSAR Vol. II ch. 3 (transfer of SMC duties): the RCC holding a case stays responsible until the
-- receiving RCC has accepted. So a hand-over is an offer (handover_offered, by a coordinator of the case's
-- owner) that a coordinator of the receiving state accepts (handover_accepted) or declines
-- (handover_declined; the offering side may also withdraw its offer, recorded as declined with
-- "withdrawn": true). On acceptance the case's owner becomes the receiving state: its coordinators then
-- write the case, under the same per-state row-level security as any case (0073).
-- A hand-over to an RCC that works outside Seasight (no coordinator account for its state) stays the
-- immediate 'handed_over' entry of 0040, naming who accepted; the owner does not change.
--
--  * sar_case.handover_to: the state a pending offer is made to (NULL when none); previous_owners: the
--    states that held the case before (they keep reading it: its history is theirs too).
--  * Reads: a pending offer's receiving coordinators read the case header (to decide), and the case log
--    and SITREPs of a case follow the case: whoever reads the case reads its log, whichever state wrote
--    each entry. Writes stay as in 0073 (own participant only); the acceptance and the decline are written
--    as the receiving state.
--  * case_event_apply (0071) is replaced: the owner of an entry is the case's, except the receiving state's
--    answer to a pending offer; the header follows handover_offered / accepted / declined.
--  * participant_has_coordinators(code): whether a state has an active SAR coordinator account (so its
--    acceptance is given in Seasight); owner's rights, returns only true or false.

ALTER TABLE case_event DROP CONSTRAINT case_event_kind_check;
ALTER TABLE case_event ADD CONSTRAINT case_event_kind_check CHECK (kind IN (
    'opened', 'phase_changed', 'action_done', 'no_action_proposed', 'no_action_confirmed',
    'assigned', 'handed_over', 'search_area', 'message_sent', 'note', 'closed',
    'assistance_requested', 'assistance_ended', 'sitrep_item',
    'handover_offered', 'handover_accepted', 'handover_declined'));

ALTER TABLE sar_case ADD COLUMN handover_to text CHECK (handover_to IS NULL OR handover_to ~ '^[A-Z][A-Z0-9_-]{1,15}$');
ALTER TABLE sar_case ADD COLUMN previous_owners text[] NOT NULL DEFAULT '{}';

CREATE OR REPLACE FUNCTION case_event_apply() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c sar_case%ROWTYPE;
BEGIN
    SELECT * INTO c FROM sar_case WHERE id = NEW.case_id FOR UPDATE;
    IF NEW.is_exercise IS DISTINCT FROM c.is_exercise THEN
        RAISE EXCEPTION 'case_event % of case %: exercise mode must be the case''s', NEW.seq, NEW.case_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.kind = 'handover_accepted'
       OR (NEW.kind = 'handover_declined' AND NOT coalesce((NEW.data ->> 'withdrawn')::boolean, false)) THEN
        IF c.handover_to IS NULL OR NEW.owner IS DISTINCT FROM c.handover_to THEN
            RAISE EXCEPTION 'case %: only the state the case is offered to (%) answers the offer', NEW.case_id,
                coalesce(c.handover_to, 'no offer pending') USING ERRCODE = 'check_violation';
        END IF;
    ELSIF NEW.owner IS DISTINCT FROM c.owner THEN
        RAISE EXCEPTION 'case_event % of case %: owner and exercise mode must be the case''s', NEW.seq, NEW.case_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF (NEW.seq = 1) <> (NEW.kind = 'opened') THEN
        RAISE EXCEPTION 'case % : the first event, and only the first, is the opening (seq %, %)', NEW.case_id,
            NEW.seq, NEW.kind USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.kind = 'opened' THEN
        IF NEW.data ->> 'phase' IS DISTINCT FROM c.phase
           OR coalesce(NEW.data -> 'persons', 'null') IS DISTINCT FROM coalesce(to_jsonb(c.persons), 'null') THEN
            RAISE EXCEPTION 'the opening event of case % must agree with the case (phase, persons)', NEW.case_id
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    ELSIF NEW.kind = 'phase_changed' THEN
        UPDATE sar_case SET phase = NEW.data ->> 'to', phase_since = NEW.at, updated_at = now() WHERE id = NEW.case_id;
    ELSIF NEW.kind = 'handed_over' THEN
        UPDATE sar_case SET srr_id = NEW.data ->> 'to_srr_id', rcc_name = NEW.data ->> 'to_rcc',
                            rcc_country = NEW.data ->> 'to_country', updated_at = now()
         WHERE id = NEW.case_id;
    ELSIF NEW.kind = 'handover_offered' THEN
        IF c.handover_to IS NOT NULL THEN
            RAISE EXCEPTION 'case %: an offer to % is pending', NEW.case_id, c.handover_to
                USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.data ->> 'to_country' IS NULL OR NEW.data ->> 'to_country' = c.owner THEN
            RAISE EXCEPTION 'case %: a hand-over is offered to another state', NEW.case_id
                USING ERRCODE = 'check_violation';
        END IF;
        UPDATE sar_case SET handover_to = NEW.data ->> 'to_country', updated_at = now() WHERE id = NEW.case_id;
    ELSIF NEW.kind = 'handover_accepted' THEN
        UPDATE sar_case SET owner = c.handover_to, handover_to = NULL,
                            previous_owners = CASE WHEN c.owner = ANY (c.previous_owners) THEN c.previous_owners
                                                   ELSE c.previous_owners || c.owner END,
                            srr_id = NEW.data ->> 'to_srr_id', rcc_name = NEW.data ->> 'to_rcc',
                            rcc_country = NEW.data ->> 'to_country', updated_at = now()
         WHERE id = NEW.case_id;
    ELSIF NEW.kind = 'handover_declined' THEN
        UPDATE sar_case SET handover_to = NULL, updated_at = now() WHERE id = NEW.case_id;
    ELSIF NEW.kind = 'search_area' THEN
        UPDATE sar_case
           SET datum = ST_SetSRID(ST_MakePoint((NEW.data -> 'datum' ->> 'lon')::float8,
                                               (NEW.data -> 'datum' ->> 'lat')::float8), 4326),
               search_radius_nm = (NEW.data ->> 'radius_nm')::real,
               search_area = ST_SetSRID(ST_GeomFromGeoJSON((NEW.data -> 'area')::text), 4326),
               search_area_at = NEW.at,
               updated_at = now()
         WHERE id = NEW.case_id;
    ELSIF NEW.kind = 'closed' THEN
        UPDATE sar_case SET status = 'closed', conclusion = NEW.data ->> 'conclusion', closed_at = NEW.at,
                            handover_to = NULL, updated_at = now()
         WHERE id = NEW.case_id;
    ELSE
        UPDATE sar_case SET updated_at = now() WHERE id = NEW.case_id;
    END IF;
    RETURN NULL;
END $$;
REVOKE EXECUTE ON FUNCTION case_event_apply() FROM PUBLIC;

CREATE FUNCTION participant_has_coordinators(p_code text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM account WHERE participant = p_code AND role = 'sar_coordinator'
                                            AND disabled_at IS NULL)
$$;
REVOKE EXECUTE ON FUNCTION participant_has_coordinators(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION participant_has_coordinators(text) TO seasight_app;

-- Reads that follow a case. --------------------------------------------------------------------------------
CREATE POLICY handover_read ON sar_case FOR SELECT TO seasight_app USING (
    (SELECT session_role()) = 'sar_coordinator'
    AND (handover_to = (SELECT session_participant()) OR (SELECT session_participant()) = ANY (previous_owners)));
CREATE POLICY case_read ON case_event FOR SELECT TO seasight_app USING (case_id IN (SELECT id FROM sar_case));
CREATE POLICY case_read ON case_sitrep FOR SELECT TO seasight_app USING (case_id IN (SELECT id FROM sar_case));
