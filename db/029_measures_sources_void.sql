-- Outcome measures, the open points of issue 16.
--
-- 1. The instrument table's thresholds, each with the source it was checked
--    against. The figures written in 021 from memory were looked up; none
--    of them changed (EPDS 4, PHQ-9 6, GAD-7 4, CORE-10 6 points of
--    reliable change; CORE-10 clinical cut-off 11 and bands 11/15/20/25),
--    but the citations now say where each figure is, and which were only
--    found in secondary sources (those keep or gain needs-sign-off). The
--    PHQ-9 and GAD-7 have no published prorating rule that was found:
--    refusing a missing item stays.
-- 2. An administration entered in error is marked (never deleted) through
--    the record layer's entered-in-error, as contacts and referrals are.

ALTER TABLE measures
    ADD COLUMN voided_at timestamptz,
    ADD COLUMN voided_by text,
    ADD COLUMN void_reason text CHECK (char_length(void_reason) BETWEEN 1 AND 4000),
    ADD CONSTRAINT measures_voided_check CHECK ((voided_at IS NULL) = (voided_by IS NULL)
        AND (voided_at IS NULL) = (void_reason IS NULL));
-- The app marks an administration; its responses and scores never change.
GRANT UPDATE (voided_at, voided_by, void_reason, version, updated_at) ON measures
    TO perinatal_app;
-- An episode's series and the outcomes report read the valid ones.
CREATE INDEX measures_valid_idx ON measures (service_user_id, instrument, completed_at, id)
    WHERE voided_at IS NULL;

UPDATE instruments SET
    reliable_change_source = 'Matthey S (2004). Calculating clinically significant change in '
        'postnatal depression studies using the Edinburgh Postnatal Depression Scale. J Affect '
        'Disord 78(3):269-72, doi:10.1016/S0165-0327(02)00313-0. Abstract: "The RCI for the '
        'Edinburgh Postnatal Depression Scale (EPDS) is calculated to be four points" (Jacobson '
        'and Truax 1991 method). A reliable-change threshold: local clinical sign-off required',
    reliable_change_needs_signoff = true
WHERE code = 'epds';

UPDATE instruments SET
    reliable_change_source = 'Gyani A, Shafran R, Layard R, Clark DM (2013). Enhancing recovery '
        'rates: lessons from year one of IAPT. Behav Res Ther 51(9):597-606 (method: reliable '
        'improvement and deterioration) and the IAPT / NHS Talking Therapies manual: a change '
        'of 6 or more points on the PHQ-9. Only the paper''s opening was readable here; the '
        'figure was seen in secondary sources: local clinical sign-off required',
    missing_source = 'No published prorating rule for the PHQ-9 was found (searched: Kroenke et '
        'al. 2001; the PHQ scoring instructions as reproduced on public pages; CamCOPS '
        'phq9.py, which sums the answered items without prorating): every item is required, '
        'refused naming the missing items',
    reliable_change_needs_signoff = true
WHERE code = 'phq9';

UPDATE instruments SET
    reliable_change_source = 'Gyani A, Shafran R, Layard R, Clark DM (2013). Enhancing recovery '
        'rates: lessons from year one of IAPT. Behav Res Ther 51(9):597-606 (method: reliable '
        'improvement and deterioration) and the IAPT / NHS Talking Therapies manual: a change '
        'of 4 or more points on the GAD-7. Only the paper''s opening was readable here; the '
        'figure was seen in secondary sources: local clinical sign-off required',
    missing_source = 'No published prorating rule for the GAD-7 was found (searched: Spitzer et '
        'al. 2006; public scoring pages; CamCOPS gad7.py, which sums the answered items without '
        'prorating): every item is required, refused naming the missing items',
    reliable_change_needs_signoff = true
WHERE code = 'gad7';

UPDATE instruments SET
    scoring_source = 'Barkham M, Bewick B, Mullin T, Gilbody S, Connell J, Cahill J, '
        'Mellor-Clark J, Richards D, Unsworth G, Evans C (2013). The CORE-10: a short measure of '
        'psychological distress for routine use in the psychological therapies. Couns '
        'Psychother Res 13(1):3-13; Connell J, Barkham M (2007). CORE-10 User Manual, version '
        '1.0, section I "Scoring procedures and meaning" (items 0-4; the positively worded items '
        '2 and 3 reversed; the clinical score is the sum of the ten items, 0-40); CamCOPS server/camcops_server/tasks/core10.py (q2, q3 '
        'COMMENT_REVERSED; clinical_score)',
    missing_source = 'CORE System Trust, "What''s in a name (1): scoring CORE measures" '
        '(coresystemtrust.org.uk): the CORE-10 may be pro-rated if one item is missing (no more '
        'than 10% of items), the clinical score being the mean of the items answered x 10; more '
        'missing, no score. CamCOPS core10.py clinical_score is the same formula',
    reliable_change_source = 'Connell J, Barkham M (2007). CORE-10 User Manual, version 1.0, '
        'section III "Reliable and clinically significant change" (table 6), and Barkham et al. '
        '(2013), Couns Psychother Res 13(1):3-13: reliable change 6 points on the clinical '
        'score; the figure was seen here only in secondary sources citing them: local clinical '
        'sign-off required',
    reliable_change_needs_signoff = true
WHERE code = 'core10';

UPDATE instrument_bands SET source = CASE from_score
        WHEN 0 THEN 'Connell J, Barkham M (2007) CORE-10 User Manual v1.0, figure 1 "Practice '
            'guide for interpreting CORE-10 clinical scores" (p. 6; its figures seen here only '
            'in secondary sources): healthy 0-5. Some secondary sources give 0-10 as one '
            'non-clinical band: local clinical sign-off required'
        WHEN 6 THEN 'CORE-10 User Manual v1.0, figure 1 (as quoted by secondary sources): low '
            'level problems 6-10, below the clinical cut-off. Some secondary sources give 0-10 as '
            'one non-clinical band: local clinical sign-off required'
        WHEN 11 THEN 'Barkham et al. (2013) Couns Psychother Res 13(1):3-13: clinical cut-off '
            '11 (11 or more is the clinical range); mild 11-14 (CORE-10 User Manual v1.0, figure '
            '1, as quoted by secondary sources citing Barkham et al. 2013)'
        WHEN 15 THEN 'Barkham et al. (2013); CORE-10 User Manual v1.0, figure 1 (as quoted by '
            'secondary sources): moderate 15-19'
        WHEN 20 THEN 'Barkham et al. (2013); CORE-10 User Manual v1.0, figure 1 (as quoted by '
            'secondary sources): moderate-to-severe 20-24'
        WHEN 25 THEN 'Barkham et al. (2013); CORE-10 User Manual v1.0, figure 1 (as quoted by '
            'secondary sources): severe 25-40'
    END,
    needs_signoff = from_score IN (0, 6)
WHERE instrument = 'core10' AND scale = 'total';
