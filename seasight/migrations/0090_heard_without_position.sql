-- 0090 stations heard without a position, and addressed safety texts (ITU-R M.1371 messages 12 and 14).
--
-- vessel.last_heard_at: the latest message of the MMSI that gave no position to store (a position report
-- with lat 91 / lon 181, or a message of another type: binary 6/8/25/26, acknowledgements 7/13, UTC
-- inquiry/response 10/11, interrogation 15 …; topic seasight.ais.heard). It never moves the vessel:
-- vessel_state and position are untouched. The vessel's last heard is the latest of this, its last fix
-- (vessel_state.observed_at) and its last static report (static_at). Coast stations and aids to
-- navigation (MMSI 00MIDxxxx, 99MIDxxxx, ITU-R M.585) are not vessels and get no row from it.
ALTER TABLE vessel
    ADD COLUMN last_heard_at timestamptz,
    ADD COLUMN last_heard_msg_type smallint
        CHECK (last_heard_msg_type IS NULL OR last_heard_msg_type BETWEEN 1 AND 27),
    ADD CHECK ((last_heard_at IS NULL) = (last_heard_msg_type IS NULL));

-- Message 12 (addressed safety related message) is stored with the broadcasts of message 14: its text is
-- a safety text like theirs. dest_mmsi is the station it was addressed to (message 14: NULL).
ALTER TABLE safety_broadcast
    ADD COLUMN msg_type smallint NOT NULL DEFAULT 14 CHECK (msg_type IN (12, 14)),
    ADD COLUMN dest_mmsi integer CHECK (dest_mmsi IS NULL OR dest_mmsi BETWEEN 0 AND 999999999),
    ADD CHECK (msg_type = 12 OR dest_mmsi IS NULL);
