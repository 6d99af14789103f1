-- 0080 aggregate-only sharing of outcomes: published practice figures (DESIGN.md "Trust between states";
-- migration 0073 recorded detail 'aggregate' but gave it nothing).
--
-- A state sharing its outcomes with a recipient (a participant or the RSO, or '*') at detail 'aggregate'
-- gives the recipient no row of them, but lets them count in the recipient's practice figures. Those
-- figures cannot be computed by the recipient's own session (it may not read the rows), nor handed out
-- per request (a caller free to ask for any grouping could difference two answers). So a service — which
-- reads every outcome — computes them, once per grouping, with small-cell and complementary suppression
-- (coordination/disembarkation/publish.py, `seasight report publish`), and stores them here: one row per
-- recipient and grouping, the suppressed figures over every real outcome the recipient may count (its own
-- state's, those shared with it in full, those shared with it as aggregates).
--
-- Read only by the recipient (and services); written only by services. The practices page and
-- `seasight report practices` of a recipient with aggregate-only sources show these figures.

CREATE TABLE shared_practice_figures (
    recipient     text NOT NULL CHECK (recipient ~ '^[A-Z][A-Z0-9_-]{1,15}$'),
    grouping      text NOT NULL CHECK (grouping ~ '^(state|port|year|route)(,(state|port|year|route))*$'),
    figures       jsonb NOT NULL CHECK (jsonb_typeof(figures) = 'array'),
    owners        text[] NOT NULL,          -- whose outcomes are counted
    aggregate_of  text[] NOT NULL,          -- of those, the owners sharing only aggregates with the recipient
    computed_at   timestamptz NOT NULL DEFAULT now(),
    acted_by      text NOT NULL,
    PRIMARY KEY (recipient, grouping)
);

ALTER TABLE shared_practice_figures ENABLE ROW LEVEL SECURITY;
ALTER TABLE shared_practice_figures FORCE ROW LEVEL SECURITY;
DO $$ BEGIN
    EXECUTE format('CREATE POLICY owner_side ON shared_practice_figures TO %I USING (true) WITH CHECK (true)',
                   current_user);
END $$;
CREATE POLICY recipient_read ON shared_practice_figures FOR SELECT TO seasight_app USING (
    (SELECT sharing_is_service()) OR recipient = (SELECT session_participant()));
CREATE POLICY service_write ON shared_practice_figures FOR ALL TO seasight_app
    USING ((SELECT sharing_is_service())) WITH CHECK ((SELECT sharing_is_service()));
