/* Per-request memory: everything a request allocates comes from its arena
 * and is released in one go when the request ends. Cleanups registered on
 * the arena (PGresults, json-c objects) run at the same moment. */
#ifndef PERINATAL_ARENA_H
#define PERINATAL_ARENA_H

#include <stdarg.h>
#include <stddef.h>

typedef struct arena_chunk arena_chunk;
typedef struct arena_cleanup arena_cleanup;

typedef struct arena {
    arena_chunk *head;
    arena_cleanup *cleanups;
    size_t bytes;     /* bytes handed out since the last reset */
    size_t max_bytes; /* hard cap: an allocation beyond it fails (returns NULL) */
} arena;

void arena_init(arena *a, size_t max_bytes);
/* Frees every chunk but the first and runs the cleanups, newest first. */
void arena_reset(arena *a);
void arena_free(arena *a);

/* All return NULL only when the cap is reached or malloc fails. */
void *arena_alloc(arena *a, size_t size);
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_strdup(arena *a, const char *s);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Runs fn(ptr) at the next reset. */
int arena_defer(arena *a, void (*fn)(void *), void *ptr);

/* A growable string inside an arena, capped in size. */
typedef struct strbuf {
    arena *a;
    char *data;
    size_t len, cap, max;
    int failed; /* set once an append did not fit: the content is then incomplete */
} strbuf;

void strbuf_init(strbuf *b, arena *a, size_t max);
void strbuf_append(strbuf *b, const char *s, size_t n);
void strbuf_puts(strbuf *b, const char *s);
void strbuf_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as the body of a JSON string (no quotes), escaping as needed. */
void strbuf_json_escape(strbuf *b, const char *s);

#endif
