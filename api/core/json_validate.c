/* Validation of a parsed body against a resource's field table (field_spec):
 * unknown and read-only fields, types, lengths, ranges, enums, dates. */
#include "json_validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uuid.h"

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

bool json_is_timestamp(const char *s)
{
    /* YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM) */
    char date[11];
    size_t n = strlen(s);
    if (n < 20 || n > 35 || (s[10] != 'T' && s[10] != 't'))
        return false;
    memcpy(date, s, 10);
    date[10] = '\0';
    if (!json_is_date(date))
        return false;
    const char *t = s + 11;
    if (!(t[0] >= '0' && t[0] <= '2') || !(t[1] >= '0' && t[1] <= '9') || t[2] != ':' ||
        !(t[3] >= '0' && t[3] <= '5') || !(t[4] >= '0' && t[4] <= '9') || t[5] != ':' ||
        !(t[6] >= '0' && t[6] <= '5') || !(t[7] >= '0' && t[7] <= '9'))
        return false;
    if ((t[0] - '0') * 10 + (t[1] - '0') > 23)
        return false;
    t += 8;
    if (*t == '.') {
        size_t digits = strspn(t + 1, "0123456789");
        if (digits < 1 || digits > 6)
            return false;
        t += 1 + digits;
    }
    if ((*t == 'Z' || *t == 'z') && t[1] == '\0')
        return true;
    if ((*t != '+' && *t != '-') || strlen(t) != 6 || t[3] != ':')
        return false;
    return strspn(t + 1, "0123456789") == 2 && strspn(t + 4, "0123456789") == 2 &&
           (t[1] - '0') * 10 + (t[2] - '0') <= 14 && (t[4] - '0') * 10 + (t[5] - '0') <= 59;
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
    case FIELD_STRING:
        return "a string";
    case FIELD_DATE:
        return "a date (YYYY-MM-DD)";
    case FIELD_BOOL:
        return "a boolean";
    case FIELD_INT:
        return "an integer";
    case FIELD_ENUM:
        return "a string";
    case FIELD_UUID:
        return "an id (UUID)";
    case FIELD_OBJECT:
        return "an object";
    case FIELD_TIMESTAMP:
        return "a timestamp (RFC 3339 with an offset)";
    case FIELD_ENUM_ARRAY:
        return "an array";
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
            field_errors_add(e, ptr,
                             arena_printf(a, "must be between %ld and %ld", f->min, f->max));
        return;
    }
    case FIELD_OBJECT:
        if (jt != json_type_object) {
            field_errors_add(e, ptr, "must be an object");
            return;
        }
        json_validate(a, v, f->children, mode, ptr, e);
        return;
    case FIELD_ENUM_ARRAY: {
        if (jt != json_type_array) {
            field_errors_add(e, ptr, "must be an array");
            return;
        }
        size_t n = json_object_array_length(v);
        if ((long)n < f->min || (long)n > f->max) {
            field_errors_add(e, ptr,
                             arena_printf(a, "must hold %ld to %ld values", f->min, f->max));
            return;
        }
        field_spec item = *f;
        item.type = FIELD_ENUM;
        for (size_t i = 0; i < n; i++) {
            json_object *el = json_object_array_get_idx(v, i);
            const char *iptr = arena_printf(a, "%s/%zu", ptr, i);
            int before = e->count;
            validate_value(a, el, &item, mode, iptr, e);
            if (e->count != before)
                return;
            for (size_t j = 0; j < i; j++) {
                if (!strcmp(json_object_get_string(json_object_array_get_idx(v, j)),
                            json_object_get_string(el))) {
                    field_errors_add(e, iptr, "is listed twice");
                    return;
                }
            }
        }
        return;
    }
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
    case FIELD_TIMESTAMP:
        if (!json_is_timestamp(s))
            field_errors_add(e, ptr,
                             "must be an RFC 3339 timestamp with an offset, such as "
                             "2026-11-25T09:30:00Z");
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
        field_errors_add(e, ptr,
                         arena_printf(a, "must be %ld to %ld characters long", f->min, f->max));
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
