/* Token checks: real ES256 keys made for the test, real signatures, and every
 * way a token must be refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "config.h"
#include "revocation.h"

static char priv_pem[4096], pub_pem[4096], other_priv_pem[4096];
static char dir[] = "/tmp/perinatal-auth-XXXXXX";
static time_t now;
#define ORG "00000000-0000-4000-8000-000000000001"
#define TEAM "00000000-0000-4000-8000-0000000000a1"

static void make_key(char *priv, char *pub)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    assert_non_null(k);
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
    int n = BIO_read(b, priv, 4095);
    priv[n > 0 ? n : 0] = '\0';
    BIO_free(b);
    if (pub) {
        b = BIO_new(BIO_s_mem());
        PEM_write_bio_PUBKEY(b, k);
        n = BIO_read(b, pub, 4095);
        pub[n > 0 ? n : 0] = '\0';
        BIO_free(b);
    }
    EVP_PKEY_free(k);
}

static int setup(void **state)
{
    (void)state;
    char err[256];
    assert_true(config_load(err, sizeof(err)));
    make_key(priv_pem, pub_pem);
    make_key(other_priv_pem, NULL);
    assert_non_null(mkdtemp(dir));
    char path[256], spec[512];
    snprintf(path, sizeof(path), "%s/pub.pem", dir);
    FILE *f = fopen(path, "w");
    fputs(pub_pem, f);
    fclose(f);
    snprintf(spec, sizeof(spec), "k1=ES256:%s", path);
    if (!auth_load_keys(spec, err, sizeof(err)))
        fail_msg("%s", err);
    now = time(NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof(path), "%s/pub.pem", dir);
    unlink(path);
    rmdir(dir);
    auth_free_keys();
    return 0;
}

/* Builds "Bearer <token>" signed with key (ES256) and the given claims JSON. */
static char *sign(const char *key, const char *kid, const char *claims)
{
    jwt_t *jwt;
    assert_int_equal(jwt_new(&jwt), 0);
    assert_int_equal(jwt_add_grants_json(jwt, claims), 0);
    if (kid)
        jwt_add_header(jwt, "kid", kid);
    assert_int_equal(jwt_set_alg(jwt, JWT_ALG_ES256, (const unsigned char *)key, (int)strlen(key)),
                     0);
    char *t = jwt_encode_str(jwt);
    jwt_free(jwt);
    size_t len = strlen(t) + 8;
    char *out = malloc(len);
    assert_non_null(out);
    snprintf(out, len, "Bearer %s", t);
    free(t);
    return out;
}

static char *claims(const char *extra_or_null, const char *omit)
{
    static char buf[4096];
    char parts[10][256];
    int n = 0;
    const char *names[] = {"iss", "aud", "sub", "jti", "role", "org", "iat", "exp", "team"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (omit && !strcmp(omit, names[i]))
            continue;
        switch (i) {
        case 0:
            snprintf(parts[n++], 256, "\"iss\":\"perinatal-local\"");
            break;
        case 1:
            snprintf(parts[n++], 256, "\"aud\":\"perinatal-api\"");
            break;
        case 2:
            snprintf(parts[n++], 256, "\"sub\":\"user-1\"");
            break;
        case 3:
            snprintf(parts[n++], 256, "\"jti\":\"j-1\"");
            break;
        case 4:
            snprintf(parts[n++], 256, "\"role\":\"clinician\"");
            break;
        case 5:
            snprintf(parts[n++], 256, "\"org\":\"" ORG "\"");
            break;
        case 6:
            snprintf(parts[n++], 256, "\"iat\":%ld", (long)now);
            break;
        case 7:
            snprintf(parts[n++], 256, "\"exp\":%ld", (long)now + 600);
            break;
        case 8:
            snprintf(parts[n++], 256, "\"team\":[\"" TEAM "\"]");
            break;
        }
    }
    size_t used = 0;
    for (int i = 0; i < n; i++)
        used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s", i ? "," : "{", parts[i]);
    if (extra_or_null)
        used += (size_t)snprintf(buf + used, sizeof(buf) - used, ",%s", extra_or_null);
    snprintf(buf + used, sizeof(buf) - used, "}");
    assert_true(used + 1 < sizeof(buf));
    return buf;
}

static auth_result verify(const char *header)
{
    principal p;
    return auth_verify(NULL, header, now, &p, NULL);
}

static void good_token_accepted(void **state)
{
    (void)state;
    principal p;
    char *t = sign(priv_pem, "k1", claims(NULL, NULL));
    assert_int_equal(auth_verify(NULL, t, now, &p, NULL), AUTH_OK);
    assert_string_equal(p.sub, "user-1");
    assert_int_equal(p.role, ROLE_CLINICIAN);
    assert_int_equal(p.nteams, 1);
    assert_string_equal(p.teams[0], TEAM);
    assert_string_equal(p.org, ORG);
    free(t);
}

static void audience_array_accepted(void **state)
{
    (void)state;
    char c[4096];
    snprintf(c, sizeof(c), "%s", claims(NULL, "aud"));
    c[strlen(c) - 1] = '\0';
    strcat(c, ",\"aud\":[\"other\",\"perinatal-api\"]}");
    char *t = sign(priv_pem, "k1", c);
    assert_int_equal(verify(t), AUTH_OK);
    free(t);
}

static void missing_claims_refused(void **state)
{
    (void)state;
    const char *required[] = {"iss", "aud", "sub", "jti", "role", "org", "iat", "exp", "team"};
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        char *t = sign(priv_pem, "k1", claims(NULL, required[i]));
        if (verify(t) != AUTH_INVALID)
            fail_msg("accepted without %s", required[i]);
        free(t);
    }
}

static void wrong_claims_refused(void **state)
{
    (void)state;
    char c[4096];
    struct {
        const char *omit, *extra;
    } cases[] = {
        {"iss", "\"iss\":\"someone-else\""},
        {"aud", "\"aud\":\"other-api\""},
        {"aud", "\"aud\":[\"a\",\"b\"]"},
        {"role", "\"role\":\"superuser\""},
        {"org", "\"org\":\"not-a-uuid\""},
        {"team", "\"team\":[\"not-a-uuid\"]"},
        {"exp", "\"exp\":1"},              /* long expired */
        {"exp", "\"exp\":\"9999999999\""}, /* a string is not a NumericDate */
        {"exp", "\"exp\":9999999999.5"},
        {"sub", "\"sub\":\"\""},
        {"iat", "\"iat\":9999999999"}, /* issued in the future */
        {NULL, "\"nbf\":9999999999"},  /* not yet valid */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(c, sizeof(c), "%s", claims(cases[i].extra, cases[i].omit));
        char *t = sign(priv_pem, "k1", c);
        if (verify(t) != AUTH_INVALID)
            fail_msg("accepted %s", cases[i].extra);
        free(t);
    }
}

static void lifetime_capped_and_skew_allowed(void **state)
{
    (void)state;
    char c[4096];
    /* exp just inside the leeway: accepted; beyond it: refused. */
    snprintf(c, sizeof(c), "%s", claims(NULL, "exp"));
    c[strlen(c) - 1] = '\0';
    char with_exp[4200];
    snprintf(with_exp, sizeof(with_exp), "%s,\"exp\":%ld}", c, (long)now - 30);
    char *t = sign(priv_pem, "k1", with_exp);
    assert_int_equal(verify(t), AUTH_OK);
    free(t);
    snprintf(with_exp, sizeof(with_exp), "%s,\"exp\":%ld}", c, (long)now - 61);
    t = sign(priv_pem, "k1", with_exp);
    assert_int_equal(verify(t), AUTH_INVALID);
    free(t);
    /* A lifetime over the cap. */
    snprintf(with_exp, sizeof(with_exp), "%s,\"exp\":%ld}", c,
             (long)now + g_config.jwt_max_lifetime_s + 10);
    t = sign(priv_pem, "k1", with_exp);
    assert_int_equal(verify(t), AUTH_INVALID);
    free(t);
}

static void b64url(const unsigned char *in, size_t n, char *out)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t j = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = in[i] << 16;
        if (i + 1 < n)
            v |= in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[j++] = tbl[(v >> 18) & 63];
        out[j++] = tbl[(v >> 12) & 63];
        if (i + 1 < n)
            out[j++] = tbl[(v >> 6) & 63];
        if (i + 2 < n)
            out[j++] = tbl[v & 63];
    }
    out[j] = '\0';
}

static char *handmade(const char *header, const char *payload, const char *hmac_key)
{
    static char out[8192];
    char h[1024], p[4096], sig[256] = "";
    b64url((const unsigned char *)header, strlen(header), h);
    b64url((const unsigned char *)payload, strlen(payload), p);
    if (hmac_key) {
        char signing[6000];
        snprintf(signing, sizeof(signing), "%s.%s", h, p);
        unsigned char mac[32];
        unsigned int len = 0;
        HMAC(EVP_sha256(), hmac_key, (int)strlen(hmac_key), (unsigned char *)signing,
             strlen(signing), mac, &len);
        b64url(mac, len, sig);
    }
    snprintf(out, sizeof(out), "Bearer %s.%s.%s", h, p, sig);
    return out;
}

static void alg_none_refused(void **state)
{
    (void)state;
    assert_int_equal(
        verify(handmade("{\"alg\":\"none\",\"kid\":\"k1\"}", claims(NULL, NULL), NULL)),
        AUTH_INVALID);
    assert_int_equal(verify(handmade("{\"alg\":\"none\"}", claims(NULL, NULL), NULL)),
                     AUTH_INVALID);
}

static void hs256_with_public_key_refused(void **state)
{
    (void)state;
    assert_int_equal(verify(handmade("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}",
                                     claims(NULL, NULL), pub_pem)),
                     AUTH_INVALID);
    assert_int_equal(
        verify(handmade("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", claims(NULL, NULL), pub_pem)),
        AUTH_INVALID);
}

static void wrong_key_and_kid_refused(void **state)
{
    (void)state;
    char *t = sign(other_priv_pem, "k1", claims(NULL, NULL));
    assert_int_equal(verify(t), AUTH_INVALID);
    free(t);
    t = sign(priv_pem, "unknown", claims(NULL, NULL));
    assert_int_equal(verify(t), AUTH_INVALID);
    free(t);
}

static void flipped_signature_refused(void **state)
{
    (void)state;
    char *t = sign(priv_pem, "k1", claims(NULL, NULL));
    size_t n = strlen(t);
    t[n - 5] = t[n - 5] == 'A' ? 'B' : 'A';
    assert_int_equal(verify(t), AUTH_INVALID);
    free(t);
}

static void oversize_and_malformed_refused(void **state)
{
    (void)state;
    char *big = malloc(10000);
    assert_non_null(big);
    memcpy(big, "Bearer ", 7);
    memset(big + 7, 'a', 9000);
    big[9007] = '\0';
    big[100] = '.';
    big[200] = '.';
    assert_int_equal(verify(big), AUTH_INVALID);
    free(big);
    assert_int_equal(verify(NULL), AUTH_MISSING);
    assert_int_equal(verify("Basic dXNlcjpwYXNz"), AUTH_MISSING);
    assert_int_equal(verify("Bearer "), AUTH_INVALID);
    assert_int_equal(verify("Bearer a.b"), AUTH_INVALID);
    assert_int_equal(verify("Bearer a.b.c.d"), AUTH_INVALID);
    assert_int_equal(verify("Bearer !!.??.**"), AUTH_INVALID);
}

static void cache_returns_same_principal_and_honours_exp(void **state)
{
    (void)state;
    token_cache *c = token_cache_new(16);
    principal p;
    char *t = sign(priv_pem, "k1", claims(NULL, NULL));
    assert_int_equal(auth_verify(c, t, now, &p, NULL), AUTH_OK);
    assert_int_equal(auth_verify(c, t, now, &p, NULL), AUTH_OK);
    assert_string_equal(p.sub, "user-1");
    /* Past exp + leeway the cached entry no longer counts. */
    assert_int_equal(auth_verify(c, t, now + 600 + g_config.jwt_leeway_s, &p, NULL), AUTH_INVALID);
    /* A tampered token never matches the cached one. */
    t[strlen(t) - 3] ^= 1;
    assert_int_equal(auth_verify(c, t, now, &p, NULL), AUTH_INVALID);
    free(t);
    token_cache_free(c);
}

static void revoked_jti_refused_even_from_the_cache(void **state)
{
    (void)state;
    token_cache *c = token_cache_new(16);
    principal p;
    char body[4096];
    snprintf(body, sizeof(body), "%s", claims(NULL, "jti"));
    body[strlen(body) - 1] = '\0';
    strcat(body, ",\"jti\":\"to-be-revoked\"}");
    char *t = sign(priv_pem, "k1", body);
    assert_int_equal(auth_verify(c, t, now, &p, NULL), AUTH_OK); /* now cached */
    revocation_add("to-be-revoked");
    assert_int_equal(auth_verify(c, t, now, &p, NULL), AUTH_INVALID);
    assert_int_equal(auth_verify(NULL, t, now, &p, NULL), AUTH_INVALID);
    free(t);
    token_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_token_accepted),
        cmocka_unit_test(audience_array_accepted),
        cmocka_unit_test(missing_claims_refused),
        cmocka_unit_test(wrong_claims_refused),
        cmocka_unit_test(lifetime_capped_and_skew_allowed),
        cmocka_unit_test(alg_none_refused),
        cmocka_unit_test(hs256_with_public_key_refused),
        cmocka_unit_test(wrong_key_and_kid_refused),
        cmocka_unit_test(flipped_signature_refused),
        cmocka_unit_test(oversize_and_malformed_refused),
        cmocka_unit_test(cache_returns_same_principal_and_honours_exp),
        cmocka_unit_test(revoked_jti_refused_even_from_the_cache),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
