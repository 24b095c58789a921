/* Token verification. The order matters: the header is read and the key and
 * algorithm pinned before libjwt sees the token, because libjwt 1.10 would
 * happily verify HS256 using an EC public key as the HMAC secret. */
#include "auth.h"

#include <json-c/json.h>
#include <jwt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "claims.h"
#include "config.h"
#include "revocation.h"

/* Reads the protected header and returns the key it must be verified with. */
static const jwt_key *select_key(const char *token, size_t header_len, const char **why)
{
    unsigned char raw[1024];
    long n = base64_url_decode(token, header_len, raw, sizeof(raw) - 1);
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
        key = auth_keys_find(json_object_get_string(kid), why);
    } else {
        key = auth_keys_find(NULL, why);
    }
    if (key && strcmp(json_object_get_string(alg), jwt_alg_str(key->alg)) != 0) {
        *why = "alg does not match the key";
        key = NULL;
    }
out:
    json_object_put(h);
    return key;
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

    token_cache_entry *slot = token_cache_slot(cache, token, len);
    if (slot) {
        if (token_cache_holds(slot, token, len)) {
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
    if (!claims_check(claims, now, &who, why))
        goto out;
    if (revocation_is_revoked(who.jti)) {
        *why = "revoked";
        goto out;
    }
    *out = who;
    result = AUTH_OK;
    if (slot)
        token_cache_store(slot, token, len, &who);
out:
    json_object_put(claims);
    free(claims_text);
    jwt_free(jwt);
    return result;
}
