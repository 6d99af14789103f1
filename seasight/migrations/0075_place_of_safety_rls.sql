-- 0075 place-of-safety entries under FORCED row-level security (the register of places of safety and its
-- change log, migration 0050).
--
-- The register is what every coordinator ranks disembarkation options from (IMO MSC.167(78)), so every
-- signed-in account except an administrator reads it. What a place says is its state's to say: only the
-- focal point of the place's state (column `state`) adds or edits it, and the edit is owned by that state;
-- the packaged port positions (owner SYSTEM) are loaded by a service. Nobody deletes a place (a withdrawn
-- place is marked not usable) and the change log stays append-only (migrations 0050, 0070).
-- The same rule, as a pure function, is seasight.sharing.place_allowed.

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['place_of_safety', 'place_of_safety_change'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY owner_side ON %I TO %I USING (true) WITH CHECK (true)', t, current_user);
        EXECUTE format(
            'CREATE POLICY register_read ON %I FOR SELECT TO seasight_app USING ('
            '(SELECT session_role()) IS NOT NULL AND (SELECT session_role()) <> ''administrator'')', t);
    END LOOP;
END $$;

CREATE POLICY state_insert ON place_of_safety FOR INSERT TO seasight_app WITH CHECK (
    (SELECT sharing_is_service())
    OR ((SELECT session_role()) = 'focal_point' AND state = (SELECT session_participant())
        AND owner = (SELECT session_participant())));
CREATE POLICY state_update ON place_of_safety FOR UPDATE TO seasight_app
    USING ((SELECT sharing_is_service())
           OR ((SELECT session_role()) = 'focal_point' AND state = (SELECT session_participant())))
    WITH CHECK ((SELECT sharing_is_service())
                OR ((SELECT session_role()) = 'focal_point' AND state = (SELECT session_participant())
                    AND owner = (SELECT session_participant())));
CREATE POLICY service_delete ON place_of_safety FOR DELETE TO seasight_app USING ((SELECT sharing_is_service()));

CREATE POLICY state_insert ON place_of_safety_change FOR INSERT TO seasight_app WITH CHECK (
    (SELECT sharing_is_service())
    OR ((SELECT session_role()) = 'focal_point' AND owner = (SELECT session_participant())
        AND EXISTS (SELECT 1 FROM place_of_safety p
                     WHERE p.locode = place_of_safety_change.locode AND p.state = (SELECT session_participant()))));
