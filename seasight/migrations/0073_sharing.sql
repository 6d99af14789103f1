-- 0073 per-state sharing, enforced by FORCED row-level security (DESIGN.md "Trust between states").
--
-- A state (or organisation) decides which of its records are shared with which participants, or with the
-- RSO, at full detail: sharing_agreement (owner, record kind, recipient, detail). `*` as the recipient
-- means every participant and the RSO. Only the owner's focal point sets its agreements
-- (`seasight sharing set|show`). Detail 'aggregate' is recorded but gives no row access.
--
-- Who sees and writes what, per request (the session's account, see migration 0072):
--   * no signed-in account: nothing;
--   * administrator: no contributed records (accounts only);
--   * service (tracker, detector, the demo): everything — the pipeline sees every sighting and flag;
--     service tokens are for services, never for people-facing processes;
--   * every other role reads its own participant's records (an RSO analyst has none), SYSTEM-owned
--     records (detector output), and the records of owners sharing that kind with it at full detail;
--   * writes only as its own participant, and only for the kinds its role records:
--       sighting: moc_operator, sar_coordinator, focal_point; case (sar_case, case_event):
--       sar_coordinator; outcome: sar_coordinator, focal_point; flag_review (flag_version):
--       moc_operator, sar_coordinator.
-- The same rule, as a pure function, is seasight.sharing.allowed; tests/seasight/test_sharing_matrix.py
-- checks the two agree for every role × state × table × SELECT/INSERT/UPDATE/DELETE.
--
-- The policies' subqueries have no reference to the row: PostgreSQL runs them once per statement.
-- The owner role (migrations, and the owner's SECURITY DEFINER functions such as case_event_apply and the
-- audit) has a policy of its own; FORCE makes the table owner subject to policies at all.
-- Views over these tables run with the caller's rights (security_invoker), so they never widen access.

CREATE TABLE sharing_agreement (
    owner        text NOT NULL CHECK (owner ~ '^[A-Z][A-Z0-9_-]{1,15}$'),
    record_kind  text NOT NULL CHECK (record_kind IN ('sighting', 'case', 'outcome', 'place_of_safety',
                                                      'flag_review')),
    recipient    text NOT NULL CHECK (recipient = '*' OR recipient ~ '^[A-Z][A-Z0-9_-]{1,15}$'),
    detail       text NOT NULL CHECK (detail IN ('full', 'aggregate')),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    acted_by     text NOT NULL,
    PRIMARY KEY (owner, record_kind, recipient),
    CHECK (recipient <> owner)
);
CREATE TRIGGER audit_sharing_agreement AFTER INSERT OR UPDATE OR DELETE ON sharing_agreement
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('owner', 'record_kind', 'recipient');

-- Owners whose records of `p_kind` this session may read (a role that reads everything: see below).
CREATE FUNCTION sharing_readable_owners(p_kind text) RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH me AS (SELECT participant, role FROM session_account())
    SELECT 'SYSTEM' FROM me WHERE role NOT IN ('administrator')
    UNION
    SELECT participant FROM me WHERE role NOT IN ('administrator', 'rso_analyst')
    UNION
    SELECT a.owner FROM sharing_agreement a, me
     WHERE me.role NOT IN ('administrator') AND a.record_kind = p_kind AND a.detail = 'full'
       AND (a.recipient = me.participant OR a.recipient = '*')
$$;

-- True for a service session (reads and writes every record).
CREATE FUNCTION sharing_is_service() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT coalesce((SELECT role = 'service' FROM session_account()), false)
$$;

-- The owner this session may write records of `p_kind` as (its own participant), by role.
CREATE FUNCTION sharing_writable_owners(p_kind text) RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT participant FROM session_account()
     WHERE (p_kind = 'sighting' AND role IN ('moc_operator', 'sar_coordinator', 'focal_point'))
        OR (p_kind = 'case' AND role = 'sar_coordinator')
        OR (p_kind = 'outcome' AND role IN ('sar_coordinator', 'focal_point'))
        OR (p_kind = 'flag_review' AND role IN ('moc_operator', 'sar_coordinator'))
$$;

GRANT EXECUTE ON FUNCTION sharing_readable_owners(text), sharing_is_service(), sharing_writable_owners(text)
    TO seasight_app;

-- Policies on every table holding contributed records. ----------------------------------------------------
DO $$
DECLARE
    t record;
    owner_role text := current_user;
BEGIN
    FOR t IN SELECT * FROM (VALUES
            ('sighting', 'sighting'), ('sar_case', 'case'), ('case_event', 'case'),
            ('disembarkation_outcome', 'outcome'), ('flag_version', 'flag_review')) AS v(tab, kind)
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t.tab);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t.tab);
        EXECUTE format('CREATE POLICY owner_side ON %I TO %I USING (true) WITH CHECK (true)', t.tab, owner_role);
        EXECUTE format(
            'CREATE POLICY shared_read ON %I FOR SELECT TO seasight_app USING ('
            '(SELECT sharing_is_service()) OR owner IN (SELECT sharing_readable_owners(%L)))', t.tab, t.kind);
        EXECUTE format(
            'CREATE POLICY own_insert ON %I FOR INSERT TO seasight_app WITH CHECK ('
            '(SELECT sharing_is_service()) OR owner IN (SELECT sharing_writable_owners(%L)))', t.tab, t.kind);
        EXECUTE format(
            'CREATE POLICY own_update ON %I FOR UPDATE TO seasight_app USING ('
            '(SELECT sharing_is_service()) OR owner IN (SELECT sharing_writable_owners(%L))) WITH CHECK ('
            '(SELECT sharing_is_service()) OR owner IN (SELECT sharing_writable_owners(%L)))', t.tab, t.kind, t.kind);
        EXECUTE format(
            'CREATE POLICY own_delete ON %I FOR DELETE TO seasight_app USING ('
            '(SELECT sharing_is_service()) OR owner IN (SELECT sharing_writable_owners(%L)))', t.tab, t.kind);
    END LOOP;

    -- the agreements themselves: the owner's focal point writes them; those they concern read them
    ALTER TABLE sharing_agreement ENABLE ROW LEVEL SECURITY;
    ALTER TABLE sharing_agreement FORCE ROW LEVEL SECURITY;
    EXECUTE format('CREATE POLICY owner_side ON sharing_agreement TO %I USING (true) WITH CHECK (true)', owner_role);
END $$;

CREATE POLICY concerned_read ON sharing_agreement FOR SELECT TO seasight_app USING (
    (SELECT sharing_is_service())
    OR owner = (SELECT session_participant())
    OR ((SELECT session_participant()) IS NOT NULL AND recipient IN ((SELECT session_participant()), '*')));
CREATE POLICY focal_point_write ON sharing_agreement FOR ALL TO seasight_app
    USING (owner = (SELECT session_participant()) AND (SELECT session_role()) = 'focal_point')
    WITH CHECK (owner = (SELECT session_participant()) AND (SELECT session_role()) = 'focal_point');

-- Views read with the caller's rights.
ALTER VIEW sar_case_real SET (security_invoker = true);
ALTER VIEW disembarkation_outcome_current SET (security_invoker = true);
ALTER VIEW disembarkation_outcome_real SET (security_invoker = true);
