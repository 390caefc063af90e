-- The audit log (PostgreSQL). Keep equivalent to migrations/sqlite/0004_audit_log.sql.
-- Who looked at or changed which ticket, staff record, FAQ entry, account or setting, and
-- when. Append-only: the trigger refuses every UPDATE and DELETE, whoever sends them.
CREATE TABLE audit_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor       TEXT        NOT NULL,
    action      TEXT        NOT NULL,
    object_kind TEXT        NOT NULL,
    object_id   TEXT        NOT NULL,
    detail      TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
