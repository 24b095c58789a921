/* RFC 4180 fields and records (see csv.h). */
#include "csv.h"

#include <string.h>

void csv_field(strbuf *b, const char *value, bool first)
{
    if (!first)
        strbuf_append(b, ",", 1);
    if (!value)
        return;
    if (!value[strcspn(value, ",\"\r\n")]) {
        strbuf_puts(b, value);
        return;
    }
    strbuf_append(b, "\"", 1);
    for (const char *p = value; *p; p++) {
        if (*p == '"')
            strbuf_append(b, "\"", 1);
        strbuf_append(b, p, 1);
    }
    strbuf_append(b, "\"", 1);
}

void csv_end_record(strbuf *b)
{
    strbuf_append(b, "\r\n", 2);
}
