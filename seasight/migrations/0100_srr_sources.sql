-- 0100 srr sources (issue 17): where each SRR boundary comes from, and where and when its RCC contact was
-- published. A contact (phone or e-mail) without a source and an as-of date is not stored from the authored
-- layer (geodata.reference.parse_srr refuses it); an official import may leave them empty.
ALTER TABLE srr ADD COLUMN boundary_source text;
ALTER TABLE srr ADD COLUMN contact_source text;
ALTER TABLE srr ADD COLUMN contact_as_of date;
