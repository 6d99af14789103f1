-- 0003 exercise flags: a flag raised from exercise data (an exercise sighting) is itself an exercise flag,
-- so a table-top exercise exercises detection too, and exercise flags stay out of real statistics.
ALTER TABLE flag ADD COLUMN is_exercise boolean NOT NULL DEFAULT false;
CREATE INDEX flag_real_open_idx ON flag (raised_at DESC) WHERE status = 'open' AND NOT is_exercise;
