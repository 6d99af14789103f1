-- 0077 flags and the watchlist under FORCED row-level security (DESIGN.md "Trust between states";
-- migrations 0030, 0031, 0073). The same rule, as pure functions, is seasight.sharing.flag_allowed and
-- seasight.sharing.allowed (table watchlist_entry, kind 'watchlist'); tests/seasight/test_sharing_matrix.py
-- checks them cell by cell as the application role.
--
-- watchlist_entry: a state's (or organisation's) entries are its contributed records, a new record kind
--   'watchlist' of the sharing agreements. Read: the own participant's entries, and those of owners sharing
--   'watchlist' with the reader (or with '*') at full detail. Written only as the own participant, by the
--   roles that report (moc_operator, sar_coordinator, focal_point). The detector, a service, reads every
--   active entry (rule 6).
--
-- flag: detector output (owner SYSTEM), read by every signed-in account but administrators, EXCEPT that a
--   flag built from contributed records is only as visible as they are:
--     * a flag with a sighting (contact flags, 'sighting_matched', 'encounter_contact': their summary and
--       evidence carry the sighting's position and persons) only where that sighting is readable;
--     * a watchlist flag (its summary and evidence name the entries, their owners and reasons) only where
--       every entry it names is readable.
--   The detector (a service) inserts, updates and deletes flags. A person whose role records flag reviews
--   (moc_operator, sar_coordinator) may UPDATE a flag they can read, and only its review status
--   (status open / acknowledged / dismissed, the version number and updated_at; trigger flag_review_only):
--   what a flag says is the detector's. The status is the flag's one regional status; the review itself —
--   who, for which state, and why — is the flag_version row, owned by the reviewer's state and shared by its
--   'flag_review' agreements. So a review writes no reason into the flag (tracking/flag_review.py).
--
-- flag_version: as migration 0073 (kind 'flag_review'), and only for flags the session can read (a
--   detector version repeats the flag's summary and evidence).

ALTER TABLE sharing_agreement DROP CONSTRAINT sharing_agreement_record_kind_check;
ALTER TABLE sharing_agreement ADD CONSTRAINT sharing_agreement_record_kind_check
    CHECK (record_kind IN ('sighting', 'case', 'outcome', 'place_of_safety', 'flag_review', 'watchlist'));

CREATE OR REPLACE FUNCTION sharing_writable_owners(p_kind text) RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT participant FROM session_account()
     WHERE (p_kind = 'sighting' AND role IN ('moc_operator', 'sar_coordinator', 'focal_point'))
        OR (p_kind = 'case' AND role = 'sar_coordinator')
        OR (p_kind = 'outcome' AND role IN ('sar_coordinator', 'focal_point'))
        OR (p_kind = 'flag_review' AND role IN ('moc_operator', 'sar_coordinator'))
        OR (p_kind = 'watchlist' AND role IN ('moc_operator', 'sar_coordinator', 'focal_point'))
$$;

-- watchlist_entry ----------------------------------------------------------------------------------------
ALTER TABLE watchlist_entry ENABLE ROW LEVEL SECURITY;
ALTER TABLE watchlist_entry FORCE ROW LEVEL SECURITY;
DO $$ BEGIN
    EXECUTE format('CREATE POLICY owner_side ON watchlist_entry TO %I USING (true) WITH CHECK (true)', current_user);
END $$;
CREATE POLICY shared_read ON watchlist_entry FOR SELECT TO seasight_app USING (
    (SELECT sharing_is_service()) OR owner IN (SELECT sharing_readable_owners('watchlist')));
CREATE POLICY own_insert ON watchlist_entry FOR INSERT TO seasight_app WITH CHECK (
    (SELECT sharing_is_service()) OR owner IN (SELECT sharing_writable_owners('watchlist')));
CREATE POLICY own_update ON watchlist_entry FOR UPDATE TO seasight_app
    USING ((SELECT sharing_is_service()) OR owner IN (SELECT sharing_writable_owners('watchlist')))
    WITH CHECK ((SELECT sharing_is_service()) OR owner IN (SELECT sharing_writable_owners('watchlist')));
CREATE POLICY own_delete ON watchlist_entry FOR DELETE TO seasight_app USING (
    (SELECT sharing_is_service()) OR owner IN (SELECT sharing_writable_owners('watchlist')));

-- flag -----------------------------------------------------------------------------------------------------
-- "Readable" below is one expression, written once: the sighting and watchlist subqueries run as the
-- session, through those tables' own row-level security, once per statement.
ALTER TABLE flag ENABLE ROW LEVEL SECURITY;
ALTER TABLE flag FORCE ROW LEVEL SECURITY;
DO $$
DECLARE
    readable text := $r$(
        coalesce((SELECT session_role()) <> 'administrator', false)
        AND (sighting_id IS NULL OR sighting_id IN (SELECT s.id FROM sighting s))
        AND (rule_id <> 'watchlist' OR NOT EXISTS (
                 SELECT 1
                   FROM jsonb_array_elements(CASE jsonb_typeof(evidence -> 'entries')
                                                  WHEN 'array' THEN evidence -> 'entries' ELSE '[]' END) e
                  WHERE (e ->> 'id') NOT IN (SELECT w.id FROM watchlist_entry w))))$r$;
BEGIN
    EXECUTE format('CREATE POLICY owner_side ON flag TO %I USING (true) WITH CHECK (true)', current_user);
    EXECUTE format('CREATE POLICY detector_read ON flag FOR SELECT TO seasight_app USING ('
                   '(SELECT sharing_is_service()) OR %s)', readable);
    EXECUTE format('CREATE POLICY review_update ON flag FOR UPDATE TO seasight_app USING ('
                   '(SELECT sharing_is_service()) OR ((SELECT session_role()) IN (''moc_operator'', ''sar_coordinator'')'
                   ' AND %1$s)) WITH CHECK ((SELECT sharing_is_service()) OR ((SELECT session_role()) IN '
                   '(''moc_operator'', ''sar_coordinator'') AND %1$s))', readable);
END $$;
CREATE POLICY detector_insert ON flag FOR INSERT TO seasight_app WITH CHECK ((SELECT sharing_is_service()));
CREATE POLICY detector_delete ON flag FOR DELETE TO seasight_app USING ((SELECT sharing_is_service()));

-- A person's update changes the review status only.
CREATE FUNCTION flag_review_only() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF (SELECT sharing_is_service()) OR session_user::text = (
            SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'flag'::regclass) THEN
        RETURN NEW;
    END IF;
    IF (to_jsonb(NEW) - ARRAY['status', 'status_reason', 'version', 'updated_at'])
       IS DISTINCT FROM (to_jsonb(OLD) - ARRAY['status', 'status_reason', 'version', 'updated_at']) THEN
        RAISE EXCEPTION 'flag %: a review changes only its status (what a flag says is the detector''s)', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.status NOT IN ('open', 'acknowledged', 'dismissed') OR OLD.status = 'withdrawn'
       OR NEW.version <= OLD.version THEN
        RAISE EXCEPTION 'flag %: a review sets open, acknowledged or dismissed on a flag not withdrawn, as a new version',
            OLD.id USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER flag_review_only BEFORE UPDATE ON flag FOR EACH ROW EXECUTE FUNCTION flag_review_only();

-- flag_version: only for readable flags -----------------------------------------------------------------
DROP POLICY shared_read ON flag_version;
CREATE POLICY shared_read ON flag_version FOR SELECT TO seasight_app USING (
    (SELECT sharing_is_service())
    OR (owner IN (SELECT sharing_readable_owners('flag_review')) AND flag_id IN (SELECT id FROM flag)));
DROP POLICY own_insert ON flag_version;
CREATE POLICY own_insert ON flag_version FOR INSERT TO seasight_app WITH CHECK (
    (SELECT sharing_is_service())
    OR (owner IN (SELECT sharing_writable_owners('flag_review')) AND flag_id IN (SELECT id FROM flag)));
