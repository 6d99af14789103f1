-- Consumer liveness and lag (issue 14; tracking/liveness.py). Operational tables: written by each tracker
-- (the service account) on its heartbeat, read by `seasight status`, `seasight health` and the dashboard's
-- feeds page. They hold no contributed record (no owner column), so no row-level security; like every
-- table they are owned by the owner role and the application role only gets the default grants (0070).
--
-- Times are the database's clock (now()), on writing and on judging: trackers on several hosts compare
-- fairly whatever their own clocks say, and SEASIGHT_FIXED_TIME (event time of exercises) does not apply
-- to whether a process is alive.

-- One row per tracker consumer (a process may run two: the ordinary group and GROUP.priority).
CREATE TABLE consumer_member (
    consumer_group   text NOT NULL CHECK (length(consumer_group) BETWEEN 1 AND 255),
    member           text NOT NULL CHECK (length(member) BETWEEN 1 AND 255),  -- host:pid:start token
    host             text NOT NULL,
    pid              integer NOT NULL CHECK (pid > 0),
    kafka_member_id  text,                     -- the broker's id of this member, once it has joined
    state            text NOT NULL CHECK (state IN (
                         'joining',        -- asking the group for partitions
                         'consuming',      -- holds partitions
                         'standby',        -- in the group, no partition (more members than partitions)
                         'broker_away',    -- cannot reach the broker; waiting and retrying with back-off
                         'database_away',  -- cannot reach the database; consumption paused
                         'stopped')),      -- ended (left its group)
    state_since      timestamptz NOT NULL DEFAULT now(),
    detail           text NOT NULL DEFAULT '',  -- why, in words (e.g. why it cannot join)
    partitions       integer NOT NULL DEFAULT 0 CHECK (partitions >= 0),
    resets           integer NOT NULL DEFAULT 0 CHECK (resets >= 0),  -- group resets after a stalled join
    started_at       timestamptz NOT NULL DEFAULT now(),
    heartbeat_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, member)
);
CREATE INDEX consumer_member_heartbeat_idx ON consumer_member (heartbeat_at DESC);

-- One row per (group, topic, partition): the lag its holder measured at its last heartbeat. Records not yet
-- stored = end offset - committed offset (0 at least). growing_since: since when the lag has only grown.
CREATE TABLE consumer_lag (
    consumer_group   text NOT NULL CHECK (length(consumer_group) BETWEEN 1 AND 255),
    topic            text NOT NULL,
    kafka_partition  integer NOT NULL CHECK (kafka_partition >= 0),
    member           text NOT NULL,           -- consumer_member.member that holds (or last held) it
    committed_offset bigint,                  -- NULL: nothing committed yet in this group
    end_offset       bigint NOT NULL CHECK (end_offset >= 0),
    lag              bigint NOT NULL CHECK (lag >= 0),
    growing_since    timestamptz,
    measured_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, topic, kafka_partition)
);
