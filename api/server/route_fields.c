/* The request bodies of the record routes (see route_fields.h). */
#include "route_fields.h"

#include <stdio.h>

#include "record.h"
#include "router.h"

static const char *type_name(field_type t)
{
    switch (t) {
    case FIELD_STRING:
        return "string";
    case FIELD_DATE:
        return "date";
    case FIELD_BOOL:
        return "boolean";
    case FIELD_INT:
        return "integer";
    case FIELD_ENUM:
        return "enum";
    case FIELD_UUID:
        return "uuid";
    case FIELD_OBJECT:
        return "object";
    case FIELD_TIMESTAMP:
        return "date-time";
    case FIELD_ENUM_ARRAY:
        return "enum-array";
    case FIELD_ARRAY:
        return "array";
    case FIELD_UUID_ARRAY:
        return "uuid-array";
    }
    return "unknown";
}

static void print_fields(const route *rt, const field_spec *fields, const char *prefix, bool create)
{
    for (const field_spec *f = fields; f && f->name; f++) {
        if (f->flags & FIELD_READONLY)
            continue;
        printf("%s %s %s%s %s %s %s ", rt->method, rt->pattern, prefix, f->name, type_name(f->type),
               create && (f->flags & FIELD_REQUIRED) ? "required" : "optional",
               f->flags & FIELD_NULLABLE ? "nullable" : "-");
        if (f->values)
            for (const char *const *v = f->values; *v; v++)
                printf(v == f->values ? "%s" : ",%s", *v);
        else
            printf("-");
        printf("\n");
        if (f->type == FIELD_OBJECT && f->children) {
            char nested[128];
            snprintf(nested, sizeof(nested), "%s%s.", prefix, f->name);
            /* A nested object's own required fields hold whenever it is
             * sent whole (a create); a merge patch may send part of it. */
            print_fields(rt, f->children, nested, create);
        }
    }
}

void route_fields_print(void)
{
    const route *rt;
    for (int i = 0; (rt = router_route(i)); i++) {
        const record_def *d = rt->resource;
        if (!d)
            continue;
        if (rt->handler == record_create)
            print_fields(rt, d->fields, "", true);
        else if (rt->handler == record_update && d->update)
            print_fields(rt, d->fields, "", false);
        else if (rt->handler == record_transition)
            print_fields(rt, d->workflow->fields, "", true);
    }
}
