/* The strict JSON scanner: a syntax check that refuses what json-c would
 * quietly accept (repeated keys, bad UTF-8, excess depth) and reports where,
 * then json-c builds the objects; plus writing JSON back out and merge patch. */
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *json_check_syntax(const char *buf, size_t len, int max_depth, size_t *offset,
                                     char *pointer, size_t pointerlen);

static void put_json(void *p)
{
    json_object_put(p);
}

json_object *json_parse_strict(arena *a, const char *buf, size_t len, int max_depth,
                               field_errors *e)
{
    if (len == 0) {
        field_errors_add(e, "", "the body is empty; a JSON object is expected");
        return NULL;
    }
    size_t offset = 0;
    char pointer[256] = "";
    const char *why = json_check_syntax(buf, len, max_depth, &offset, pointer, sizeof(pointer));
    if (why) {
        if (pointer[0])
            field_errors_add(e, arena_strdup(a, pointer), why);
        else if (!strcmp(why, "nested too deeply"))
            field_errors_add(
                e, "", arena_printf(a, "the body is nested more than %d levels deep", max_depth));
        else
            field_errors_add(
                e, "", arena_printf(a, "the body is not valid JSON: %s (byte %zu)", why, offset));
        return NULL;
    }
    /* Valid JSON, but a bare number, string, true, false or null: json-c
     * cannot build those from an unterminated buffer, and no caller takes
     * one (a request body is an object; an array is refused by its field
     * table with the same words). */
    size_t first = 0;
    while (first < len &&
           (buf[first] == ' ' || buf[first] == '\t' || buf[first] == '\r' || buf[first] == '\n'))
        first++;
    if (first < len && buf[first] != '{' && buf[first] != '[') {
        field_errors_add(e, "", "the body must be a JSON object");
        return NULL;
    }
    /* The syntax is right; json-c builds the tree and checks UTF-8. */
    json_tokener *tok = json_tokener_new_ex(max_depth + 1);
    if (!tok) {
        field_errors_add(e, "", "the body could not be read");
        return NULL;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *obj = json_tokener_parse_ex(tok, buf, (int)len);
    enum json_tokener_error err = json_tokener_get_error(tok);
    json_tokener_free(tok);
    if (!obj || err != json_tokener_success) {
        json_object_put(obj);
        field_errors_add(e, "",
                         err == json_tokener_error_parse_utf8_string
                             ? "the body is not valid UTF-8"
                             : "the body is not valid JSON");
        return NULL;
    }
    arena_defer(a, put_json, obj);
    return obj;
}

/* A strict RFC 8259 syntax check, run before json-c builds the tree: json-c
 * 0.16 in strict mode still takes single-quoted strings, NaN and Infinity,
 * raw control characters in strings and "1.", and it keeps the last of
 * repeated keys silently. This walk refuses all of those, and names a repeated
 * key by its JSON pointer. Keys are compared after decoding escapes, so "a"
 * and "\u0061" are the same key. Depth is bounded by max_depth, so the
 * recursion is too. */

#define SCAN_MAX_KEYS 512

typedef struct scan_key {
    const char *raw; /* after the opening quote */
    size_t len;      /* raw length, escapes undecoded */
} scan_key;

typedef struct scanner {
    const char *start, *p, *end;
    int max_depth;
    const char *error; /* static text */
    char pointer[256];
    /* The path to the value being read, for pointers. */
    scan_key path_keys[64];
    long path_index[64];
    bool path_is_key[64];
    int depth;
} scanner;

static void skip_ws(scanner *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

static bool scan_fail(scanner *s, const char *why)
{
    if (!s->error)
        s->error = why;
    return false;
}

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char h = p[i];
        v <<= 4;
        if (h >= '0' && h <= '9')
            v |= h - '0';
        else if (h >= 'a' && h <= 'f')
            v |= h - 'a' + 10;
        else if (h >= 'A' && h <= 'F')
            v |= h - 'A' + 10;
        else
            return -1;
    }
    return v;
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0. json-c's own check lets
 * encoded surrogates and overlongs through. */
static size_t utf8_sequence(const unsigned char *p, const unsigned char *end)
{
    unsigned char c = p[0];
    size_t n;
    unsigned min, cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2, min = 0x80, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, min = 0x800, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, min = 0x10000, cp = c & 0x07;
    else
        return 0;
    if ((size_t)(end - p) < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

bool utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        size_t n = utf8_sequence(p, end);
        if (!n)
            return false;
        p += n;
    }
    return true;
}

static bool scan_string(scanner *s, scan_key *out)
{
    if (s->p >= s->end || *s->p != '"')
        return scan_fail(s, "a string is expected");
    const char *begin = ++s->p;
    while (s->p < s->end) {
        unsigned char c = (unsigned char)*s->p;
        if (c == '"') {
            if (out) {
                out->raw = begin;
                out->len = (size_t)(s->p - begin);
            }
            s->p++;
            return true;
        }
        if (c < 0x20)
            return scan_fail(s, "a control character must be escaped inside a string");
        if (c >= 0x80) {
            size_t n = utf8_sequence((const unsigned char *)s->p, (const unsigned char *)s->end);
            if (!n)
                return scan_fail(s, "the text is not valid UTF-8");
            s->p += n;
            continue;
        }
        if (c == '\\') {
            s->p++;
            if (s->p >= s->end)
                break;
            char e = *s->p;
            if (e == 'u') {
                int u = s->end - s->p > 4 ? hex4(s->p + 1) : -1;
                if (u < 0)
                    return scan_fail(s, "\\u must be followed by four hex digits");
                s->p += 4;
                /* UTF-16 surrogates only in pairs: high then low. */
                if (u >= 0xDC00 && u <= 0xDFFF)
                    return scan_fail(s, "a \\u escape is half of a surrogate pair");
                if (u >= 0xD800 && u <= 0xDBFF) {
                    int low = s->end - s->p > 6 && s->p[1] == '\\' && s->p[2] == 'u'
                                  ? hex4(s->p + 3)
                                  : -1;
                    if (low < 0xDC00 || low > 0xDFFF)
                        return scan_fail(s, "a \\u escape is half of a surrogate pair");
                    s->p += 6;
                }
            } else if (!strchr("\"\\/bfnrt", e) || e == '\0') {
                return scan_fail(s, "unknown escape in a string");
            }
        }
        s->p++;
    }
    return scan_fail(s, "a string is not closed");
}

static bool scan_digits(scanner *s)
{
    const char *from = s->p;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
        s->p++;
    return s->p > from;
}

static bool scan_number(scanner *s)
{
    if (*s->p == '-')
        s->p++;
    if (s->p < s->end && *s->p == '0')
        s->p++;
    else if (!scan_digits(s))
        return scan_fail(s, "a value is expected");
    if (s->p < s->end && *s->p == '.') {
        s->p++;
        if (!scan_digits(s))
            return scan_fail(s, "a digit must follow the decimal point");
    }
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        s->p++;
        if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
            s->p++;
        if (!scan_digits(s))
            return scan_fail(s, "a digit must follow the exponent");
    }
    return true;
}

/* Decodes a raw JSON string body into out (at most outlen-1 bytes). */
static size_t decode_key(const scan_key *k, char *out, size_t outlen)
{
    size_t n = 0;
    if (!memchr(k->raw, '\\', k->len)) {
        n = k->len < outlen - 1 ? k->len : outlen - 1;
        memcpy(out, k->raw, n);
        out[n] = '\0';
        return n;
    }
    /* Let json-c decode the escapes: wrap the raw text in quotes. */
    char *quoted = malloc(k->len + 3);
    if (!quoted) {
        out[0] = '\0';
        return 0;
    }
    quoted[0] = '"';
    memcpy(quoted + 1, k->raw, k->len);
    quoted[k->len + 1] = '"';
    quoted[k->len + 2] = '\0';
    json_object *str = json_tokener_parse(quoted);
    free(quoted);
    if (str && json_object_is_type(str, json_type_string)) {
        n = (size_t)json_object_get_string_len(str);
        if (n > outlen - 1)
            n = outlen - 1;
        memcpy(out, json_object_get_string(str), n);
    }
    out[n] = '\0';
    json_object_put(str);
    return n;
}

/* A key as json-c will store it: its text, decoded once (owned, to free,
 * when it has escapes). False when it cannot be decoded. */
typedef struct decoded_key {
    const char *text;
    size_t len;
    char *owned;
} decoded_key;

static bool key_decode_once(const scan_key *k, decoded_key *d)
{
    d->owned = NULL;
    if (!memchr(k->raw, '\\', k->len)) {
        d->text = k->raw;
        d->len = k->len;
        return true;
    }
    d->owned = malloc(k->len + 1); /* decoding never lengthens */
    if (!d->owned)
        return false;
    d->len = decode_key(k, d->owned, k->len + 1);
    d->text = d->owned;
    return true;
}

static void build_pointer(scanner *s)
{
    size_t used = 0;
    s->pointer[0] = '\0';
    for (int d = 0; d < s->depth && d < 64; d++) {
        char tok[512];
        size_t n;
        if (s->path_is_key[d])
            n = decode_key(&s->path_keys[d], tok, sizeof(tok));
        else
            n = (size_t)snprintf(tok, sizeof(tok), "%ld", s->path_index[d]);
        if (used + 2 >= sizeof(s->pointer))
            return;
        s->pointer[used++] = '/';
        for (size_t i = 0; i < n && used + 3 < sizeof(s->pointer); i++) {
            if (tok[i] == '~' || tok[i] == '/') {
                s->pointer[used++] = '~';
                s->pointer[used++] = tok[i] == '~' ? '0' : '1';
            } else {
                s->pointer[used++] = tok[i];
            }
        }
        s->pointer[used] = '\0';
    }
}

static bool scan_value(scanner *s);

static bool scan_object(scanner *s)
{
    s->p++; /* { */
    skip_ws(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        return true;
    }
    /* Each key decoded once (escapes and all) and compared as json-c will
     * store it: a key written twice in two spellings is still a repeat, and
     * comparing costs no decoding per pair. */
    decoded_key *keys = malloc(SCAN_MAX_KEYS * sizeof(*keys));
    int nkeys = 0;
    bool ok = false;
    if (!keys)
        return scan_fail(s, "out of memory");
    for (;;) {
        scan_key k;
        decoded_key d;
        skip_ws(s);
        if (!scan_string(s, &k))
            goto out;
        if (nkeys == SCAN_MAX_KEYS) {
            scan_fail(s, "an object has too many members");
            goto out;
        }
        s->path_is_key[s->depth] = true;
        s->path_keys[s->depth] = k;
        if (!key_decode_once(&k, &d)) {
            scan_fail(s, "out of memory");
            goto out;
        }
        keys[nkeys++] = d;
        /* json-c keeps a key up to its first NUL: "a\u0000b" would be
         * stored as "a", passing as a field the check never saw. */
        if (memchr(d.text, '\0', d.len)) {
            s->depth++;
            build_pointer(s);
            s->depth--;
            scan_fail(s, "a key must not contain the NUL character (\\u0000)");
            goto out;
        }
        for (int i = 0; i < nkeys - 1; i++) {
            if (keys[i].len == d.len && !memcmp(keys[i].text, d.text, d.len)) {
                s->depth++;
                build_pointer(s);
                s->depth--;
                scan_fail(s, "this key appears more than once");
                goto out;
            }
        }
        skip_ws(s);
        if (s->p >= s->end || *s->p != ':') {
            scan_fail(s, "':' is expected after a key");
            goto out;
        }
        s->p++;
        s->depth++;
        bool v = scan_value(s);
        s->depth--;
        if (!v)
            goto out;
        skip_ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        if (s->p < s->end && *s->p == '}') {
            s->p++;
            ok = true;
            goto out;
        }
        scan_fail(s, "',' or '}' is expected");
        goto out;
    }
out:
    for (int i = 0; i < nkeys; i++)
        free(keys[i].owned);
    free(keys);
    return ok;
}

static bool scan_array(scanner *s)
{
    s->p++; /* [ */
    skip_ws(s);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return true;
    }
    for (long i = 0;; i++) {
        s->path_is_key[s->depth] = false;
        s->path_index[s->depth] = i;
        s->depth++;
        bool v = scan_value(s);
        s->depth--;
        if (!v)
            return false;
        skip_ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        if (s->p < s->end && *s->p == ']') {
            s->p++;
            return true;
        }
        return scan_fail(s, "',' or ']' is expected");
    }
}

static bool scan_literal(scanner *s, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
        return scan_fail(s, "a value is expected");
    s->p += n;
    return true;
}

static bool scan_value(scanner *s)
{
    skip_ws(s);
    if (s->p >= s->end)
        return scan_fail(s, "a value is expected");
    if (s->depth > s->max_depth)
        return scan_fail(s, "nested too deeply");
    switch (*s->p) {
    case '{':
        if (s->depth >= s->max_depth || s->depth >= 63)
            return scan_fail(s, "nested too deeply");
        return scan_object(s);
    case '[':
        if (s->depth >= s->max_depth || s->depth >= 63)
            return scan_fail(s, "nested too deeply");
        return scan_array(s);
    case '"':
        return scan_string(s, NULL);
    case 't':
        return scan_literal(s, "true");
    case 'f':
        return scan_literal(s, "false");
    case 'n':
        return scan_literal(s, "null");
    default:
        if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))
            return scan_number(s);
        return scan_fail(s, "a value is expected");
    }
}

/* Returns NULL when buf is one strict JSON value; else the reason, with
 * *offset the byte it was found at and pointer set for a repeated key. */
static const char *json_check_syntax(const char *buf, size_t len, int max_depth, size_t *offset,
                                     char *pointer, size_t pointerlen)
{
    scanner *s = calloc(1, sizeof(*s));
    if (!s)
        return "out of memory";
    s->start = s->p = buf;
    s->end = buf + len;
    s->max_depth = max_depth;
    if (scan_value(s)) {
        skip_ws(s);
        if (s->p != s->end)
            scan_fail(s, "data follows the JSON value");
    }
    const char *why = s->error;
    *offset = (size_t)(s->p - buf);
    snprintf(pointer, pointerlen, "%s", s->pointer);
    free(s);
    return why;
}

void json_merge_patch(json_object *target, json_object *patch)
{
    json_object_object_foreach(patch, key, val)
    {
        if (val == NULL) {
            json_object_object_del(target, key);
            continue;
        }
        json_object *cur;
        if (json_object_is_type(val, json_type_object) &&
            json_object_object_get_ex(target, key, &cur) &&
            json_object_is_type(cur, json_type_object)) {
            json_merge_patch(cur, val);
            continue;
        }
        json_object *copy = NULL;
        json_object_deep_copy(val, &copy, NULL);
        json_object_object_add(target, key, copy);
    }
}

const char *json_to_arena(arena *a, json_object *obj, size_t *len)
{
    size_t n;
    const char *s = json_object_to_json_string_length(
        obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    if (len)
        *len = n;
    return arena_strndup(a, s, n);
}
