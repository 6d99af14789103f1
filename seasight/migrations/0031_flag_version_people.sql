-- 0031 people act on flags too: an officer acknowledges, dismisses or reopens a flag, and that is a
-- version of the flag like the detector's raised / updated / withdrawn / reraised. Every such record
-- carries its owner (ISO alpha-3 or organisation id) and the acting user (DESIGN.md "Ownership").

ALTER TABLE flag_version DROP CONSTRAINT flag_version_action_check;
ALTER TABLE flag_version ADD CONSTRAINT flag_version_action_check
    CHECK (action IN ('raised', 'updated', 'withdrawn', 'reraised', 'acknowledged', 'dismissed', 'reopened'));
ALTER TABLE flag_version ADD COLUMN owner text NOT NULL DEFAULT 'SYSTEM';
