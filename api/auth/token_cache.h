/* A per-worker cache of verified tokens, kept until their exp, so a busy
 * client does not pay for ECDSA on every call. Not thread-safe: one per
 * worker. Revocation is checked by the caller on every hit. */
#ifndef PERINATAL_TOKEN_CACHE_H
#define PERINATAL_TOKEN_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "principal.h"

typedef struct token_cache token_cache;

typedef struct token_cache_entry {
    char *token; /* owned by the cache */
    size_t len;
    principal who;
} token_cache_entry;

/* size 0 disables the cache (token_cache_slot then returns NULL). */
token_cache *token_cache_new(int size);
void token_cache_free(token_cache *c);

/* The one slot a token may occupy, or NULL when the cache is disabled. */
token_cache_entry *token_cache_slot(token_cache *c, const char *token, size_t len);
/* True when slot holds exactly this token. */
bool token_cache_holds(const token_cache_entry *slot, const char *token, size_t len);
/* Replaces what slot holds with a copy of token (NUL-terminated at len) and
 * its principal; keeps the old entry when memory is short. */
void token_cache_store(token_cache_entry *slot, const char *token, size_t len,
                       const principal *who);

#endif
