-- 0121 outcome counts of persons with specific needs (issue 17): pregnant women, older persons (60 and
-- over), persons with disabilities, and medical evacuations (persons evacuated for medical reasons during
-- the rescue or before disembarkation). Counts only, never identities, like every count of 0050; each at
-- most the persons aboard; pregnant women at most the women when both are known.
--
-- The views over the outcomes are recreated so that they carry the new columns (a view's * is fixed when
-- it is created), with the caller's rights as before (0073).

ALTER TABLE disembarkation_outcome
    ADD COLUMN pregnant_women integer CHECK (pregnant_women IS NULL OR pregnant_women >= 0),
    ADD COLUMN older_persons integer CHECK (older_persons IS NULL OR older_persons >= 0),
    ADD COLUMN persons_with_disabilities integer
        CHECK (persons_with_disabilities IS NULL OR persons_with_disabilities >= 0),
    ADD COLUMN medical_evacuations integer CHECK (medical_evacuations IS NULL OR medical_evacuations >= 0),
    ADD CONSTRAINT outcome_pregnant_women_among_women
        CHECK (pregnant_women IS NULL OR women IS NULL OR pregnant_women <= women),
    ADD CONSTRAINT outcome_specific_needs_within_persons_aboard CHECK (
        persons_aboard IS NULL OR (
            coalesce(pregnant_women, 0) <= persons_aboard AND coalesce(older_persons, 0) <= persons_aboard
            AND coalesce(persons_with_disabilities, 0) <= persons_aboard
            AND coalesce(medical_evacuations, 0) <= persons_aboard));

CREATE OR REPLACE VIEW disembarkation_outcome_current WITH (security_invoker = true) AS
    SELECT DISTINCT ON (case_id) * FROM disembarkation_outcome ORDER BY case_id, version DESC;
CREATE OR REPLACE VIEW disembarkation_outcome_real WITH (security_invoker = true) AS
    SELECT * FROM disembarkation_outcome_current WHERE NOT is_exercise;
