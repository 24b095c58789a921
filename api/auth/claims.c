/* The claim checks libjwt 1.10 does not do: iss, aud (string or array), sub,
 * exp, iat, nbf, jti, role, org and teams, with the configured leeway and
 * lifetime cap. */
#include "claims.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "uuid.h"

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
bool claims_check(json_object *claims, time_t now, principal *who, const char **why)
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
