/* Integration tests against a real PostgreSQL: a throwaway database is made
 * in the test cluster (PERINATAL_TEST_ADMIN_DB_URL, a superuser), migrated,
 * used through the real handlers and statements, and dropped.
 *
 * Each test makes what it needs (its own organisations, team and rows, with
 * fresh ids) and relies on no other test having run: run one alone by
 * naming it (test_integration_db create_read_update_through_handlers, a
 * cmocka filter pattern), or all in reverse order with --reverse (ctest runs
 * both orders). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit_batch.h"
#include "config.h"
#include "db.h"
#include "migrate.h"
#include "resources.h"
#include "revocation.h"
#include "router.h"

static char dbname[64], admin_url[1024], owner_url[1024], app_url[1024];
static arena a;
static db app_db;

static PGresult *sql(const char *conninfo, const char *query)
{
    PGconn *c = PQconnectdb(conninfo);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("connect: %s", PQerrorMessage(c));
    PGresult *res = PQexec(c, query);
    PQfinish(c);
    return res;
}

static void sql_ok(const char *conninfo, const char *query)
{
    PGresult *res = sql(conninfo, query);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("%s: %s", query, PQresultErrorMessage(res));
    PQclear(res);
}

/* The integer in a result's field (the test fails if it is not one). */
static long int_value(PGresult *res, int row, int col)
{
    const char *s = PQgetvalue(res, row, col);
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end)
        fail_msg("not an integer: '%s'", s);
    return v;
}

/* A new organisation with one team, fresh ids each call, so that no test
 * sees another's rows. team may be NULL. */
static void new_org(char org[37], char team[37])
{
    PGresult *res = sql(owner_url, "INSERT INTO organisations (name) VALUES ('it') RETURNING id");
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        fail_msg("organisation: %s", PQresultErrorMessage(res));
    snprintf(org, 37, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    if (!team)
        return;
    char q[256];
    snprintf(q, sizeof(q),
             "INSERT INTO teams (organisation_id, name, type, created_by) VALUES "
             "('%s', 'Team', 'perinatal_community', 'it') RETURNING id",
             org);
    res = sql(owner_url, q);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        fail_msg("team: %s", PQresultErrorMessage(res));
    snprintf(team, 37, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
}

/* A clinician of org's team (team may be NULL: an admin of org). */
static void set_principal(principal *who, const char *sub, const char *org, const char *team)
{
    memset(who, 0, sizeof(*who));
    snprintf(who->sub, sizeof(who->sub), "%s", sub);
    snprintf(who->jti, sizeof(who->jti), "j-%s", sub);
    snprintf(who->org, sizeof(who->org), "%s", org);
    who->role = team ? ROLE_CLINICIAN : ROLE_ADMIN;
    if (team) {
        snprintf(who->teams[0], sizeof(who->teams[0]), "%s", team);
        who->nteams = 1;
    }
}

/* The SQLSTATE a statement fails with ("" if it succeeds). */
static char *sql_state(const char *conninfo, const char *query)
{
    static char state[8];
    PGresult *res = sql(conninfo, query);
    const char *s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    snprintf(state, sizeof(state), "%s", s ? s : "");
    PQclear(res);
    return state;
}

static int setup(void **state)
{
    (void)state;
    const char *admin = getenv("PERINATAL_TEST_ADMIN_DB_URL");
    if (!admin) {
        fprintf(stderr, "PERINATAL_TEST_ADMIN_DB_URL is not set (run through scripts/test)\n");
        return -1;
    }
    char err[256];
    if (!config_load(err, sizeof(err)))
        return -1;
    snprintf(dbname, sizeof(dbname), "perinatal_it_%d", (int)getpid());
    arena_init(&a, 1 << 24);
    snprintf(admin_url, sizeof(admin_url), "%s", admin);
    /* Later keys of a conninfo override earlier ones. */
    snprintf(owner_url, sizeof(owner_url), "%s dbname=%s user=perinatal_owner", admin, dbname);
    snprintf(app_url, sizeof(app_url), "%s dbname=%s user=perinatal_app", admin, dbname);
    char q[256];
    snprintf(q, sizeof(q), "DROP DATABASE IF EXISTS %s", dbname);
    sql_ok(admin_url, q);
    snprintf(q, sizeof(q), "CREATE DATABASE %s OWNER perinatal_owner", dbname);
    sql_ok(admin_url, q);
    if (!migrate_run(owner_url))
        return -1;
    resources_register();
    if (!db_connect(&app_db, app_url))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (!admin_url[0])
        return 0;
    db_close(&app_db);
    arena_free(&a);
    char q[256];
    snprintf(q, sizeof(q), "DROP DATABASE IF EXISTS %s WITH (FORCE)", dbname);
    sql_ok(admin_url, q);
    return 0;
}

static void migrate_is_safe_to_run_twice(void **state)
{
    (void)state;
    assert_true(migrate_run(owner_url));
    PGresult *res = sql(owner_url, "SELECT count(*), max(version) FROM schema_migrations");
    /* Each compiled migration once (numbers may leave gaps while branches
     * that take them are in flight). */
    long compiled = 0;
    for (const migration *m = migrations; m->name; m++)
        compiled++;
    assert_int_equal(int_value(res, 0, 0), compiled);
    assert_int_equal(int_value(res, 0, 1), migrate_latest_version());
    PQclear(res);
}

static void app_role_cannot_change_the_schema(void **state)
{
    (void)state;
    assert_string_equal(sql_state(app_url, "CREATE TABLE evil (id int)"), "42501");
    assert_string_equal(sql_state(app_url, "ALTER TABLE service_users ADD COLUMN x int"), "42501");
    assert_string_equal(sql_state(app_url, "DROP TABLE service_users"), "42501");
    assert_string_equal(sql_state(app_url, "TRUNCATE service_users"), "42501");
    assert_string_equal(sql_state(app_url, "DELETE FROM service_users"), "42501");
    assert_string_equal(sql_state(app_url, "DELETE FROM schema_migrations"), "42501");
    assert_string_equal(sql_state(app_url, "INSERT INTO organisations (name) VALUES ('x')"),
                        "42501");
    assert_string_equal(sql_state(app_url, "SELECT count(*) FROM service_users"), "");
}

static void audit_trail_is_append_only(void **state)
{
    (void)state;
    char org[37], q[512];
    new_org(org, NULL);
    /* Its own row, so the row triggers below have a row to fire on. */
    snprintf(q, sizeof(q),
             "INSERT INTO audit_events (organisation_id, sub, role, action, resource, "
             "request_id, outcome) VALUES ('%s', 's', 'admin', 'read', 'service_user', 'r', 'ok')",
             org);
    sql_ok(app_url, q);
    /* The application's role: no grant to change or remove a row. */
    assert_string_equal(sql_state(app_url, "UPDATE audit_events SET outcome = 'error'"), "42501");
    assert_string_equal(sql_state(app_url, "DELETE FROM audit_events"), "42501");
    assert_string_equal(sql_state(app_url, "TRUNCATE audit_events"), "42501");
    /* Even the owner is stopped by the trigger. */
    assert_string_equal(sql_state(owner_url, "UPDATE audit_events SET outcome = 'error'"), "42501");
    assert_string_equal(sql_state(owner_url, "DELETE FROM audit_events"), "42501");
    assert_string_equal(sql_state(owner_url, "TRUNCATE audit_events"), "42501");
    snprintf(q, sizeof(q),
             "SELECT count(*) FROM audit_events WHERE organisation_id = '%s' AND outcome = 'ok'",
             org);
    PGresult *res = sql(owner_url, q);
    assert_int_equal(int_value(res, 0, 0), 1);
    PQclear(res);
}

static void database_holds_the_rules_too(void **state)
{
    (void)state;
    char org_a[37], org_b[37];
    new_org(org_a, NULL);
    new_org(org_b, NULL);
    /* Bad NHS number, stage without its date, and a duplicate in one org. */
    const char *base = "INSERT INTO service_users (organisation_id, created_by, nhs_number, "
                       "given_name, family_name, date_of_birth, perinatal_stage, "
                       "estimated_due_date, delivery_date) VALUES ";
    char q[1024];
    snprintf(q, sizeof(q),
             "%s('%s', 't', '9434765918', 'A', 'B', '1990-01-01', "
             "'pre_conception', NULL, NULL)",
             base, org_a);
    assert_string_equal(sql_state(owner_url, q), "23514");
    snprintf(q, sizeof(q),
             "%s('%s', 't', '9434765919', 'A', 'B', '1990-01-01', "
             "'pregnant', NULL, NULL)",
             base, org_a);
    assert_string_equal(sql_state(owner_url, q), "23514");
    snprintf(q, sizeof(q),
             "%s('%s', 't', '9434765919', 'A', 'B', '1990-01-01', "
             "'postnatal', NULL, '2026-01-01')",
             base, org_a);
    assert_string_equal(sql_state(owner_url, q), "");
    assert_string_equal(sql_state(owner_url, q), "23505");
    /* The same woman may be on another organisation's record. */
    snprintf(q, sizeof(q),
             "%s('%s', 't', '9434765919', 'A', 'B', '1990-01-01', "
             "'postnatal', NULL, '2026-01-01')",
             base, org_b);
    assert_string_equal(sql_state(owner_url, q), "");
    /* NHS number rule in SQL agrees with the C one on its edge cases. */
    PGresult *res =
        sql(owner_url, "SELECT nhs_number_valid('0000000000'), "
                       "nhs_number_valid('2000000010'), nhs_number_valid('0000000060'), "
                       "nhs_number_valid('4010232137'), nhs_number_valid('401023213')");
    assert_string_equal(PQgetvalue(res, 0, 0), "t");
    assert_string_equal(PQgetvalue(res, 0, 1), "t");
    assert_string_equal(PQgetvalue(res, 0, 2), "f");
    assert_string_equal(PQgetvalue(res, 0, 3), "t");
    assert_string_equal(PQgetvalue(res, 0, 4), "f");
    PQclear(res);
}

/* A new workflow is rows, a guard function and the generic trigger: no C.
 * The trigger refuses an unlisted step whoever writes it; the guards of a
 * step say why it is refused, or nothing when it may go ahead. */
static void workflows_are_data(void **state)
{
    (void)state;
    char q[2048];
    unsigned suffix = (unsigned)getpid();
    snprintf(q, sizeof(q),
             "CREATE TABLE it_things_%u (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), "
             "state text NOT NULL DEFAULT 'open');"
             "INSERT INTO workflows VALUES ('it_%u', 'open');"
             "INSERT INTO workflow_steps (workflow, from_state, to_state, roles, guards) VALUES "
             "('it_%u', 'open', 'closed', '{clinician}', '{it_guard_%u}');"
             "CREATE FUNCTION it_guard_%u(a access, id uuid, body jsonb) RETURNS jsonb "
             "LANGUAGE sql AS $$ SELECT jsonb_build_object('status', 409, 'detail', "
             "'consent not in force') WHERE NOT body ? 'consent' $$;"
             "CREATE TRIGGER it_things_%u_workflow BEFORE UPDATE OF state ON it_things_%u "
             "FOR EACH ROW EXECUTE FUNCTION workflow_state_follows('it_%u', 'state');"
             "INSERT INTO it_things_%u DEFAULT VALUES",
             suffix, suffix, suffix, suffix, suffix, suffix, suffix, suffix, suffix);
    sql_ok(owner_url, q);
    snprintf(q, sizeof(q),
             "SELECT workflow_refusals('it_%u', 'open', 'closed', NULL, id, '{}')::text, "
             "workflow_refusals('it_%u', 'open', 'closed', NULL, id, '{\"consent\": true}')::text "
             "FROM it_things_%u",
             suffix, suffix, suffix);
    PGresult *res = sql(owner_url, q);
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    assert_non_null(strstr(PQgetvalue(res, 0, 0), "consent not in force"));
    assert_string_equal(PQgetvalue(res, 0, 1), "[]");
    PQclear(res);
    snprintf(q, sizeof(q), "UPDATE it_things_%u SET state = 'elsewhere'", suffix);
    assert_string_equal(sql_state(owner_url, q), "23514");
    snprintf(q, sizeof(q), "UPDATE it_things_%u SET state = 'closed'", suffix);
    assert_string_equal(sql_state(owner_url, q), "");
    /* closed has no step back. */
    snprintf(q, sizeof(q), "UPDATE it_things_%u SET state = 'open'", suffix);
    assert_string_equal(sql_state(owner_url, q), "23514");
}

/* The one scope rule, as every statement uses it: an admin sees its
 * organisation, a clinician what its teams hold or the women linked to
 * them, a referrer what it submitted, nobody another organisation's. */
static void access_scope_is_the_one_rule(void **state)
{
    (void)state;
    char org[37], team[37], other_org[37], other_team[37];
    new_org(org, team);
    new_org(other_org, other_team);
    char q[2048];
    snprintf(q, sizeof(q),
             "WITH a AS (SELECT '(%s,adm,admin,,r)'::access AS adm, "
             "'(%s,cli,clinician,\"{%s}\",r)'::access AS cli, "
             "'(%s,ref,referrer,,r)'::access AS ref) "
             "SELECT EXISTS (SELECT FROM access_scope(adm, '%s', NULL, '%s', 'x')), "
             "EXISTS (SELECT FROM access_scope(adm, '%s', NULL, NULL, NULL)), "
             "EXISTS (SELECT FROM access_scope(cli, '%s', NULL, '%s', NULL)), "
             "EXISTS (SELECT FROM access_scope(cli, '%s', NULL, '%s', NULL)), "
             "EXISTS (SELECT FROM access_scope(cli, '%s', NULL, NULL, NULL)), "
             "EXISTS (SELECT FROM access_scope(cli, '%s', gen_random_uuid(), NULL, NULL)), "
             "EXISTS (SELECT FROM access_scope(ref, '%s', NULL, '%s', 'ref')), "
             "EXISTS (SELECT FROM access_scope(ref, '%s', NULL, '%s', 'other')) FROM a",
             org, org, team, org,                  /* contexts */
             org, team, other_org,                 /* admin: own org yes, other no */
             org, team, org, other_team, org, org, /* clinician */
             org, team, org, team /* referrer */);
    PGresult *res = sql(owner_url, q);
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    const char *want[] = {"t", "f", "t", "f", "t", "f", "t", "f"};
    for (int i = 0; i < 8; i++)
        assert_string_equal(PQgetvalue(res, 0, i), want[i]);
    PQclear(res);
}

/* The service-user routes' handlers, as the router would call them. */
static const route service_user_route = {.resource = &service_user_record};
#define service_users_create record_create
#define service_users_get record_get
#define service_users_update record_update

static request *new_request(const char *method, const char *body, const principal *who)
{
    arena_reset(&a);
    request *r = arena_alloc(&a, sizeof(*r));
    request_init(r, &a);
    r->method = method;
    r->path = "/v1/service-users";
    r->db = &app_db;
    r->who = who;
    r->route = &service_user_route;
    snprintf(r->request_id, sizeof(r->request_id), "it");
    if (body) {
        r->body = arena_strdup(&a, body);
        r->body_len = strlen(body);
    }
    return r;
}

static const char *header(request *r, const char *name)
{
    const char *h = r->headers.data ? strstr(r->headers.data, name) : NULL;
    if (!h)
        return NULL;
    h += strlen(name) + 2;
    return arena_strndup(&a, h, strcspn(h, "\r"));
}

#define WOMAN                                                                                      \
    "{\"nhs_number\":\"4010232137\",\"given_name\":\"Ann\",\"family_name\":\"O'Brien\","           \
    "\"date_of_birth\":\"1990-05-01\",\"perinatal_status\":{\"stage\":\"pregnant\","               \
    "\"estimated_due_date\":\"2027-02-01\"}}"

/* Creates WOMAN through the handler as who; her id goes to id. */
static void create_woman(const principal *who, char id[37])
{
    request *r = new_request("POST", WOMAN, who);
    service_users_create(r);
    assert_int_equal(r->status, 201);
    const char *loc = header(r, "Location");
    assert_non_null(loc);
    snprintf(id, 37, "%s", loc + strlen("/v1/service-users/"));
    assert_string_equal(header(r, "ETag"), "\"1\"");
}

/* PATCHes her record as who, with If-Match etag; the request, answered. */
static request *patch_woman(const principal *who, const char *id, const char *body,
                            const char *etag)
{
    request *r = new_request("PATCH", body, who);
    r->path_params[0] = id;
    r->npath_params = 1;
    r->if_match = etag;
    service_users_update(r);
    return r;
}

static void create_read_update_through_handlers(void **state)
{
    (void)state;
    char org_a[37], team_a[37], org_b[37], created_id[37];
    principal who_a, who_b;
    new_org(org_a, team_a);
    new_org(org_b, NULL);
    set_principal(&who_a, "it-user", org_a, team_a);
    set_principal(&who_b, "it-user-b", org_b, NULL);
    create_woman(&who_a, created_id);
    request *r;

    r = new_request("GET", NULL, &who_a);
    r->path_params[0] = created_id;
    r->npath_params = 1;
    service_users_get(r);
    assert_int_equal(r->status, 200);
    assert_non_null(strstr(r->response_body, "O'Brien"));

    /* Another organisation does not see her: 404, as if she did not exist. */
    r = new_request("GET", NULL, &who_b);
    r->path_params[0] = created_id;
    r->npath_params = 1;
    service_users_get(r);
    assert_int_equal(r->status, 404);

    r = patch_woman(&who_a, created_id, "{\"given_name\":\"Anna\"}", "\"1\"");
    assert_int_equal(r->status, 200);
    assert_string_equal(header(r, "ETag"), "\"2\"");

    r = patch_woman(&who_a, created_id, "{\"given_name\":\"Anne\"}", "\"1\"");
    assert_int_equal(r->status, 412);
}

/* A change refused when it commits (a deferred check) is not reported as
 * audited (its row went with the transaction, so dispatch writes the
 * fallback row) and does not carry the ETag of the version that did not
 * commit. */
static void a_change_refused_at_commit_is_audited_again(void **state)
{
    (void)state;
    char org[37], team[37], id[37];
    principal who;
    new_org(org, team);
    set_principal(&who, "it-user", org, team);
    create_woman(&who, id);
    sql_ok(owner_url,
           "CREATE FUNCTION it_fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ "
           "BEGIN RAISE EXCEPTION 'refused at commit'; END $$; "
           "CREATE CONSTRAINT TRIGGER it_fail_at_commit AFTER UPDATE ON service_users "
           "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.given_name = 'FailAtCommit') "
           "EXECUTE FUNCTION it_fail_at_commit()");
    request *r = patch_woman(&who, id, "{\"given_name\":\"FailAtCommit\"}", "\"1\"");
    sql_ok(owner_url, "DROP TRIGGER it_fail_at_commit ON service_users; "
                      "DROP FUNCTION it_fail_at_commit()");
    assert_true(r->status >= 500);
    assert_false(r->audited);
    assert_null(header(r, "ETag"));
    /* Nothing changed: her version is still 1. */
    assert_int_equal(patch_woman(&who, id, "{\"given_name\":\"Anna\"}", "\"1\"")->status, 200);
}

/* A report submission refused at commit answers 503 (it was a bare 500:
 * no problem was set), and is audited again. */
static void a_submission_refused_at_commit_answers_503(void **state)
{
    (void)state;
    char org[37];
    principal admin;
    new_org(org, NULL);
    set_principal(&admin, "it-admin", org, NULL);
    sql_ok(owner_url,
           "CREATE FUNCTION it_fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ "
           "BEGIN RAISE EXCEPTION 'refused at commit'; END $$; "
           "CREATE CONSTRAINT TRIGGER it_fail_at_commit AFTER INSERT ON report_submissions "
           "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION it_fail_at_commit()");
    request *r = new_request("POST", "{\"year\":2025,\"quarter\":1}", &admin);
    r->path_params[0] = "activity";
    r->npath_params = 1;
    report_submissions_create(r);
    sql_ok(owner_url, "DROP TRIGGER it_fail_at_commit ON report_submissions; "
                      "DROP FUNCTION it_fail_at_commit()");
    assert_int_equal(r->status, 503);
    assert_false(r->audited);
    assert_null(header(r, "Location"));
}

/* Runs one statement on an open connection; it must succeed. */
static void exec_ok(PGconn *c, const char *query)
{
    PGresult *res = PQexec(c, query);
    if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
        fprintf(stderr, "%s: %s\n", query, PQresultErrorMessage(res));
    assert_true(PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK);
    PQclear(res);
}

/* Runs first's statement in a transaction, then second's in another (which
 * waits for a row of first's), then commits first and second. Returns the
 * SQLSTATE second's statement failed with, "" when it succeeded. */
static const char *two_at_once(const char *first_sql, const char *second_sql)
{
    PGconn *first = PQconnectdb(owner_url), *second = PQconnectdb(owner_url);
    assert_int_equal(PQstatus(first), CONNECTION_OK);
    assert_int_equal(PQstatus(second), CONNECTION_OK);
    exec_ok(first, "BEGIN");
    exec_ok(first, first_sql);
    exec_ok(second, "BEGIN");
    assert_int_equal(PQsendQuery(second, second_sql), 1);
    usleep(200 * 1000);
    exec_ok(first, "COMMIT");
    const char *failed = "";
    PGresult *res;
    while ((res = PQgetResult(second))) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
            failed = arena_strdup(&a, PQresultErrorField(res, PG_DIAG_SQLSTATE));
        PQclear(res);
    }
    exec_ok(second, *failed ? "ROLLBACK" : "COMMIT");
    PQfinish(first);
    PQfinish(second);
    return failed;
}

/* Two rows about her written at once, each changing what her record shows
 * (two consents; twins): the second transaction waits for the first and
 * then counts it, instead of overwriting her record from a snapshot
 * without it. */
static void what_she_shows_counts_concurrent_writes(void **state)
{
    (void)state;
    char org[37], team[37], id[37], one[1024], two[1024];
    principal who;
    new_org(org, team);
    set_principal(&who, "it-user", org, team);
    create_woman(&who, id);
    snprintf(one, sizeof(one),
             "UPDATE service_users SET perinatal_stage = 'postnatal', estimated_due_date = NULL, "
             "delivery_date = current_date - 3 WHERE id = '%s'",
             id);
    sql_ok(owner_url, one);
    const char *scopes[] = {"share_with_gp", "share_with_maternity"};
    char *consent[] = {one, two};
    for (int i = 0; i < 2; i++)
        snprintf(consent[i], sizeof(one),
                 "INSERT INTO consents (organisation_id, service_user_id, scope, decision, "
                 "decided_on, created_by) VALUES ('%s', '%s', '%s', 'given', current_date - 1, "
                 "'it')",
                 org, id, scopes[i]);
    assert_string_equal(two_at_once(one, two), "");
    snprintf(one, sizeof(one),
             "INSERT INTO infants (organisation_id, service_user_id, date_of_birth, created_by) "
             "VALUES ('%s', '%s', current_date - 3, 'it')",
             org, id);
    assert_string_equal(two_at_once(one, one), "");
    snprintf(one, sizeof(one),
             "SELECT shown_consent ->> 'share_with_gp', shown_consent ->> 'share_with_maternity', "
             "shown_infant_count FROM service_users WHERE id = '%s'",
             id);
    PGresult *res = sql(owner_url, one);
    assert_string_equal(PQgetvalue(res, 0, 0), "true");
    assert_string_equal(PQgetvalue(res, 0, 1), "true");
    assert_string_equal(PQgetvalue(res, 0, 2), "2");
    PQclear(res);
}

/* An offer to a partner made while her withdrawal of consent to involve
 * the partner is being recorded waits for it, then is refused (MH6:
 * support is offered with her consent). */
static void an_offer_waits_for_a_withdrawal_being_recorded(void **state)
{
    (void)state;
    char org[37], team[37], id[37], q[1024], withdrawal[1024], offer[1024];
    principal who;
    new_org(org, team);
    set_principal(&who, "it-user", org, team);
    create_woman(&who, id);
    snprintf(q, sizeof(q),
             "INSERT INTO partners (organisation_id, service_user_id, name, relationship, "
             "created_by) VALUES ('%s', '%s', 'P', 'partner', 'it') RETURNING id",
             org, id);
    PGresult *res = sql(owner_url, q);
    char partner[37];
    snprintf(partner, sizeof(partner), "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    snprintf(q, sizeof(q),
             "INSERT INTO consents (organisation_id, service_user_id, partner_id, scope, "
             "decision, decided_on, created_by) VALUES ('%s', '%s', '%s', "
             "'partner_involvement', 'given', current_date - 1, 'it')",
             org, id, partner);
    sql_ok(owner_url, q);
    snprintf(withdrawal, sizeof(withdrawal),
             "INSERT INTO consents (organisation_id, service_user_id, partner_id, scope, "
             "decision, decided_on, created_by) VALUES ('%s', '%s', '%s', "
             "'partner_involvement', 'withdrawn', current_date, 'it')",
             org, id, partner);
    snprintf(offer, sizeof(offer),
             "INSERT INTO partner_offers (organisation_id, service_user_id, partner_id, "
             "support_type, mh6_item, offered_on, created_by) VALUES ('%s', '%s', '%s', "
             "'emotional', 'family_sessions', current_date, 'it')",
             org, id, partner);
    assert_string_equal(two_at_once(withdrawal, offer), "23514");
}

static void idempotent_create_replays(void **state)
{
    (void)state;
    char org[37], team[37], existing[37];
    principal who_a;
    new_org(org, team);
    set_principal(&who_a, "it-user", org, team);
    /* WOMAN is on the record already, so a second create of her is 409. */
    create_woman(&who_a, existing);
    const char *body =
        "{\"nhs_number\":\"1100000003\",\"given_name\":\"Bea\",\"family_name\":\"C\","
        "\"date_of_birth\":\"1991-05-01\",\"perinatal_status\":"
        "{\"stage\":\"pre_conception\"}}";
    request *r = new_request("POST", body, &who_a);
    r->idempotency_key = "k-1";
    service_users_create(r);
    assert_int_equal(r->status, 201);
    char first[1024];
    snprintf(first, sizeof(first), "%.*s", (int)r->response_len, r->response_body);

    r = new_request("POST", body, &who_a);
    r->idempotency_key = "k-1";
    service_users_create(r);
    assert_int_equal(r->status, 201);
    assert_string_equal(r->response_body, first);
    assert_non_null(header(r, "Idempotent-Replayed"));

    r = new_request("POST", WOMAN, &who_a);
    r->idempotency_key = "k-1";
    service_users_create(r);
    assert_int_equal(r->status, 422);

    /* A refused create leaves no key behind: the key can be used again. */
    r = new_request("POST", WOMAN, &who_a);
    r->idempotency_key = "k-2";
    service_users_create(r);
    assert_int_equal(r->status, 409);
    char q[256];
    snprintf(q, sizeof(q),
             "SELECT count(*) FROM idempotency_keys WHERE key = 'k-2' AND organisation_id = '%s'",
             org);
    PGresult *res = sql(owner_url, q);
    assert_int_equal(int_value(res, 0, 0), 0);
    PQclear(res);
}

static void reconnects_after_the_connection_is_killed(void **state)
{
    (void)state;
    char org[37], team[37], created_id[37];
    principal who_a;
    new_org(org, team);
    set_principal(&who_a, "it-user", org, team);
    create_woman(&who_a, created_id);
    /* Kill every backend of the app role, as a server restart would. */
    char q[256];
    snprintf(q, sizeof(q),
             "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
             "WHERE datname = '%s' AND usename = 'perinatal_app'",
             dbname);
    sql_ok(admin_url, q);
    usleep(100 * 1000);
    request *r = new_request("GET", NULL, &who_a);
    r->path_params[0] = created_id;
    r->npath_params = 1;
    service_users_get(r);
    assert_int_equal(r->status, 200); /* reconnected, prepared again, retried */
}

/* A statement made per request (a list's shape) runs the generic plan;
 * every other statement runs with PostgreSQL's choice, and a transaction
 * keeps the mode it began with. */
static void lists_run_generic_plans_and_the_rest_auto(void **state)
{
    (void)state;
    static const stmt_def other = {"it_mode_other",
                                   "SELECT current_setting('plan_cache_mode') "
                                   "WHERE $1::text IS NULL AND $2::text IS NULL",
                                   STMT_PLAN_PER_CALL};
    static const stmt_def made = {"it_mode_made#1",
                                  "SELECT current_setting('plan_cache_mode') "
                                  "WHERE $1::text IS NULL AND $2 IS NULL",
                                  STMT_PREPARE_ON_USE};
    const stmt_def *order[] = {&other, &made, &made, &other, &made};
    const char *want[] = {"auto", "force_generic_plan", "force_generic_plan", "auto",
                          "force_generic_plan"};
    const char *params[] = {NULL, NULL};
    for (int i = 0; i < 5; i++) {
        request *r = new_request("GET", NULL, NULL);
        PGresult *res = db_exec(r, order[i], 2, params);
        assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
        assert_string_equal(PQgetvalue(res, 0, 0), want[i]);
    }
    request *r = new_request("GET", NULL, NULL);
    assert_true(db_begin(r)); /* back to auto first */
    PGresult *res = db_exec(r, &made, 2, params);
    assert_string_equal(PQgetvalue(res, 0, 0), "auto");
    db_rollback(r);
}

/* A throwaway database <dbname>_before_<name>, migrated up to (not
 * including) `version` as an older release left it; its name in name_out and its
 * URL (as the owner) in url. The test drops it when done. */
static void database_before(const char *name, int version, char *name_out, size_t name_n, char *url,
                            size_t urln)
{
    char q[512];
    snprintf(name_out, name_n, "%s_before_%s", dbname, name);
    snprintf(url, urln, "%s dbname=%s user=perinatal_owner", admin_url, name_out);
    snprintf(q, sizeof(q), "DROP DATABASE IF EXISTS %s", name_out);
    sql_ok(admin_url, q);
    snprintf(q, sizeof(q), "CREATE DATABASE %s OWNER perinatal_owner", name_out);
    sql_ok(admin_url, q);
    sql_ok(url, "CREATE TABLE schema_migrations (version integer PRIMARY KEY, "
                "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
    for (const migration *m = migrations; m->name && m->version < version; m++) {
        sql_ok(url, m->sql);
        snprintf(q, sizeof(q), "INSERT INTO schema_migrations (version, name) VALUES (%d, '%s')",
                 m->version, m->name);
        sql_ok(url, q);
    }
}

/* One audit row through the group committer, from a thread of its own:
 * its request id names it (see below). */
typedef struct {
    char access[160], args[160];
    audit_batch_result result;
} queued_row;

static void *write_queued_row(void *arg)
{
    queued_row *q = arg;
    q->result = audit_batch_write(q->access, q->args);
    return NULL;
}

/* A batch refused for one row's data (a constraint, class 23) is tried a
 * row at a time, so only that row's request fails. A trigger holds the
 * committer on a first row while two more queue behind it, so that they
 * share the next batch, and refuses one of them. (The SQLSTATE that makes
 * the committer try again row by row was read after its result was freed;
 * the sanitizer build of this test reports that.) */
static void a_refused_row_fails_only_its_own_request(void **state)
{
    (void)state;
    char org[37], q[512];
    new_org(org, NULL);
    sql_ok(owner_url, "CREATE FUNCTION it_audit_gate() RETURNS trigger LANGUAGE plpgsql AS $$ "
                      "BEGIN IF NEW.request_id = 'it-batch-slow' THEN PERFORM pg_sleep(0.5); "
                      "ELSIF NEW.request_id = 'it-batch-bad' THEN RAISE EXCEPTION 'refused' "
                      "USING ERRCODE = 'check_violation'; END IF; RETURN NEW; END $$; "
                      "CREATE TRIGGER it_audit_gate BEFORE INSERT ON audit_events "
                      "FOR EACH ROW EXECUTE FUNCTION it_audit_gate()");
    assert_true(audit_batch_start(app_url));
    const char *ids[] = {"it-batch-slow", "it-batch-bad", "it-batch-good"};
    queued_row rows[3];
    memset(rows, 0, sizeof(rows));
    pthread_t threads[3];
    for (int i = 0; i < 3; i++) {
        snprintf(rows[i].access, sizeof(rows[i].access), "(%s,it-user,admin,,%s)", org, ids[i]);
        snprintf(rows[i].args, sizeof(rows[i].args),
                 "{\"resource\":\"service_user\",\"action\":\"read\",\"women\":\"{}\","
                 "\"outcome\":\"ok\"}");
        assert_int_equal(pthread_create(&threads[i], NULL, write_queued_row, &rows[i]), 0);
        if (i == 0)
            usleep(200 * 1000); /* the committer is inside the first row's batch */
    }
    for (int i = 0; i < 3; i++)
        pthread_join(threads[i], NULL);
    audit_batch_stop();
    sql_ok(owner_url, "DROP TRIGGER it_audit_gate ON audit_events; DROP FUNCTION it_audit_gate()");
    assert_int_equal(rows[0].result, AUDIT_BATCH_COMMITTED);
    assert_int_equal(rows[1].result, AUDIT_BATCH_FAILED);
    assert_int_equal(rows[2].result, AUDIT_BATCH_COMMITTED);
    snprintf(q, sizeof(q),
             "SELECT string_agg(request_id, ',' ORDER BY request_id) FROM audit_events "
             "WHERE organisation_id = '%s'",
             org);
    PGresult *res = sql(owner_url, q);
    assert_string_equal(PQgetvalue(res, 0, 0), "it-batch-good,it-batch-slow");
    PQclear(res);
}

/* Connections notice a vanished server over TCP (keepalives, a user
 * timeout) unless the deployment's conninfo says otherwise. */
static void connections_notice_a_vanished_server(void **state)
{
    (void)state;
    const char *want[][2] = {{"keepalives_idle", "30"},
                             {"keepalives_interval", "10"},
                             {"keepalives_count", "3"},
                             {"tcp_user_timeout", "60000"}};
    PQconninfoOption *opts = PQconninfo(app_db.conn);
    assert_non_null(opts);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const char *got = NULL;
        for (PQconninfoOption *o = opts; o->keyword; o++)
            if (!strcmp(o->keyword, want[i][0]))
                got = o->val;
        assert_non_null(got);
        assert_string_equal(got, want[i][1]);
    }
    PQconninfoFree(opts);
    /* The deployment's own value wins. */
    char url[1200];
    snprintf(url, sizeof(url), "%s keepalives_idle=5", app_url);
    db d = {0};
    assert_true(db_connect(&d, url));
    opts = PQconninfo(d.conn);
    for (PQconninfoOption *o = opts; o->keyword; o++)
        if (!strcmp(o->keyword, "keepalives_idle"))
            assert_string_equal(o->val, "5");
    PQconninfoFree(opts);
    db_close(&d);
}

/* A process that starts (or restarts) loads the revocations in force before
 * it takes its first request: revocation_start returns with them loaded.
 * Before, the first refresh ran beside the workers, and a revoked token was
 * accepted until it had. */
static void revocations_are_loaded_before_the_first_request(void **state)
{
    (void)state;
    char jti[64], q[256];
    snprintf(jti, sizeof(jti), "it-revoked-%d-%ld", (int)getpid(), (long)time(NULL));
    snprintf(q, sizeof(q),
             "INSERT INTO revoked_tokens (jti, organisation_id, revoked_by) VALUES ('%s', "
             "'00000000-0000-4000-8000-000000000001', 'it')",
             jti);
    sql_ok(app_url, q);
    assert_false(revocation_is_revoked(jti));
    assert_true(revocation_start(app_url, 60000));
    assert_true(revocation_is_revoked(jti));
    revocation_stop();
}

/* A database whose schema lacks the application's statements (not yet
 * migrated, or restored from an older release): the connection is not
 * kept half prepared, where every request needing a missing statement
 * would answer 500 for the worker's life. It is closed and tried again
 * after the outage's back-off (503 meanwhile), and kept once the database
 * is migrated. */
static void a_connection_is_kept_only_with_every_statement(void **state)
{
    (void)state;
    char db2[80], url2[1200], q[256];
    database_before("unprepared", 9, db2, sizeof(db2), url2, sizeof(url2));
    db d = {0};
    assert_false(db_connect(&d, url2));
    assert_null(d.conn);
    assert_false(db_connect(&d, url2)); /* backing off: not tried again at once */
    assert_true(migrate_run(url2));
    usleep(300 * 1000); /* the first back-off is 100 ms */
    assert_true(db_connect(&d, url2));
    assert_non_null(d.conn);
    db_close(&d);
    snprintf(q, sizeof(q), "DROP DATABASE IF EXISTS %s WITH (FORCE)", db2);
    sql_ok(admin_url, q);
}

/* Issue 9, item 4: a database at the version before contacts, holding a
 * referral whose first contact was typed (responded_at) and one not yet
 * answered, migrated: the typed time becomes a contact (nobody recorded,
 * mode unknown, the perinatal team, attended with her present) that
 * answers the referral at the same time, and the answer follows it from
 * then on. */
static void typed_first_contacts_become_contacts(void **state)
{
    (void)state;
    char db2[80], url2[1200], q[2048];
    /* The schema as it was before referrals were answered by contacts (and
     * before the pathway's migration 009), so the upgrade runs both. */
    database_before("contacts", 9, db2, sizeof(db2), url2, sizeof(url2));
    sql_ok(url2,
           "INSERT INTO organisations (id, name) VALUES "
           "('00000000-0000-4000-8000-00000000f001', 'before');"
           "INSERT INTO teams (id, organisation_id, name, type, created_by) VALUES "
           "('00000000-0000-4000-8000-00000000f002', '00000000-0000-4000-8000-00000000f001', "
           "'Team', 'perinatal_community', 'it');"
           "INSERT INTO service_users (id, organisation_id, nhs_number, given_name, family_name, "
           "date_of_birth, perinatal_stage, created_by) VALUES "
           "('00000000-0000-4000-8000-00000000f003', '00000000-0000-4000-8000-00000000f001', "
           "'9434765919', 'Ada', 'Before', '1990-01-01', 'pre_conception', 'it');"
           "INSERT INTO referrals (id, organisation_id, service_user_id, team_id, source, channel, "
           "received_at, priority, criteria, reason, referrer_name, due_at, "
           "flag_discuss_individually, flag_discuss_with_camhs, flag_offer_joint_working, "
           "submitted_by, submitted_by_role, responded_at) SELECT "
           "('00000000-0000-4000-8000-00000000f0' || n)::uuid, "
           "'00000000-0000-4000-8000-00000000f001', '00000000-0000-4000-8000-00000000f003', "
           "'00000000-0000-4000-8000-00000000f002', 'gp', 'letter', "
           "'2026-01-05 09:00+00', 'routine', '{smi_pregnant}', 'r', 'Dr A', "
           "'2026-02-02 09:00+00', false, false, false, 'it', 'clinician', "
           "CASE n WHEN 10 THEN timestamptz '2026-01-20 11:30+00' END "
           "FROM generate_series(10, 11) n");
    assert_true(migrate_run(url2));

    PGresult *res =
        sql(url2, "SELECT count(*), count(*) FILTER (WHERE c.migrated AND c.mode = 'unknown' "
                  "AND c.staff_id IS NULL AND c.service = 'perinatal_team' "
                  "AND c.attendance = 'attended' AND c.woman_present AND NOT c.partner_present "
                  "AND c.at = r.responded_at AND c.team_id = r.team_id "
                  "AND c.service_user_id = r.service_user_id "
                  "AND r.id = '00000000-0000-4000-8000-00000000f010' AND r.version = 1) "
                  "FROM contacts c JOIN referrals r ON r.id = c.referral_id");
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    assert_int_equal(int_value(res, 0, 0), 1);
    assert_int_equal(int_value(res, 0, 1), 1);
    PQclear(res);

    /* From now on the contacts decide: entered in error, it answers no more;
     * a counting contact of the other referral answers it. */
    sql_ok(url2, "UPDATE contacts SET voided_at = now(), voided_by = 'it', void_reason = 'x'");
    sql_ok(url2, "INSERT INTO contacts (organisation_id, service_user_id, referral_id, at, "
                 "service, mode, attendance, woman_present, created_by) VALUES "
                 "('00000000-0000-4000-8000-00000000f001', "
                 "'00000000-0000-4000-8000-00000000f003', "
                 "'00000000-0000-4000-8000-00000000f011', '2026-01-07 10:00+00', "
                 "'crisis_team', 'video', 'attended', true, 'it')");
    res = sql(url2, "SELECT string_agg(coalesce(to_char(responded_at AT TIME ZONE 'UTC', "
                    "'YYYY-MM-DD HH24:MI'), '-'), ',' ORDER BY id) FROM referrals");
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(res, 0, 0), "-,2026-01-07 10:00");
    PQclear(res);
    snprintf(q, sizeof(q), "DROP DATABASE IF EXISTS %s WITH (FORCE)", db2);
    sql_ok(admin_url, q);
}

/* Issue 13: a database at the version before partners, holding a woman
 * with consent flags and a referral discharged with a free-text plan,
 * migrated: each true flag is a consent given on the day she was
 * registered, recorded by "migration", and her record shows the same
 * consents; the free-text plan is a discharge plan record; the discharge
 * step now needs a record. */
static void consent_flags_and_discharge_plans_become_records(void **state)
{
    (void)state;
    char db2[80], url2[1200], q[2048];
    database_before("partners", 19, db2, sizeof(db2), url2, sizeof(url2));
    sql_ok(url2,
           "INSERT INTO organisations (id, name) VALUES "
           "('00000000-0000-4000-8000-00000000f001', 'before');"
           "INSERT INTO teams (id, organisation_id, name, type, created_by) VALUES "
           "('00000000-0000-4000-8000-00000000f002', '00000000-0000-4000-8000-00000000f001', "
           "'Team', 'perinatal_community', 'it');"
           "INSERT INTO service_users (id, organisation_id, nhs_number, given_name, family_name, "
           "date_of_birth, perinatal_stage, created_by, created_at, consent_partner_involvement, "
           "consent_share_with_gp, consent_share_with_health_visiting) VALUES "
           "('00000000-0000-4000-8000-00000000f003', '00000000-0000-4000-8000-00000000f001', "
           "'9434765919', 'Ada', 'Before', '1990-01-01', 'pre_conception', 'it', "
           "'2026-01-04 23:30+00', true, true, false);"
           "INSERT INTO referrals (id, organisation_id, service_user_id, team_id, source, channel, "
           "received_at, priority, criteria, reason, referrer_name, due_at, "
           "flag_discuss_individually, flag_discuss_with_camhs, flag_offer_joint_working, "
           "submitted_by, submitted_by_role, responded_at, status, discharge_plan, "
           "risk_assessment, source_code) SELECT "
           "('00000000-0000-4000-8000-00000000f0' || n)::uuid, "
           "'00000000-0000-4000-8000-00000000f001', '00000000-0000-4000-8000-00000000f003', "
           "'00000000-0000-4000-8000-00000000f002', 'gp', 'letter', "
           "'2026-01-05 09:00+00', 'routine', '{smi_pregnant}', 'r', 'Dr A', "
           "'2026-02-02 09:00+00', false, false, false, 'it', 'clinician', "
           "'2026-01-20 11:30+00', CASE n WHEN 10 THEN 'discharged' ELSE 'unable_to_engage' END, "
           "CASE n WHEN 10 THEN '{\"summary\": \"Well.\", \"follow_up\": \"GP review.\"}'::jsonb "
           "END, '{\"risk_level\": \"low\"}', 'A1' FROM generate_series(10, 11) n");
    assert_true(migrate_run(url2));

    /* Two true flags, two records, dated her registration day in England
     * (23:30 UTC on 4 January is 4 January in London in winter). */
    PGresult *res = sql(url2, "SELECT string_agg(scope || ':' || decision || ':' || decided_on "
                              "|| ':' || created_by || ':' || migrated, ',' ORDER BY scope) "
                              "FROM consents");
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(res, 0, 0),
                        "partner_involvement:given:2026-01-04:migration:true,"
                        "share_with_gp:given:2026-01-04:migration:true");
    PQclear(res);
    res = sql(url2, "SELECT (service_user_json(s) -> 'consent')::text FROM service_users s");
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(res, 0, 0),
                        "{\"partner_involvement\" : true, \"share_with_gp\" : true, "
                        "\"share_with_health_visiting\" : false, \"share_with_maternity\" : "
                        "false}");
    PQclear(res);
    res = sql(url2, "SELECT count(*) FILTER (WHERE d.migrated AND d.summary = 'Well.' "
                    "AND d.follow_up = 'GP review.' AND d.relapse_signs IS NULL "
                    "AND NOT d.inform_gp AND d.id = '00000000-0000-4000-8000-00000000f010'), "
                    "count(*) FROM discharge_plans d");
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    assert_int_equal(int_value(res, 0, 0), 1);
    assert_int_equal(int_value(res, 0, 1), 1);
    PQclear(res);
    /* The other referral has no plan: its discharge step is refused. */
    res = sql(url2, "SELECT workflow_refusals('referral', 'unable_to_engage', 'discharged', "
                    "ROW('00000000-0000-4000-8000-00000000f001', 'it', 'clinician', "
                    "'{00000000-0000-4000-8000-00000000f002}', 'r')::access, "
                    "'00000000-0000-4000-8000-00000000f011', '{}')::text");
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    assert_non_null(strstr(PQgetvalue(res, 0, 0), "discharge-plan"));
    PQclear(res);
    /* The database holds it too: no discharge without the plan. */
    assert_string_equal(sql_state(url2, "UPDATE referrals SET status = 'discharged' "
                                        "WHERE id = '00000000-0000-4000-8000-00000000f011'"),
                        "23514");
    sql_ok(url2, "INSERT INTO discharge_plans (id, organisation_id, service_user_id, team_id, "
                 "follow_up, relapse_signs, created_by) SELECT id, organisation_id, "
                 "service_user_id, team_id, 'f', 'r', 'it' FROM referrals "
                 "WHERE id = '00000000-0000-4000-8000-00000000f011'");
    assert_string_equal(sql_state(url2, "UPDATE referrals SET status = 'discharged' "
                                        "WHERE id = '00000000-0000-4000-8000-00000000f011'"),
                        "");
    snprintf(q, sizeof(q), "DROP DATABASE IF EXISTS %s WITH (FORCE)", db2);
    sql_ok(admin_url, q);
}

/* Issue 12, item 4: a database at the version before infants, holding a
 * woman with infant_count 2, one postnatal without a count and one
 * pregnant, migrated: each counted infant becomes a row born on her
 * delivery date (nothing lost), the others get none, and her record's
 * infant_count is derived from the rows. */
static void infant_counts_become_infants(void **state)
{
    (void)state;
    char db2[80], url2[1200], q[2048];
    database_before("infants", 16, db2, sizeof(db2), url2, sizeof(url2));
    sql_ok(url2,
           "INSERT INTO organisations (id, name) VALUES "
           "('00000000-0000-4000-8000-00000000f101', 'before');"
           "INSERT INTO service_users (id, organisation_id, nhs_number, given_name, "
           "family_name, date_of_birth, perinatal_stage, estimated_due_date, delivery_date, "
           "infant_count, created_by) VALUES "
           "('00000000-0000-4000-8000-00000000f102', '00000000-0000-4000-8000-00000000f101', "
           "'9434765919', 'Ada', 'Twins', '1990-01-01', 'postnatal', NULL, '2026-01-05', 2, "
           "'it'), "
           "('00000000-0000-4000-8000-00000000f103', '00000000-0000-4000-8000-00000000f101', "
           "'9434765870', 'Bea', 'None', '1990-01-01', 'postnatal', NULL, '2026-01-05', NULL, "
           "'it'), "
           "('00000000-0000-4000-8000-00000000f104', '00000000-0000-4000-8000-00000000f101', "
           "'9434765846', 'Cat', 'Pregnant', '1990-01-01', 'pregnant', '2027-01-05', NULL, "
           "NULL, 'it')");
    assert_true(migrate_run(url2));

    PGresult *res = sql(url2, "SELECT count(*), count(*) FILTER (WHERE i.service_user_id = "
                              "'00000000-0000-4000-8000-00000000f102' AND i.migrated AND "
                              "i.date_of_birth = '2026-01-05' AND i.nhs_number IS NULL AND "
                              "i.organisation_id = '00000000-0000-4000-8000-00000000f101') "
                              "FROM infants i");
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    assert_int_equal(int_value(res, 0, 0), 2);
    assert_int_equal(int_value(res, 0, 1), 2);
    PQclear(res);
    res = sql(url2, "SELECT string_agg(coalesce(service_user_json(s) -> 'perinatal_status' ->> "
                    "'infant_count', '-'), ',' ORDER BY s.id) FROM service_users s");
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(res, 0, 0), "2,-,-");
    PQclear(res);
    res = sql(url2, "SELECT count(*) FROM information_schema.columns WHERE table_name = "
                    "'service_users' AND column_name = 'infant_count'");
    assert_int_equal(int_value(res, 0, 0), 0);
    PQclear(res);
    snprintf(q, sizeof(q), "DROP DATABASE IF EXISTS %s WITH (FORCE)", db2);
    sql_ok(admin_url, q);
}

int main(int argc, char **argv)
{
    struct CMUnitTest tests[] = {
        cmocka_unit_test(migrate_is_safe_to_run_twice),
        cmocka_unit_test(app_role_cannot_change_the_schema),
        cmocka_unit_test(audit_trail_is_append_only),
        cmocka_unit_test(database_holds_the_rules_too),
        cmocka_unit_test(workflows_are_data),
        cmocka_unit_test(access_scope_is_the_one_rule),
        cmocka_unit_test(create_read_update_through_handlers),
        cmocka_unit_test(idempotent_create_replays),
        cmocka_unit_test(a_change_refused_at_commit_is_audited_again),
        cmocka_unit_test(a_submission_refused_at_commit_answers_503),
        cmocka_unit_test(what_she_shows_counts_concurrent_writes),
        cmocka_unit_test(an_offer_waits_for_a_withdrawal_being_recorded),
        cmocka_unit_test(reconnects_after_the_connection_is_killed),
        cmocka_unit_test(lists_run_generic_plans_and_the_rest_auto),
        cmocka_unit_test(a_connection_is_kept_only_with_every_statement),
        cmocka_unit_test(connections_notice_a_vanished_server),
        cmocka_unit_test(revocations_are_loaded_before_the_first_request),
        cmocka_unit_test(a_refused_row_fails_only_its_own_request),
        cmocka_unit_test(typed_first_contacts_become_contacts),
        cmocka_unit_test(infant_counts_become_infants),
        cmocka_unit_test(consent_flags_and_discharge_plans_become_records),
    };
    size_t n = sizeof(tests) / sizeof(tests[0]);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reverse")) {
            for (size_t j = 0; j < n / 2; j++) {
                struct CMUnitTest t = tests[j];
                tests[j] = tests[n - 1 - j];
                tests[n - 1 - j] = t;
            }
        } else {
            cmocka_set_test_filter(argv[i]); /* e.g. "idempotent*" */
        }
    }
    return _cmocka_run_group_tests("integration_db", tests, n, setup, teardown);
}
