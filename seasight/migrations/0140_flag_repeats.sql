-- 0140 cooldowns and grouping of repeated events (tracking/rules/cooldown.py, tracking.detect.store_flags).
--
-- A repeat of the same event within its rule's cooldown (thresholds file, [cooldown]) updates the flag
-- already raised instead of raising another: the flag counts its repeats, says when the event was last
-- seen, and keeps the window start of each repeat (so re-evaluating the same data counts it once). The
-- repeat's own evidence is the flag_version row of that update (action 'updated', reason 'repeat ...').
ALTER TABLE flag ADD COLUMN repeats integer NOT NULL DEFAULT 0 CHECK (repeats >= 0);
ALTER TABLE flag ADD COLUMN last_seen_at timestamptz;
ALTER TABLE flag ADD COLUMN repeat_starts timestamptz[] NOT NULL DEFAULT '{}';
COMMENT ON COLUMN flag.repeats IS 'repeats of the same event grouped onto this flag within the rule''s cooldown';
COMMENT ON COLUMN flag.last_seen_at IS 'end of the latest repeat (null: never repeated; the event ends at window_end)';
COMMENT ON COLUMN flag.repeat_starts IS 'window start of each grouped repeat (its identity, for idempotent re-evaluation)';
