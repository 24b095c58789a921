/* Arena allocator: chunked bump allocation with deferred cleanups. */
#include "arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK_SIZE (16 * 1024)

struct arena_chunk {
    arena_chunk *next;
    size_t used, size;
    max_align_t data[];
};

struct arena_cleanup {
    arena_cleanup *next;
    void (*fn)(void *);
    void *ptr;
};

void arena_init(arena *a, size_t max_bytes)
{
    a->head = NULL;
    a->cleanups = NULL;
    a->bytes = 0;
    a->max_bytes = max_bytes;
}

static void run_cleanups(arena *a)
{
    arena_cleanup *c = a->cleanups;
    a->cleanups = NULL;
    /* The list is newest first, so later allocations are released before the
     * things they may depend on. */
    while (c) {
        c->fn(c->ptr);
        c = c->next;
    }
}

void arena_reset(arena *a)
{
    run_cleanups(a);
    if (a->head) {
        arena_chunk *c = a->head->next;
        while (c) {
            arena_chunk *next = c->next;
            free(c);
            c = next;
        }
        /* Keep the oldest-sized first chunk only when it is the standard size;
         * an oversized chunk would pin memory for the thread's life. */
        a->head->next = NULL;
        if (a->head->size != ARENA_CHUNK_SIZE) {
            free(a->head);
            a->head = NULL;
        } else {
            a->head->used = 0;
        }
    }
    a->bytes = 0;
}

void arena_free(arena *a)
{
    arena_reset(a);
    free(a->head);
    a->head = NULL;
}

void *arena_alloc(arena *a, size_t size)
{
    size_t align = sizeof(max_align_t);
    size = (size + align - 1) & ~(align - 1);
    if (size == 0)
        size = align;
    if (a->bytes + size > a->max_bytes)
        return NULL;
    if (!a->head || a->head->size - a->head->used < size) {
        size_t csize = size > ARENA_CHUNK_SIZE ? size : ARENA_CHUNK_SIZE;
        arena_chunk *c = malloc(sizeof(*c) + csize);
        if (!c)
            return NULL;
        c->size = csize;
        c->used = 0;
        /* Keep a standard chunk with free room at the head; put a big chunk
         * behind it so the head's remaining space is not wasted. */
        if (a->head && csize > ARENA_CHUNK_SIZE) {
            c->next = a->head->next;
            a->head->next = c;
            c->used = size;
            a->bytes += size;
            return c->data;
        }
        c->next = a->head;
        a->head = c;
    }
    void *p = (char *)a->head->data + a->head->used;
    a->head->used += size;
    a->bytes += size;
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *arena_printf(arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

int arena_defer(arena *a, void (*fn)(void *), void *ptr)
{
    arena_cleanup *c = arena_alloc(a, sizeof(*c));
    if (!c) {
        fn(ptr); /* cannot defer: release now rather than leak */
        return -1;
    }
    c->fn = fn;
    c->ptr = ptr;
    c->next = a->cleanups;
    a->cleanups = c;
    return 0;
}

void strbuf_init(strbuf *b, arena *a, size_t max)
{
    b->a = a;
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max;
    b->failed = 0;
}

static int strbuf_reserve(strbuf *b, size_t extra)
{
    if (b->failed)
        return -1;
    if (b->len + extra + 1 > b->max) {
        b->failed = 1;
        return -1;
    }
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap * 2 : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    if (cap > b->max)
        cap = b->max;
    char *p = arena_alloc(b->a, cap);
    if (!p) {
        b->failed = 1;
        return -1;
    }
    if (b->len)
        memcpy(p, b->data, b->len);
    b->data = p;
    b->cap = cap;
    return 0;
}

void strbuf_append(strbuf *b, const char *s, size_t n)
{
    if (strbuf_reserve(b, n) != 0)
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void strbuf_puts(strbuf *b, const char *s)
{
    strbuf_append(b, s, strlen(s));
}

void strbuf_printf(strbuf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if ((size_t)n < sizeof(small)) {
        strbuf_append(b, small, (size_t)n);
        return;
    }
    if (strbuf_reserve(b, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void strbuf_json_escape(strbuf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            strbuf_append(b, "\\\"", 2);
            break;
        case '\\':
            strbuf_append(b, "\\\\", 2);
            break;
        case '\n':
            strbuf_append(b, "\\n", 2);
            break;
        case '\r':
            strbuf_append(b, "\\r", 2);
            break;
        case '\t':
            strbuf_append(b, "\\t", 2);
            break;
        default:
            if (*p < 0x20)
                strbuf_printf(b, "\\u%04x", *p);
            else
                strbuf_append(b, (const char *)p, 1);
        }
    }
}
