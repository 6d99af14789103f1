-- 0078 the audit log keeps what it records to itself (migration 0071).
--
-- An audit row of a write carries the row written (column detail): a copy of a contributed record. Until
-- now every session of the application — even one without an account — could read every row, and so read
-- any state's unshared sighting, case or outcome there. Now:
--
--  * column `detail` is not granted to seasight_app at all: the records themselves are read from their
--    tables, under their row-level security; the audit's detail is for the owner side (investigations);
--  * the other columns (who, when, what table and key, whose record, the hash chain) under FORCED
--    row-level security: a service or an administrator reads every row (administrators audit accounts and
--    activity, never record contents); anyone else the rows of their own participant's actions and the
--    rows about their own participant's records (so a state sees who read its records);
--  * `seasight audit verify` walks the whole chain through audit_chain(), a SECURITY DEFINER function of
--    the owner role giving, per row, its number, prev_hash, stored hash and the SHA-256 of its canonical
--    text (audit_entry_text) recomputed now — hashes only, nothing of what the rows say.

REVOKE ALL ON audit_log FROM seasight_app;
GRANT SELECT (id, at, db_user, account, participant, action, table_name, record_key, record_owner, prev_hash,
              hash) ON audit_log TO seasight_app;

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
DO $$ BEGIN
    EXECUTE format('CREATE POLICY owner_side ON audit_log TO %I USING (true) WITH CHECK (true)', current_user);
END $$;
CREATE POLICY audit_read ON audit_log FOR SELECT TO seasight_app USING (
    (SELECT sharing_is_service())
    OR (SELECT session_role()) = 'administrator'
    OR participant = (SELECT session_participant())
    OR record_owner = (SELECT session_participant()));

CREATE FUNCTION audit_chain(OUT id bigint, OUT prev_hash text, OUT hash text, OUT computed_hash text)
RETURNS SETOF record
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT a.id, a.prev_hash, a.hash,
           encode(sha256(convert_to(audit_entry_text(a.id, a.at, a.db_user, a.account, a.participant, a.action,
                                                     a.table_name, a.record_key, a.record_owner, a.detail,
                                                     a.prev_hash), 'UTF8')), 'hex')
      FROM audit_log a ORDER BY a.id
$$;
REVOKE EXECUTE ON FUNCTION audit_chain() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_chain() TO seasight_app;
