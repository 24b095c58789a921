/* Bearer token verification: keys pinned to one algorithm each, every claim
 * checked by hand (libjwt 1.10 checks none), and a per-worker cache of
 * verified tokens so a busy client does not pay for ECDSA on every call. */
#ifndef PERINATAL_AUTH_H
#define PERINATAL_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "auth_keys.h"
#include "principal.h"
#include "token_cache.h"

#define MAX_TOKEN_BYTES 8192

typedef enum auth_result {
    AUTH_OK,
    AUTH_MISSING, /* no Authorization header, or not Bearer */
    AUTH_INVALID, /* any failed check: the client is told nothing more */
} auth_result;

/* Verifies an Authorization header value. On AUTH_OK fills *out. why (may be
 * NULL) receives a short reason for the server's own log only. */
auth_result auth_verify(token_cache *cache, const char *authorization, time_t now, principal *out,
                        const char **why);

#endif
