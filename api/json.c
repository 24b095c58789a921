/* Strict JSON parsing and table-driven validation. */
#include "json.h"

#include <stdio.h>
#include <string.h>

#include "uuid.h"

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
    if (memchr(buf, '\0', len)) {
        field_errors_add(e, "", "the body contains a NUL byte");
        return NULL;
    }
    json_tokener *tok = json_tokener_new_ex(max_depth);
    if (!tok) {
        field_errors_add(e, "", "the body could not be read");
        return NULL;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *obj = json_tokener_parse_ex(tok, buf, (int)len);
    enum json_tokener_error err = json_tokener_get_error(tok);
    size_t used = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (!obj || err != json_tokener_success) {
        if (obj)
            json_object_put(obj);
        if (err == json_tokener_error_depth)
            field_errors_add(e, "", arena_printf(a, "the body is nested more than %d levels deep",
                                                 max_depth));
        else if (err == json_tokener_continue)
            field_errors_add(e, "", "the body is not complete JSON");
        else if (err == json_tokener_error_parse_utf8_string)
            field_errors_add(e, "", "the body is not valid UTF-8");
        else
            field_errors_add(e, "",
                             arena_printf(a, "the body is not valid JSON (%s at byte %zu)",
                                          json_tokener_error_desc(err), used));
        return NULL;
    }
    arena_defer(a, put_json, obj);
    /* Only whitespace may follow the value. */
    for (size_t i = used; i < len; i++) {
        if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' && buf[i] != '\r') {
            field_errors_add(e, "", "the body has data after the JSON value");
            return NULL;
        }
    }
    char ptr[256];
    if (json_find_duplicate_key(buf, len, ptr, sizeof(ptr))) {
        field_errors_add(e, arena_strdup(a, ptr), "this key appears more than once");
        return NULL;
    }
    return obj;
}

/* Duplicate-key scan. json-c keeps the last of repeated keys silently, so the
 * raw text is walked once more. Keys are compared after decoding escapes, so
 * "a" and "\u0061" are the same key. */

#define SCAN_MAX_DEPTH 64
#define SCAN_MAX_KEYS 256

typedef struct scan_key {
    const char *raw; /* points after the opening quote */
    size_t len;      /* raw length */
} scan_key;

typedef struct scan_level {
    bool is_object;
    int nkeys;
    long index; /* array index */
    scan_key keys[SCAN_MAX_KEYS];
} scan_level;

/* Decodes a raw JSON string body into out (at most outlen-1 bytes). */
static size_t decode_key(const char *raw, size_t len, char *out, size_t outlen)
{
    if (!memchr(raw, '\\', len)) {
        size_t n = len < outlen - 1 ? len : outlen - 1;
        memcpy(out, raw, n);
        out[n] = '\0';
        return n;
    }
    /* Let json-c decode the escapes: wrap the raw text in quotes. */
    char *quoted = malloc(len + 3);
    if (!quoted)
        return 0;
    quoted[0] = '"';
    memcpy(quoted + 1, raw, len);
    quoted[len + 1] = '"';
    quoted[len + 2] = '\0';
    json_object *s = json_tokener_parse(quoted);
    free(quoted);
    size_t n = 0;
    if (s && json_object_is_type(s, json_type_string)) {
        n = (size_t)json_object_get_string_len(s);
        if (n > outlen - 1)
            n = outlen - 1;
        memcpy(out, json_object_get_string(s), n);
    }
    out[n] = '\0';
    json_object_put(s);
    return n;
}

static bool keys_equal(const scan_key *x, const scan_key *y)
{
    if (x->len == y->len && !memcmp(x->raw, y->raw, x->len))
        return true;
    if (!memchr(x->raw, '\\', x->len) && !memchr(y->raw, '\\', y->len))
        return false;
    char a[1024], b[1024];
    size_t na = decode_key(x->raw, x->len, a, sizeof(a));
    size_t nb = decode_key(y->raw, y->len, b, sizeof(b));
    return na == nb && !memcmp(a, b, na);
}

static void append_pointer_token(char *ptr, size_t ptrlen, const char *tok, size_t toklen)
{
    size_t used = strlen(ptr);
    if (used + 1 >= ptrlen)
        return;
    ptr[used++] = '/';
    for (size_t i = 0; i < toklen && used + 2 < ptrlen; i++) {
        if (tok[i] == '~') {
            ptr[used++] = '~';
            ptr[used++] = '0';
        } else if (tok[i] == '/') {
            ptr[used++] = '~';
            ptr[used++] = '1';
        } else {
            ptr[used++] = tok[i];
        }
    }
    ptr[used] = '\0';
}

static void build_pointer(scan_level *levels, int depth, const scan_key *last, char *ptr,
                          size_t ptrlen)
{
    ptr[0] = '\0';
    for (int d = 0; d < depth; d++) {
        scan_level *l = &levels[d];
        char tok[1024];
        if (l->is_object) {
            if (l->nkeys == 0)
                break;
            const scan_key *k = (d == depth - 1 && last) ? last : &l->keys[l->nkeys - 1];
            size_t n = decode_key(k->raw, k->len, tok, sizeof(tok));
            append_pointer_token(ptr, ptrlen, tok, n);
        } else {
            int n = snprintf(tok, sizeof(tok), "%ld", l->index);
            append_pointer_token(ptr, ptrlen, tok, (size_t)n);
        }
    }
}

bool json_find_duplicate_key(const char *buf, size_t len, char *ptr, size_t ptrlen)
{
    scan_level *levels = calloc(SCAN_MAX_DEPTH, sizeof(*levels));
    if (!levels)
        return false;
    int depth = 0;
    bool expect_key = false, found = false;
    for (size_t i = 0; i < len && !found; i++) {
        char c = buf[i];
        if (c == '"') {
            size_t start = ++i;
            while (i < len && buf[i] != '"') {
                if (buf[i] == '\\')
                    i++;
                i++;
            }
            if (expect_key && depth > 0 && levels[depth - 1].is_object) {
                scan_level *l = &levels[depth - 1];
                scan_key k = {buf + start, i - start};
                for (int j = 0; j < l->nkeys; j++) {
                    if (keys_equal(&l->keys[j], &k)) {
                        build_pointer(levels, depth, &k, ptr, ptrlen);
                        found = true;
                        break;
                    }
                }
                if (!found && l->nkeys < SCAN_MAX_KEYS)
                    l->keys[l->nkeys++] = k;
                expect_key = false;
            }
        } else if (c == '{' || c == '[') {
            if (depth == SCAN_MAX_DEPTH)
                break; /* the parser's depth limit is far lower */
            levels[depth].is_object = (c == '{');
            levels[depth].nkeys = 0;
            levels[depth].index = 0;
            depth++;
            expect_key = (c == '{');
        } else if (c == '}' || c == ']') {
            if (depth > 0)
                depth--;
            expect_key = false;
        } else if (c == ',') {
            if (depth > 0) {
                if (levels[depth - 1].is_object)
                    expect_key = true;
                else
                    levels[depth - 1].index++;
            }
        }
    }
    free(levels);
    return found;
}

bool json_is_date(const char *s)
{
    int y, m, d;
    char tail;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return false;
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1)
        return false;
    int max = days[m - 1];
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        max = 29;
    return d <= max;
}

size_t utf8_length(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static const char *type_name(field_type t)
{
    switch (t) {
    case FIELD_STRING: return "a string";
    case FIELD_DATE: return "a date (YYYY-MM-DD)";
    case FIELD_BOOL: return "a boolean";
    case FIELD_INT: return "an integer";
    case FIELD_ENUM: return "a string";
    case FIELD_UUID: return "an id (UUID)";
    case FIELD_OBJECT: return "an object";
    }
    return "a value";
}

static bool has_control_chars(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t' && *s != '\r')
            return true;
    return false;
}

static void validate_value(arena *a, json_object *v, const field_spec *f, validate_mode mode,
                           const char *ptr, field_errors *e)
{
    json_type jt = json_object_get_type(v);
    switch (f->type) {
    case FIELD_BOOL:
        if (jt != json_type_boolean)
            field_errors_add(e, ptr, "must be a boolean");
        return;
    case FIELD_INT: {
        if (jt != json_type_int) {
            field_errors_add(e, ptr, "must be an integer");
            return;
        }
        int64_t n = json_object_get_int64(v);
        if (n < f->min || n > f->max)
            field_errors_add(e, ptr, arena_printf(a, "must be between %ld and %ld", f->min, f->max));
        return;
    }
    case FIELD_OBJECT:
        if (jt != json_type_object) {
            field_errors_add(e, ptr, "must be an object");
            return;
        }
        json_validate(a, v, f->children, mode, ptr, e);
        return;
    default:
        break;
    }
    if (jt != json_type_string) {
        field_errors_add(e, ptr, arena_printf(a, "must be %s", type_name(f->type)));
        return;
    }
    const char *s = json_object_get_string(v);
    if ((size_t)json_object_get_string_len(v) != strlen(s)) {
        field_errors_add(e, ptr, "must not contain a NUL character");
        return;
    }
    switch (f->type) {
    case FIELD_DATE:
        if (!json_is_date(s))
            field_errors_add(e, ptr, "must be a real date written YYYY-MM-DD");
        return;
    case FIELD_UUID:
        if (!uuid_valid(s))
            field_errors_add(e, ptr, "must be an id (UUID)");
        return;
    case FIELD_ENUM:
        for (const char *const *p = f->values; *p; p++)
            if (!strcmp(*p, s))
                return;
        {
            strbuf b;
            strbuf_init(&b, a, 4096);
            strbuf_puts(&b, "must be one of: ");
            for (const char *const *p = f->values; *p; p++) {
                if (p != f->values)
                    strbuf_puts(&b, ", ");
                strbuf_puts(&b, *p);
            }
            field_errors_add(e, ptr, b.data);
        }
        return;
    default:
        break;
    }
    size_t n = utf8_length(s);
    if ((long)n < f->min || (long)n > f->max) {
        field_errors_add(e, ptr, arena_printf(a, "must be %ld to %ld characters long", f->min,
                                              f->max));
        return;
    }
    if (has_control_chars(s)) {
        field_errors_add(e, ptr, "must not contain control characters");
        return;
    }
    if (f->check) {
        const char *why = f->check(s);
        if (why)
            field_errors_add(e, ptr, why);
    }
}

static const field_spec *find_field(const field_spec *spec, const char *name)
{
    for (const field_spec *f = spec; f->name; f++)
        if (!strcmp(f->name, name))
            return f;
    return NULL;
}

bool json_validate(arena *a, json_object *obj, const field_spec *spec, validate_mode mode,
                   const char *prefix, field_errors *e)
{
    int before = e->count;
    if (!json_object_is_type(obj, json_type_object)) {
        field_errors_add(e, *prefix ? prefix : "", "must be a JSON object");
        return false;
    }
    json_object_object_foreach(obj, key, val)
    {
        const char *ptr = arena_printf(a, "%s/%s", prefix, key);
        const field_spec *f = find_field(spec, key);
        if (!f) {
            field_errors_add(e, ptr, "is not a field of this resource");
            continue;
        }
        if (f->flags & FIELD_READONLY) {
            field_errors_add(e, ptr, "is set by the server and cannot be sent");
            continue;
        }
        if (val == NULL) {
            if (!(f->flags & FIELD_NULLABLE))
                field_errors_add(e, ptr, "must not be null");
            continue;
        }
        validate_value(a, val, f, mode, ptr, e);
    }
    if (mode == VALIDATE_CREATE) {
        for (const field_spec *f = spec; f->name; f++) {
            if ((f->flags & FIELD_REQUIRED) && !json_object_object_get_ex(obj, f->name, NULL))
                field_errors_add(e, arena_printf(a, "%s/%s", prefix, f->name), "is required");
        }
    }
    return e->count == before;
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
