-- MH6 (seed 000, "Perinatal specific involvement and support for partners/
-- significant others"), issue 15 point 2: its function report_mh6 is in
-- db/repeatable/60_reports.sql; here its row in the registry. Exact counts,
-- never suppressed: contractual evidence, like MH11.
INSERT INTO reports (name, position, function_name, title, suppressed) VALUES
    ('mh6', 1, 'report_mh6',
        'MH6: involvement and support for partners and significant others', false);

