/* The verification keys of PERINATAL_JWT_KEYS, read once at start-up, each
 * checked to be a public key of the algorithm it is pinned to. */
#include "auth_keys.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEYS 8

static jwt_key keys[MAX_KEYS];
static int nkeys;

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

const jwt_key *auth_keys_find(const char *kid, const char **why)
{
    if (kid) {
        const jwt_key *key = NULL;
        for (int i = 0; i < nkeys; i++)
            if (!strcmp(keys[i].kid, kid))
                key = &keys[i];
        if (!key)
            *why = "unknown kid";
        return key;
    }
    if (nkeys == 1)
        return &keys[0];
    *why = "no kid and several keys";
    return NULL;
}
