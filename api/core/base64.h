/* base64url without padding (RFC 4648 section 5), as JWTs and our list
 * cursors use it. */
#ifndef PERINATAL_BASE64_H
#define PERINATAL_BASE64_H

#include <stddef.h>

#include "arena.h"

/* Decodes in[0..inlen) into out; returns the decoded length, or -1 when the
 * input is not base64url or does not fit in outlen bytes. */
long base64_url_decode(const char *in, size_t inlen, unsigned char *out, size_t outlen);

/* Encodes in[0..len); the NUL-terminated text lives in the arena. */
const char *base64_url_encode(arena *a, const unsigned char *in, size_t len);

#endif
