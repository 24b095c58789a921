/* The verified-token cache: direct-mapped by a hash of the whole token; an
 * entry is used only if the stored token is byte-identical. */
#include "token_cache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct token_cache {
    int size;
    token_cache_entry *entries;
};

token_cache *token_cache_new(int size)
{
    token_cache *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->size = size;
    if (size > 0) {
        c->entries = calloc((size_t)size, sizeof(token_cache_entry));
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

token_cache_entry *token_cache_slot(token_cache *c, const char *token, size_t len)
{
    if (!c || c->size <= 0)
        return NULL;
    return &c->entries[fnv1a(token, len) % (uint64_t)c->size];
}

bool token_cache_holds(const token_cache_entry *slot, const char *token, size_t len)
{
    return slot->token && slot->len == len && !memcmp(slot->token, token, len);
}

void token_cache_store(token_cache_entry *slot, const char *token, size_t len, const principal *who)
{
    char *copy = malloc(len + 1);
    if (copy) {
        memcpy(copy, token, len + 1);
        free(slot->token);
        slot->token = copy;
        slot->len = len;
        slot->who = *who;
    }
}
