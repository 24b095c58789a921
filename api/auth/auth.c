/* Token verification. The order matters: the header is read and the key and
 * algorithm pinned before libjwt sees the token, because libjwt 1.10 would
 * happily verify HS256 using an EC public key as the HMAC secret. */
#include "auth.h"

#include <errno.h>
#include <json-c/json.h>
#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "revocation.h"
#include "uuid.h"

#define MAX_KEYS 8

typedef struct jwt_key {
    char kid[64];
    jwt_alg_t alg;
    unsigned char *pem;
    size_t pem_len;
} jwt_key;

static jwt_key keys[MAX_KEYS];
static int nkeys;

static const struct {
    const char *name;
    role role;
} role_names[] = {
    {"clinician", ROLE_CLINICIAN},       {"admin", ROLE_ADMIN},
    {"referrer", ROLE_REFERRER},         {"liaison", ROLE_LIAISON},
    {"commissioner", ROLE_COMMISSIONER},
};

const char *role_name(role r)
{
    for (size_t i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
        if (role_names[i].role == r)
            return role_names[i].name;
    return "none";
}

role role_parse(const char *s)
{
    for (size_t i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
        if (!strcmp(role_names[i].name, s))
            return role_names[i].role;
    return ROLE_NONE;
}

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *buf = malloc(16385);
    size_t n = buf ? fread(buf, 1, 16384, f) : 0;
    fclose(f);
    if (!buf || n == 0 || n == 16384) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Checks that the PEM is a public key of the kind the algorithm needs. */
static bool key_matches_alg(const unsigned char *pem, size_t len, jwt_alg_t alg)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *pkey = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
    bool ok = false;
    if (pkey) {
        if (alg == JWT_ALG_ES256)
            ok = EVP_PKEY_is_a(pkey, "EC") && EVP_PKEY_get_bits(pkey) == 256;
        else if (alg == JWT_ALG_RS256)
            ok = EVP_PKEY_is_a(pkey, "RSA") && EVP_PKEY_get_bits(pkey) >= 2048;
    }
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    return ok;
}

bool auth_load_keys(const char *spec, char *err, size_t errlen)
{
    char buf[2048];
    snprintf(buf, sizeof(buf), "%s", spec);
    nkeys = 0;
    if (!*buf) {
        snprintf(err, errlen, "PERINATAL_JWT_KEYS: no verification key configured");
        return false;
    }
    char *save = NULL;
    for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        char *colon = eq ? strchr(eq, ':') : NULL;
        if (!eq || !colon || eq == item || (size_t)(eq - item) >= sizeof(keys[0].kid)) {
            snprintf(err, errlen, "PERINATAL_JWT_KEYS: '%s' is not kid=ALG:/path", item);
            return false;
        }
        if (nkeys == MAX_KEYS) {
            snprintf(err, errlen, "PERINATAL_JWT_KEYS: more than %d keys", MAX_KEYS);
            return false;
        }
        *eq = *colon = '\0';
        jwt_key *k = &keys[nkeys];
        snprintf(k->kid, sizeof(k->kid), "%s", item);
        if (!strcmp(eq + 1, "ES256"))
            k->alg = JWT_ALG_ES256;
        else if (!strcmp(eq + 1, "RS256"))
            k->alg = JWT_ALG_RS256;
        else {
            snprintf(err, errlen, "PERINATAL_JWT_KEYS: algorithm '%s' is not ES256 or RS256",
                     eq + 1);
            return false;
        }
        k->pem = read_file(colon + 1, &k->pem_len);
        if (!k->pem) {
            snprintf(err, errlen, "PERINATAL_JWT_KEYS: cannot read key file '%s'", colon + 1);
            return false;
        }
        if (!key_matches_alg(k->pem, k->pem_len, k->alg)) {
            snprintf(err, errlen, "PERINATAL_JWT_KEYS: '%s' is not a %s public key", colon + 1,
                     eq + 1);
            free(k->pem);
            return false;
        }
        nkeys++;
    }
    return true;
}

void auth_free_keys(void)
{
    for (int i = 0; i < nkeys; i++)
        free(keys[i].pem);
    nkeys = 0;
}

/* The cache: direct-mapped by a hash of the whole token; an entry is used
 * only if the stored token is byte-identical. */
typedef struct cache_entry {
    char *token;
    size_t len;
    principal who;
} cache_entry;

struct token_cache {
    int size;
    cache_entry *entries;
};

token_cache *token_cache_new(int size)
{
    token_cache *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->size = size;
    if (size > 0) {
        c->entries = calloc((size_t)size, sizeof(cache_entry));
        if (!c->entries) {
            free(c);
            return NULL;
        }
    }
    return c;
}

void token_cache_free(token_cache *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->size; i++)
        free(c->entries[i].token);
    free(c->entries);
    free(c);
}

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

long base64url_decode(const char *in, size_t inlen, unsigned char *out, size_t outlen)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;
    for (size_t i = 0; i < inlen; i++) {
        char c = in[i];
        int v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '-')
            v = 62;
        else if (c == '_')
            v = 63;
        else
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n == outlen)
                return -1;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    if (bits >= 6)
        return -1; /* one dangling character cannot be base64 */
    return (long)n;
}

/* Reads the protected header and returns the key it must be verified with. */
static const jwt_key *select_key(const char *token, size_t header_len, const char **why)
{
    unsigned char raw[1024];
    long n = base64url_decode(token, header_len, raw, sizeof(raw) - 1);
    if (n <= 0) {
        *why = "header is not base64url";
        return NULL;
    }
    raw[n] = '\0';
    json_tokener *tok = json_tokener_new_ex(4);
    if (!tok)
        return NULL;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *h = json_tokener_parse_ex(tok, (const char *)raw, (int)n);
    bool complete = json_tokener_get_parse_end(tok) == (size_t)n;
    json_tokener_free(tok);
    const jwt_key *key = NULL;
    json_object *alg, *kid, *typ;
    if (!h || !complete || !json_object_is_type(h, json_type_object)) {
        *why = "header is not a JSON object";
        goto out;
    }
    if (!json_object_object_get_ex(h, "alg", &alg) || !json_object_is_type(alg, json_type_string)) {
        *why = "header has no alg";
        goto out;
    }
    if (json_object_object_get_ex(h, "crit", NULL)) {
        *why = "header has crit";
        goto out;
    }
    /* typ: absent or "JWT" (libjwt 1.10 refuses any other, such as at+jwt). */
    if (json_object_object_get_ex(h, "typ", &typ) && (!json_object_is_type(typ, json_type_string) ||
                                                      strcmp(json_object_get_string(typ), "JWT"))) {
        *why = "typ is not JWT";
        goto out;
    }
    if (json_object_object_get_ex(h, "kid", &kid)) {
        if (!json_object_is_type(kid, json_type_string)) {
            *why = "kid is not a string";
            goto out;
        }
        for (int i = 0; i < nkeys; i++)
            if (!strcmp(keys[i].kid, json_object_get_string(kid)))
                key = &keys[i];
        if (!key)
            *why = "unknown kid";
    } else if (nkeys == 1) {
        key = &keys[0];
    } else {
        *why = "no kid and several keys";
    }
    if (key && strcmp(json_object_get_string(alg), jwt_alg_str(key->alg)) != 0) {
        *why = "alg does not match the key";
        key = NULL;
    }
out:
    json_object_put(h);
    return key;
}

static bool claim_string(json_object *claims, const char *name, size_t maxlen, const char **out)
{
    json_object *v;
    if (!json_object_object_get_ex(claims, name, &v) || !json_object_is_type(v, json_type_string))
        return false;
    const char *s = json_object_get_string(v);
    size_t n = (size_t)json_object_get_string_len(v);
    if (n == 0 || n > maxlen || strlen(s) != n)
        return false;
    *out = s;
    return true;
}

/* NumericDate: an integer (a JSON number with a fraction is refused). */
static bool claim_time(json_object *claims, const char *name, bool required, int64_t *out)
{
    json_object *v;
    if (!json_object_object_get_ex(claims, name, &v))
        return !required && (*out = 0, true);
    if (!json_object_is_type(v, json_type_int))
        return false;
    errno = 0;
    *out = json_object_get_int64(v);
    return errno == 0 && *out > 0 && *out < INT64_C(253402300800);
}

static bool audience_matches(json_object *claims)
{
    json_object *aud;
    if (!json_object_object_get_ex(claims, "aud", &aud))
        return false;
    if (json_object_is_type(aud, json_type_string))
        return !strcmp(json_object_get_string(aud), g_config.jwt_audience);
    if (!json_object_is_type(aud, json_type_array))
        return false;
    size_t n = json_object_array_length(aud);
    for (size_t i = 0; i < n; i++) {
        json_object *a = json_object_array_get_idx(aud, i);
        if (json_object_is_type(a, json_type_string) &&
            !strcmp(json_object_get_string(a), g_config.jwt_audience))
            return true;
    }
    return false;
}

static bool read_teams(json_object *claims, principal *who)
{
    json_object *t;
    who->nteams = 0;
    if (!json_object_object_get_ex(claims, "team", &t))
        return true;
    if (json_object_is_type(t, json_type_string)) {
        if (!uuid_valid(json_object_get_string(t)))
            return false;
        snprintf(who->teams[0], sizeof(who->teams[0]), "%s", json_object_get_string(t));
        who->nteams = 1;
        return true;
    }
    if (!json_object_is_type(t, json_type_array))
        return false;
    size_t n = json_object_array_length(t);
    if (n > MAX_TOKEN_TEAMS)
        return false;
    for (size_t i = 0; i < n; i++) {
        json_object *id = json_object_array_get_idx(t, i);
        if (!json_object_is_type(id, json_type_string) || !uuid_valid(json_object_get_string(id)))
            return false;
        snprintf(who->teams[who->nteams++], sizeof(who->teams[0]), "%s",
                 json_object_get_string(id));
    }
    return true;
}

/* Checks every claim; fills who. */
static bool check_claims(json_object *claims, time_t now, principal *who, const char **why)
{
    const char *iss, *sub, *jti, *rolestr, *org;
    int64_t exp, iat, nbf;
    int64_t leeway = g_config.jwt_leeway_s;
    if (!claim_string(claims, "iss", 512, &iss) || strcmp(iss, g_config.jwt_issuer)) {
        *why = "iss";
        return false;
    }
    if (!audience_matches(claims)) {
        *why = "aud";
        return false;
    }
    if (!claim_string(claims, "sub", sizeof(who->sub) - 1, &sub)) {
        *why = "sub";
        return false;
    }
    if (!claim_string(claims, "jti", sizeof(who->jti) - 1, &jti)) {
        *why = "jti";
        return false;
    }
    if (!claim_time(claims, "exp", true, &exp) || exp + leeway <= now) {
        *why = "exp";
        return false;
    }
    if (!claim_time(claims, "iat", true, &iat) || iat - leeway > now) {
        *why = "iat";
        return false;
    }
    if (exp - iat > g_config.jwt_max_lifetime_s) {
        *why = "lifetime too long";
        return false;
    }
    if (!claim_time(claims, "nbf", false, &nbf) || (nbf && nbf - leeway > now)) {
        *why = "nbf";
        return false;
    }
    if (!claim_string(claims, "role", 32, &rolestr) || role_parse(rolestr) == ROLE_NONE) {
        *why = "role";
        return false;
    }
    if (!claim_string(claims, "org", 36, &org) || !uuid_valid(org)) {
        *why = "org";
        return false;
    }
    who->role = role_parse(rolestr);
    if (!read_teams(claims, who) || (who->role == ROLE_CLINICIAN && who->nteams == 0)) {
        *why = "team";
        return false;
    }
    snprintf(who->sub, sizeof(who->sub), "%s", sub);
    snprintf(who->jti, sizeof(who->jti), "%s", jti);
    snprintf(who->org, sizeof(who->org), "%s", org);
    who->exp = (long)exp;
    return true;
}

static bool token_shape_ok(const char *t, size_t len, size_t *header_len)
{
    int dots = 0;
    for (size_t i = 0; i < len; i++) {
        char c = t[i];
        if (c == '.') {
            if (dots++ == 0)
                *header_len = i;
            continue;
        }
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return dots == 2 && t[len - 1] != '.';
}

auth_result auth_verify(token_cache *cache, const char *authorization, time_t now, principal *out,
                        const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    *why = NULL;
    if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0) {
        *why = "no bearer token";
        return AUTH_MISSING;
    }
    const char *token = authorization + 7;
    while (*token == ' ')
        token++;
    size_t len = strnlen(token, MAX_TOKEN_BYTES + 1);
    size_t header_len = 0;
    if (len == 0 || len > MAX_TOKEN_BYTES) {
        *why = "token size";
        return AUTH_INVALID;
    }
    if (!token_shape_ok(token, len, &header_len)) {
        *why = "token shape";
        return AUTH_INVALID;
    }

    cache_entry *slot = NULL;
    if (cache && cache->size > 0) {
        slot = &cache->entries[fnv1a(token, len) % (uint64_t)cache->size];
        if (slot->token && slot->len == len && !memcmp(slot->token, token, len)) {
            if (slot->who.exp + g_config.jwt_leeway_s > now) {
                if (revocation_is_revoked(slot->who.jti)) {
                    *why = "revoked";
                    return AUTH_INVALID;
                }
                *out = slot->who;
                return AUTH_OK;
            }
            *why = "exp";
            return AUTH_INVALID;
        }
    }

    const jwt_key *key = select_key(token, header_len, why);
    if (!key)
        return AUTH_INVALID;
    jwt_t *jwt = NULL;
    /* libjwt wants a NUL-terminated token; the header value is one. */
    if (jwt_decode(&jwt, token, key->pem, (int)key->pem_len) != 0 || !jwt) {
        *why = "signature";
        return AUTH_INVALID;
    }
    auth_result result = AUTH_INVALID;
    char *claims_text = NULL;
    json_object *claims = NULL;
    if (jwt_get_alg(jwt) != key->alg) {
        *why = "alg";
        goto out;
    }
    claims_text = jwt_get_grants_json(jwt, NULL);
    if (!claims_text) {
        *why = "claims";
        goto out;
    }
    claims = json_tokener_parse(claims_text);
    if (!claims || !json_object_is_type(claims, json_type_object)) {
        *why = "claims";
        goto out;
    }
    principal who;
    memset(&who, 0, sizeof(who));
    if (!check_claims(claims, now, &who, why))
        goto out;
    if (revocation_is_revoked(who.jti)) {
        *why = "revoked";
        goto out;
    }
    *out = who;
    result = AUTH_OK;
    if (slot) {
        char *copy = malloc(len + 1);
        if (copy) {
            memcpy(copy, token, len + 1);
            free(slot->token);
            slot->token = copy;
            slot->len = len;
            slot->who = who;
        }
    }
out:
    json_object_put(claims);
    free(claims_text);
    jwt_free(jwt);
    return result;
}
