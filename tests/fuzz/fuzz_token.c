/* libFuzzer target for the token path. Each input is used twice:
 *   1. as the token itself: "Bearer " + input goes to auth_verify with a
 *      small cache and without one (a fuzzed token almost never carries a
 *      valid signature, so this covers the header, shape, base64url and
 *      key-selection code in front of libjwt);
 *   2. when it starts with a marker byte, the rest as the claims JSON of a
 *      real token signed at start-up's key, so every claim check runs past
 *      the signature. Markers: '{' (the whole input is the claims, kid "k1"),
 *      '#' (no kid header), '%' (HS256 with the public key PEM as the HMAC
 *      secret: the libjwt 1.10 confusion attack, which must never pass).
 * Properties checked (abort on a break, which libFuzzer reports as a crash):
 *   - the cache never changes an answer: with and without it, and a second
 *     call that hits it, give the same result and the same principal;
 *   - an accepted token yields a principal that holds together (role set,
 *     org a UUID, a clinician with a team, exp in the future, its jti not
 *     revoked: REVOKED_JTI is revoked at start-up);
 *   - nothing signed with HS256 is accepted.
 * The clock is fixed (FUZZ_NOW) so an input replays the same way any day;
 * the seeds' iat/exp are around it.
 *
 * By hand: build-fuzz/tests/fuzz/fuzz_token -dict=tests/fuzz/token.dict \
 *              -max_total_time=60 /tmp/corpus tests/fuzz/corpus/token */
#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "config.h"
#include "revocation.h"
#include "uuid.h"

/* 2026-01-01T00:00:00Z */
#define FUZZ_NOW ((time_t)1767225600)
/* Revoked before the first input; the seed claims_revoked.json carries it. */
#define REVOKED_JTI "j-revoked"

static char priv_pem[4096], pub_pem[4096];

static void die(const char *what)
{
    fprintf(stderr, "fuzz_token: %s\n", what);
    abort();
}

static void pem_of(EVP_PKEY *k, bool private_key, char *out, size_t outlen)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        die("BIO_new");
    int ok = private_key ? PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL)
                         : PEM_write_bio_PUBKEY(b, k);
    int n = ok ? BIO_read(b, out, (int)outlen - 1) : -1;
    BIO_free(b);
    if (n <= 0)
        die("cannot write a PEM");
    out[n] = '\0';
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[256];
    /* The defaults (issuer perinatal-local, audience perinatal-api, 60 s
     * leeway, 1 day lifetime) unless the environment says otherwise. */
    if (!config_load(err, sizeof(err)))
        die(err);
    EVP_PKEY *k = EVP_EC_gen("P-256");
    if (!k)
        die("EVP_EC_gen");
    pem_of(k, true, priv_pem, sizeof(priv_pem));
    pem_of(k, false, pub_pem, sizeof(pub_pem));
    EVP_PKEY_free(k);

    /* auth_load_keys reads a file; it is read once, so it can go at once. */
    char path[] = "/tmp/perinatal-fuzz-token-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        die("mkstemp");
    size_t n = strlen(pub_pem);
    if (write(fd, pub_pem, n) != (ssize_t)n)
        die("cannot write the public key");
    close(fd);
    char spec[128];
    snprintf(spec, sizeof(spec), "k1=ES256:%s", path);
    bool loaded = auth_load_keys(spec, err, sizeof(err));
    unlink(path);
    if (!loaded)
        die(err);
    /* In memory only: no refresher thread, no database. */
    revocation_add(REVOKED_JTI);
    return 0;
}

static bool same_principal(const principal *x, const principal *y)
{
    if (x->role != y->role || x->nteams != y->nteams || x->exp != y->exp ||
        strcmp(x->sub, y->sub) || strcmp(x->jti, y->jti) || strcmp(x->org, y->org))
        return false;
    for (int i = 0; i < x->nteams; i++)
        if (strcmp(x->teams[i], y->teams[i]))
            return false;
    return true;
}

static void check_principal(const principal *p)
{
    if (!memchr(p->sub, '\0', sizeof(p->sub)) || !memchr(p->jti, '\0', sizeof(p->jti)) ||
        !memchr(p->org, '\0', sizeof(p->org)))
        die("accepted: a principal string is not terminated");
    if (!p->sub[0] || !p->jti[0])
        die("accepted: empty sub or jti");
    if (!strcmp(role_name(p->role), "none"))
        die("accepted: no role");
    if (!uuid_valid(p->org))
        die("accepted: org is not a UUID");
    if (p->nteams < 0 || p->nteams > MAX_TOKEN_TEAMS)
        die("accepted: team count out of range");
    if (p->role == ROLE_CLINICIAN && p->nteams == 0)
        die("accepted: a clinician without a team");
    for (int i = 0; i < p->nteams; i++)
        if (!uuid_valid(p->teams[i]))
            die("accepted: a team is not a UUID");
    if (p->exp + g_config.jwt_leeway_s <= FUZZ_NOW)
        die("accepted: an expired token");
    if (revocation_is_revoked(p->jti))
        die("accepted: a revoked token");
}

/* Verifies header without a cache, then twice through a fresh cache (a miss
 * that fills it, then a hit), and checks the three answers agree. */
static auth_result verify_all_ways(const char *header)
{
    principal p1, p2, p3;
    const char *why;
    memset(&p1, 0, sizeof(p1));
    memset(&p2, 0, sizeof(p2));
    memset(&p3, 0, sizeof(p3));
    auth_result r1 = auth_verify(NULL, header, FUZZ_NOW, &p1, &why);
    if (r1 != AUTH_OK && !why)
        die("refused without a reason");
    token_cache *cache = token_cache_new(8);
    if (!cache)
        die("token_cache_new");
    auth_result r2 = auth_verify(cache, header, FUZZ_NOW, &p2, NULL);
    auth_result r3 = auth_verify(cache, header, FUZZ_NOW, &p3, NULL);
    token_cache_free(cache);
    if (r1 != r2 || r2 != r3)
        die("the cache changed the answer");
    if (r1 == AUTH_OK) {
        check_principal(&p1);
        if (!same_principal(&p1, &p2) || !same_principal(&p1, &p3))
            die("the cache changed the principal");
    }
    return r1;
}

/* Signs claims (len bytes, not terminated) into "Bearer <jwt>"; NULL when
 * libjwt will not take the claims (not a JSON object, say). */
static char *sign(const uint8_t *claims, size_t len, char marker)
{
    char *text = malloc(len + 1);
    if (!text)
        return NULL;
    memcpy(text, claims, len);
    text[len] = '\0';
    jwt_t *jwt = NULL;
    char *token = NULL, *header = NULL;
    if (jwt_new(&jwt) != 0)
        goto out;
    if (jwt_add_grants_json(jwt, text) != 0)
        goto out;
    if (marker != '#' && jwt_add_header(jwt, "kid", "k1") != 0)
        goto out;
    int rc = marker == '%' ? jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)pub_pem,
                                         (int)strlen(pub_pem))
                           : jwt_set_alg(jwt, JWT_ALG_ES256, (const unsigned char *)priv_pem,
                                         (int)strlen(priv_pem));
    if (rc != 0)
        goto out;
    token = jwt_encode_str(jwt);
    if (!token)
        goto out;
    header = malloc(strlen(token) + 8);
    if (header) {
        memcpy(header, "Bearer ", 7);
        memcpy(header + 7, token, strlen(token) + 1);
    }
out:
    free(token);
    jwt_free(jwt);
    free(text);
    return header;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Twice the cap, so both sides of MAX_TOKEN_BYTES are tried. */
    if (size > 2 * MAX_TOKEN_BYTES)
        return -1;

    /* 1. The input as the token. */
    char *header = malloc(size + 8);
    if (!header)
        return 0;
    memcpy(header, "Bearer ", 7);
    memcpy(header + 7, data, size);
    header[size + 7] = '\0';
    verify_all_ways(header);
    free(header);

    /* 2. The input as the claims of a properly signed token. */
    if (size > 0 && (data[0] == '{' || data[0] == '#' || data[0] == '%')) {
        char marker = (char)data[0];
        size_t skip = marker == '{' ? 0 : 1;
        char *signed_header = sign(data + skip, size - skip, marker);
        if (signed_header) {
            auth_result r = verify_all_ways(signed_header);
            if (marker == '%' && r == AUTH_OK)
                die("an HS256 token signed with the public key was accepted");
            free(signed_header);
        }
    }
    return 0;
}
