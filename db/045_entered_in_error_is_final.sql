-- Entered in error is final: the mark, who made it and why stay as they
-- were written. No request clears it (a record entered in error is recorded
-- again, api.md), but the app role may UPDATE these tables, so a clearing
-- write would otherwise erase who marked the record and why. Every table
-- with the mark gets the same trigger (those to come add it themselves).
CREATE FUNCTION entered_in_error_final() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% % was entered in error: the mark stays', TG_TABLE_NAME, OLD.id
        USING ERRCODE = 'check_violation', CONSTRAINT = 'entered_in_error_final';
END
$$;

DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT c.table_name FROM information_schema.columns c
            JOIN information_schema.tables b ON b.table_schema = c.table_schema
                AND b.table_name = c.table_name AND b.table_type = 'BASE TABLE'
            WHERE c.table_schema = 'public' AND c.column_name = 'voided_at'
            ORDER BY c.table_name LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OF voided_at, voided_by, void_reason '
            'ON %I FOR EACH ROW WHEN (OLD.voided_at IS NOT NULL AND '
            '(NEW.voided_at, NEW.voided_by, NEW.void_reason) IS DISTINCT FROM '
            '(OLD.voided_at, OLD.voided_by, OLD.void_reason)) '
            'EXECUTE FUNCTION entered_in_error_final()', t || '_entered_in_error_final', t);
    END LOOP;
END
$$;
