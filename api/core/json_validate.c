/* Validation of a parsed body against a resource's field table (field_spec):
 * unknown and read-only fields, types, lengths, ranges, enums, dates. */
#include "json_validate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "uuid.h"

/* Dates and timestamps: the syntax is RFC 3339's (full-date, date-time),
 * any year 0001-9999 and any number of fractional digits, so that every
 * value the document's `format: date` / `format: date-time` allows is read
 * (400 otherwise). How far from today a value may lie is a rule (422):
 * json_date_ranges below, and each resource's own rules. */

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int num(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return days[m - 1];
}

/* YYYY-MM-DD at s (10 characters, not necessarily terminated). */
static bool date_prefix(const char *s)
{
    if (s[4] != '-' || s[7] != '-' || !all_digits(s, 4) || !all_digits(s + 5, 2) ||
        !all_digits(s + 8, 2))
        return false;
    int y = num(s, 4), m = num(s + 5, 2), d = num(s + 8, 2);
    return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

bool json_is_date(const char *s)
{
    return strlen(s) == 10 && date_prefix(s);
}

/* Where the fraction's digits start and how many there are (0: none), and
 * where the offset starts; false when s is not an RFC 3339 date-time. */
static bool timestamp_parts(const char *s, size_t *frac_at, size_t *frac_len, size_t *offset_at)
{
    /* YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM) */
    size_t n = strlen(s);
    if (n < 20 || (s[10] != 'T' && s[10] != 't') || !date_prefix(s))
        return false;
    const char *t = s + 11;
    if (t[2] != ':' || t[5] != ':' || !all_digits(t, 2) || !all_digits(t + 3, 2) ||
        !all_digits(t + 6, 2))
        return false;
    /* A leap second is written :60; PostgreSQL reads it as the next minute. */
    if (num(t, 2) > 23 || num(t + 3, 2) > 59 || num(t + 6, 2) > 60)
        return false;
    size_t i = 19;
    *frac_at = 0;
    *frac_len = 0;
    if (s[i] == '.') {
        size_t digits = strspn(s + i + 1, "0123456789");
        if (digits < 1)
            return false;
        *frac_at = i + 1;
        *frac_len = digits;
        i += 1 + digits;
    }
    *offset_at = i;
    const char *o = s + i;
    if ((*o == 'Z' || *o == 'z') && o[1] == '\0')
        return true;
    if ((*o != '+' && *o != '-') || strlen(o) != 6 || o[3] != ':' || !all_digits(o + 1, 2) ||
        !all_digits(o + 4, 2))
        return false;
    return num(o + 1, 2) <= 23 && num(o + 4, 2) <= 59;
}

bool json_is_timestamp(const char *s)
{
    size_t frac_at, frac_len, offset_at;
    return timestamp_parts(s, &frac_at, &frac_len, &offset_at);
}

/* Days since 1970-01-01 of a proleptic Gregorian date, and back (Howard
 * Hinnant's algorithms). */
static long days_from_civil(long y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, long *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

const char *json_timestamp_normalise(arena *a, const char *s)
{
    size_t frac_at, frac_len, offset_at;
    if (!timestamp_parts(s, &frac_at, &frac_len, &offset_at) || frac_len <= 6)
        return s;
    /* PostgreSQL reads the fraction as strtod(".ddd...") and keeps
     * rint(fraction * 1e6) microseconds (ParseFractionalSecond); the same
     * here, so the value stored is the value checked. */
    char *frac = arena_strndup(a, s + frac_at - 1, frac_len + 1);
    double usec = rint(strtod(frac, NULL) * 1e6);
    const char *offset = s + offset_at;
    if (usec < 1e6)
        return arena_printf(a, "%.*s%06ld%s", (int)frac_at, s, (long)usec, offset);
    /* Rounded up to the next second: carry into the minutes, hours, days. */
    long secs = days_from_civil(num(s, 4), num(s + 5, 2), num(s + 8, 2)) * 86400L +
                num(s + 11, 2) * 3600L + num(s + 14, 2) * 60L + num(s + 17, 2) + 1;
    long days = secs / 86400, rem = secs % 86400, y;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int m, d;
    civil_from_days(days, &y, &m, &d);
    return arena_printf(a, "%04ld-%02d-%02d%c%02ld:%02ld:%02ld%s", y, m, d, s[10], rem / 3600,
                        rem / 60 % 60, rem % 60, offset);
}

/* The range every date and timestamp must lie in (a rule, 422): far enough
 * back for any date of birth, far enough ahead for any plan; the database
 * and the representations need nothing wider. */
#define DATE_EARLIEST "1900-01-01"
#define DATE_LATEST "2200-12-31"
enum { OFFSET_MAX_MINUTES = 14 * 60 };

static const char *date_range_error(const char *s, bool timestamp)
{
    size_t len = strcspn(s, "Tt");
    bool in = len == 10 && strncmp(s, DATE_EARLIEST, 10) >= 0 && strncmp(s, DATE_LATEST, 10) <= 0;
    if (!in)
        return "must be between " DATE_EARLIEST " and " DATE_LATEST;
    if (timestamp) {
        const char *o = s + strlen(s) - 6;
        if (*o == '+' || *o == '-') {
            int minutes = num(o + 1, 2) * 60 + num(o + 4, 2);
            if (minutes > OFFSET_MAX_MINUTES)
                return "must have an offset between -14:00 and +14:00";
        }
    }
    return NULL;
}

void json_date_ranges(arena *a, json_object *obj, const field_spec *spec, const char *prefix,
                      field_errors *e)
{
    if (!obj || !json_object_is_type(obj, json_type_object))
        return;
    for (const field_spec *f = spec; f->name; f++) {
        json_object *v;
        if (!json_object_object_get_ex(obj, f->name, &v) || !v)
            continue;
        const char *ptr = arena_printf(a, "%s/%s", prefix, f->name);
        if (f->type == FIELD_OBJECT) {
            json_date_ranges(a, v, f->children, ptr, e);
            continue;
        }
        if ((f->type != FIELD_DATE && f->type != FIELD_TIMESTAMP) ||
            !json_object_is_type(v, json_type_string))
            continue;
        const char *why = date_range_error(json_object_get_string(v), f->type == FIELD_TIMESTAMP);
        if (why)
            field_errors_add(e, ptr, why);
    }
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
    case FIELD_ARRAY:
    case FIELD_UUID_ARRAY:
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
    case FIELD_ENUM_ARRAY:
    case FIELD_UUID_ARRAY: {
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
        item.type = f->type == FIELD_UUID_ARRAY ? FIELD_UUID : FIELD_ENUM;
        for (size_t i = 0; i < n; i++) {
            json_object *el = json_object_array_get_idx(v, i);
            const char *iptr = arena_printf(a, "%s/%zu", ptr, i);
            int before = e->count;
            validate_value(a, el, &item, mode, iptr, e);
            if (e->count != before)
                return;
            for (size_t j = 0; j < i; j++) {
                const char *prev = json_object_get_string(json_object_array_get_idx(v, j));
                /* ids: the same id in either case */
                if (!(f->values ? strcmp : strcasecmp)(prev, json_object_get_string(el))) {
                    field_errors_add(e, iptr, "is listed twice");
                    return;
                }
            }
        }
        return;
    }
    case FIELD_ARRAY: {
        if (jt != json_type_array) {
            field_errors_add(e, ptr, "must be an array");
            return;
        }
        size_t n = json_object_array_length(v);
        if ((long)n < f->min || (long)n > f->max) {
            field_errors_add(e, ptr, arena_printf(a, "must hold %ld to %ld items", f->min, f->max));
            return;
        }
        /* Each item is whole (a PATCH replaces the array): checked as on
         * create. */
        for (size_t i = 0; i < n; i++) {
            json_object *el = json_object_array_get_idx(v, i);
            const char *iptr = arena_printf(a, "%s/%zu", ptr, i);
            if (!el)
                field_errors_add(e, iptr, "must not be null");
            else
                validate_value(a, el, &f->children[0], VALIDATE_CREATE, iptr, e);
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
        if (!json_is_timestamp(s)) {
            field_errors_add(e, ptr,
                             "must be an RFC 3339 timestamp with an offset, such as "
                             "2026-11-25T09:30:00Z");
            return;
        }
        /* More than microseconds: rounded as PostgreSQL would store it. */
        const char *norm = json_timestamp_normalise(a, s);
        if (norm != s)
            json_object_set_string(v, norm);
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

/* prefix + "/" + key as an RFC 6901 pointer: a client's key may hold '~'
 * or '/', written "~0" and "~1" there. */
static const char *pointer_to(arena *a, const char *prefix, const char *key)
{
    if (!strpbrk(key, "~/"))
        return arena_printf(a, "%s/%s", prefix, key);
    size_t np = strlen(prefix);
    char *out = arena_alloc(a, np + 2 * strlen(key) + 2);
    if (!out)
        return prefix;
    memcpy(out, prefix, np);
    char *o = out + np;
    *o++ = '/';
    for (const char *k = key; *k; k++) {
        if (*k == '~' || *k == '/') {
            *o++ = '~';
            *o++ = *k == '~' ? '0' : '1';
        } else {
            *o++ = *k;
        }
    }
    *o = '\0';
    return out;
}

bool json_validate(arena *a, json_object *obj, const field_spec *spec, validate_mode mode,
                   const char *prefix, field_errors *e)
{
    int before = e->count;
    if (!json_object_is_type(obj, json_type_object)) {
        field_errors_add(e, *prefix ? prefix : "",
                         *prefix ? "must be a JSON object" : "the body must be a JSON object");
        return false;
    }
    json_object_object_foreach(obj, key, val)
    {
        const char *ptr = pointer_to(a, prefix, key);
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
