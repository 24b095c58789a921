/* Token verification keys: kid=ALG:/path.pem entries, each pinned to one
 * algorithm so a token cannot choose how it is checked. */
#ifndef PERINATAL_AUTH_KEYS_H
#define PERINATAL_AUTH_KEYS_H

#include <jwt.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct jwt_key {
    char kid[64];
    jwt_alg_t alg;
    unsigned char *pem;
    size_t pem_len;
} jwt_key;

/* Loads the keys named by PERINATAL_JWT_KEYS. False with a message on error. */
bool auth_load_keys(const char *spec, char *err, size_t errlen);
void auth_free_keys(void);

/* The key a token's header names by kid, or the only key when kid is NULL.
 * NULL with *why set when there is none. */
const jwt_key *auth_keys_find(const char *kid, const char **why);

#endif
