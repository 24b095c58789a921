/* The order of dispatch's refusals. A request with several faults at once is
 * answered for the first of them in this order:
 *   404 no such path, 405 method not allowed (with Allow), 401 no or invalid
 *   token, 403 valid token of the wrong role, 400 malformed query, 413 body
 *   too large, 415 wrong content type.
 * The order is a contract: a caller without a token learns nothing about the
 * body rules, one of the wrong role nothing about the query.
 *
 * Every request here is refused before a handler runs, on POST /v1/teams (a
 * route with no audit row), so no database is needed; db_exec is wrapped
 * (-Wl,--wrap=db_exec) to fail the test if one is ever asked for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "dispatch.h"
#include "resources.h"

#define ORG "00000000-0000-4000-8000-000000000001"
#define TEAM "00000000-0000-4000-8000-0000000000a1"

PGresult *__wrap_db_exec(request *r, const stmt_def *def, int nparams, const char *const *params);
PGresult *__wrap_db_exec(request *r, const stmt_def *def, int nparams, const char *const *params)
{
    const char *name = def->name;
    (void)r;
    (void)nparams;
    (void)params;
    fail_msg("dispatch reached the database (%s): the request was not refused", name);
    return NULL;
}

static char priv_pem[4096];
static char dir[] = "/tmp/perinatal-dispatch-XXXXXX";
static char pub_path[256];
static arena a;
static worker_ctx worker;

/* The faults a request can carry, in the order they are refused. */
enum {
    F_NO_PATH,
    F_METHOD,
    F_TOKEN,
    F_ROLE,
    F_QUERY,
    F_TOO_LARGE,
    F_CONTENT_TYPE,
    F_COUNT,
};
static const int refusal[F_COUNT] = {404, 405, 401, 403, 400, 413, 415};
static const char *const fault_name[F_COUNT] = {
    "no such path", "method",         "invalid token", "wrong role",
    "bad query",    "body too large", "content type",
};

static int setup(void **state)
{
    (void)state;
    char err[256];
    assert_true(config_load(err, sizeof(err)));
    g_config.log_requests = false;
    EVP_PKEY *k = EVP_EC_gen("P-256");
    assert_non_null(k);
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
    int n = BIO_read(b, priv_pem, sizeof(priv_pem) - 1);
    priv_pem[n > 0 ? n : 0] = '\0';
    BIO_free(b);
    assert_non_null(mkdtemp(dir));
    snprintf(pub_path, sizeof(pub_path), "%s/pub.pem", dir);
    FILE *f = fopen(pub_path, "w");
    assert_non_null(f);
    PEM_write_PUBKEY(f, k);
    fclose(f);
    EVP_PKEY_free(k);
    char spec[512];
    snprintf(spec, sizeof(spec), "k1=ES256:%s", pub_path);
    if (!auth_load_keys(spec, err, sizeof(err)))
        fail_msg("%s", err);
    worker.tokens = token_cache_new(16);
    worker.db = NULL;
    arena_init(&a, 1 << 20);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    token_cache_free(worker.tokens);
    auth_free_keys();
    arena_free(&a);
    unlink(pub_path);
    rmdir(dir);
    return 0;
}

/* "Bearer <token>" for claimed_role, signed with the test key; expired when asked
 * (then it is invalid whatever else it says). Lives in the request arena. */
static const char *bearer(const char *claimed_role, bool expired)
{
    time_t now = time(NULL);
    long iat = (long)now - (expired ? 7200 : 0);
    char claims[1024];
    snprintf(claims, sizeof(claims),
             "{\"iss\":\"%s\",\"aud\":\"%s\",\"sub\":\"dispatch-test\",\"jti\":\"j-%s-%d\","
             "\"role\":\"%s\",\"org\":\"" ORG "\",\"team\":[\"" TEAM "\"],\"iat\":%ld,"
             "\"exp\":%ld}",
             g_config.jwt_issuer, g_config.jwt_audience, claimed_role, expired, claimed_role, iat,
             iat + 600);
    jwt_t *jwt;
    assert_int_equal(jwt_new(&jwt), 0);
    assert_int_equal(jwt_add_grants_json(jwt, claims), 0);
    jwt_add_header(jwt, "kid", "k1");
    assert_int_equal(
        jwt_set_alg(jwt, JWT_ALG_ES256, (const unsigned char *)priv_pem, (int)strlen(priv_pem)), 0);
    char *t = jwt_encode_str(jwt);
    jwt_free(jwt);
    assert_non_null(t);
    const char *out = arena_printf(&a, "Bearer %s", t);
    free(t);
    return out;
}

static bool has(unsigned faults, int fault)
{
    return (faults & (1u << fault)) != 0;
}

/* Runs POST /v1/teams (admins only, JSON body) with the faults asked for. */
static request *send_with(unsigned faults)
{
    arena_reset(&a);
    request *r = arena_alloc(&a, sizeof(*r));
    request_init(r, &a);
    dispatch_request_id(r, "dispatch-test");
    r->method = has(faults, F_METHOD) ? "DELETE" : "POST";
    r->path = has(faults, F_NO_PATH) ? "/v1/no-such-resource" : "/v1/teams";
    r->authorization = bearer(has(faults, F_ROLE) ? "clinician" : "admin", has(faults, F_TOKEN));
    r->query_string = has(faults, F_QUERY) ? "limit=%zz" : NULL;
    r->content_type = has(faults, F_CONTENT_TYPE) ? "text/plain" : "application/json";
    r->body = "{\"name\":\"Dispatch\",\"type\":\"perinatal_community\"}";
    r->body_len = strlen(r->body);
    dispatch(&worker, r, has(faults, F_TOO_LARGE) ? 413 : 0);
    return r;
}

static const char *header(const request *r, const char *name)
{
    const char *h = r->headers.data ? strstr(r->headers.data, name) : NULL;
    if (!h)
        return NULL;
    h += strlen(name) + 2;
    return arena_strndup(r->a, h, strcspn(h, "\r"));
}

static void expect(unsigned faults, int status)
{
    request *r = send_with(faults);
    if (r->status != status) {
        char names[256] = "";
        size_t used = 0;
        for (int f = 0; f < F_COUNT; f++)
            if (faults & (1u << f))
                used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
                                         used ? ", " : "", fault_name[f]);
        fail_msg("faults {%s}: expected %d, got %d", names, status, r->status);
    }
    assert_string_equal(r->response_type, "application/problem+json");
}

/* Each fault alone is refused with its own status (the wrong role needs a
 * valid token, which every request here has unless F_TOKEN is set). */
static void each_fault_alone(void **state)
{
    (void)state;
    for (int f = 0; f < F_COUNT; f++)
        expect(1u << f, refusal[f]);
}

/* For each adjacent pair of the order, the earlier one wins. */
static void earlier_of_each_adjacent_pair_wins(void **state)
{
    (void)state;
    for (int f = 0; f + 1 < F_COUNT; f++)
        expect((1u << f) | (1u << (f + 1)), refusal[f]);
}

/* With every fault from one onwards, that one is the answer. */
static void earliest_of_all_later_faults_wins(void **state)
{
    (void)state;
    for (int f = 0; f < F_COUNT; f++)
        expect(((1u << F_COUNT) - 1) & ~((1u << f) - 1), refusal[f]);
}

static void details_of_405_and_401(void **state)
{
    (void)state;
    request *r = send_with(1u << F_METHOD | 1u << F_TOKEN);
    assert_int_equal(r->status, 405);
    assert_string_equal(header(r, "Allow"), "POST, GET");
    assert_null(header(r, "WWW-Authenticate"));

    r = send_with(1u << F_TOKEN | 1u << F_ROLE);
    assert_int_equal(r->status, 401);
    assert_string_equal(header(r, "WWW-Authenticate"), "Bearer error=\"invalid_token\"");

    /* No token at all is 401 too, before anything about the request. */
    arena_reset(&a);
    r = arena_alloc(&a, sizeof(*r));
    request_init(r, &a);
    r->method = "POST";
    r->path = "/v1/teams";
    r->query_string = "limit=%zz";
    r->content_type = "text/plain";
    dispatch(&worker, r, 413);
    assert_int_equal(r->status, 401);
}

int main(void)
{
    resources_register(); /* the records' routes, /v1/teams among them */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_fault_alone),
        cmocka_unit_test(earlier_of_each_adjacent_pair_wins),
        cmocka_unit_test(earliest_of_all_later_faults_wins),
        cmocka_unit_test(details_of_405_and_401),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
