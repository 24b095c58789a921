/* perinatal-token: mints ES256 tokens for demos and tests from a private key.
 * Test-only switches (--omit, --iss, --exp-offset ...) make deliberately bad
 * tokens for the attack tests; the API refuses those. */
#include <errno.h>
#include <getopt.h>
#include <jwt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "uuid.h"

#define MAX_TEAMS 32
#define MAX_OMIT 8

static void usage(void)
{
    fprintf(stderr,
            "usage: perinatal-token --role ROLE --org UUID --sub ID [--team UUID ...] [--ttl S]\n"
            "  ROLE: clinician (with --team), admin, referrer, liaison (a health-visiting\n"
            "        system: --sub names it, --org the organisation it feeds), commissioner\n"
            "  env: PERINATAL_TOKEN_KEY (private key PEM), PERINATAL_TOKEN_KID,\n"
            "       PERINATAL_JWT_ISSUER, PERINATAL_JWT_AUDIENCE\n"
            "  for tests: --iss S --aud S --kid S --jti S --iat-offset S --nbf-offset S\n"
            "             --exp-offset S --omit CLAIM --claims JSON (merged last)\n");
}

static bool parse_long(const char *s, long *out)
{
    char *end;
    errno = 0;
    *out = strtol(s, &end, 10);
    return !errno && end != s && !*end;
}

static char *read_key(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(16385);
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

int main(int argc, char **argv)
{
    const char *role = NULL, *org = NULL, *sub = NULL, *jti = NULL, *claims = NULL;
    const char *iss = getenv("PERINATAL_JWT_ISSUER");
    const char *aud = getenv("PERINATAL_JWT_AUDIENCE");
    const char *kid = getenv("PERINATAL_TOKEN_KID");
    const char *keypath = getenv("PERINATAL_TOKEN_KEY");
    const char *teams[MAX_TEAMS], *omit[MAX_OMIT];
    int nteams = 0, nomit = 0;
    long ttl = 3600, iat_offset = 0, nbf_offset = 0, exp_offset = 0;
    bool has_nbf = false, has_exp_offset = false;
    static const struct option opts[] = {
        {"role", required_argument, 0, 'r'},
        {"org", required_argument, 0, 'o'},
        {"sub", required_argument, 0, 's'},
        {"team", required_argument, 0, 't'},
        {"ttl", required_argument, 0, 'T'},
        {"iss", required_argument, 0, 'i'},
        {"aud", required_argument, 0, 'a'},
        {"kid", required_argument, 0, 'k'},
        {"jti", required_argument, 0, 'j'},
        {"iat-offset", required_argument, 0, 'I'},
        {"nbf-offset", required_argument, 0, 'N'},
        {"exp-offset", required_argument, 0, 'E'},
        {"omit", required_argument, 0, 'x'},
        {"claims", required_argument, 0, 'c'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        bool ok = true;
        switch (c) {
        case 'r':
            role = optarg;
            break;
        case 'o':
            org = optarg;
            break;
        case 's':
            sub = optarg;
            break;
        case 't':
            ok = nteams < MAX_TEAMS;
            if (ok)
                teams[nteams++] = optarg;
            break;
        case 'T':
            ok = parse_long(optarg, &ttl) && ttl > 0;
            break;
        case 'i':
            iss = optarg;
            break;
        case 'a':
            aud = optarg;
            break;
        case 'k':
            kid = optarg;
            break;
        case 'j':
            jti = optarg;
            break;
        case 'I':
            ok = parse_long(optarg, &iat_offset);
            break;
        case 'N':
            ok = parse_long(optarg, &nbf_offset), has_nbf = true;
            break;
        case 'E':
            ok = parse_long(optarg, &exp_offset), has_exp_offset = true;
            break;
        case 'x':
            ok = nomit < MAX_OMIT;
            if (ok)
                omit[nomit++] = optarg;
            break;
        case 'c':
            claims = optarg;
            break;
        default:
            usage();
            return c == 'h' ? 0 : 2;
        }
        if (!ok) {
            fprintf(stderr, "perinatal-token: bad value '%s'\n", optarg);
            return 2;
        }
    }
    if (!role || !org || !sub || !keypath) {
        usage();
        return 2;
    }
    size_t keylen = 0;
    char *key = read_key(keypath, &keylen);
    if (!key) {
        fprintf(stderr, "perinatal-token: cannot read PERINATAL_TOKEN_KEY %s\n", keypath);
        return 1;
    }
    time_t now = time(NULL);
    char jti_buf[37];
    if (!jti) {
        uuid_v4(jti_buf);
        jti = jti_buf;
    }
    jwt_t *jwt = NULL;
    int rc = 1;
    if (jwt_new(&jwt) != 0)
        goto out;
    long iat = (long)now + iat_offset;
    long exp = has_exp_offset ? (long)now + exp_offset : iat + ttl;
    jwt_add_grant(jwt, "iss", iss ? iss : "perinatal-local");
    jwt_add_grant(jwt, "aud", aud ? aud : "perinatal-api");
    jwt_add_grant(jwt, "sub", sub);
    jwt_add_grant(jwt, "jti", jti);
    jwt_add_grant(jwt, "role", role);
    jwt_add_grant(jwt, "org", org);
    jwt_add_grant_int(jwt, "iat", iat);
    jwt_add_grant_int(jwt, "exp", exp);
    if (has_nbf)
        jwt_add_grant_int(jwt, "nbf", (long)now + nbf_offset);
    if (nteams) {
        char json[MAX_TEAMS * 48 + 32];
        size_t used = (size_t)snprintf(json, sizeof(json), "{\"team\":[");
        for (int i = 0; i < nteams; i++)
            used += (size_t)snprintf(json + used, sizeof(json) - used, "%s\"%s\"", i ? "," : "",
                                     teams[i]);
        snprintf(json + used, sizeof(json) - used, "]}");
        if (jwt_add_grants_json(jwt, json) != 0) {
            fprintf(stderr, "perinatal-token: bad --team\n");
            goto out;
        }
    }
    for (int i = 0; i < nomit; i++)
        jwt_del_grants(jwt, omit[i]);
    if (claims && jwt_add_grants_json(jwt, claims) != 0) {
        fprintf(stderr, "perinatal-token: --claims is not a JSON object\n");
        goto out;
    }
    if (kid && *kid)
        jwt_add_header(jwt, "kid", kid);
    if (jwt_set_alg(jwt, JWT_ALG_ES256, (const unsigned char *)key, (int)keylen) != 0) {
        fprintf(stderr, "perinatal-token: the key is not an ES256 private key\n");
        goto out;
    }
    char *token = jwt_encode_str(jwt);
    if (!token) {
        fprintf(stderr, "perinatal-token: signing failed\n");
        goto out;
    }
    printf("%s\n", token);
    free(token);
    rc = 0;
out:
    jwt_free(jwt);
    free(key);
    return rc;
}
