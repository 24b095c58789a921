/* UUIDs: syntax checks before any query, and random v4 ids for requests. */
#ifndef PERINATAL_UUID_H
#define PERINATAL_UUID_H

#include <stdbool.h>

/* 8-4-4-4-12 hex digits, either case. */
bool uuid_valid(const char *s);
/* Writes a random version-4 UUID (36 chars + NUL). */
void uuid_v4(char out[37]);

#endif
