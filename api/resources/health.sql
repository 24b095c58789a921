-- Readiness (health.c).

-- name: health_schema repeatable
SELECT coalesce(max(version), 0) FROM schema_migrations;
