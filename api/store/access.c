/* The access context literal (see access.h). */
#include "access.h"

#include "principal.h"

/* A quoted field of a composite literal: " and \ doubled. */
static void quoted(strbuf *b, const char *s)
{
    strbuf_puts(b, "\"");
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\')
            strbuf_append(b, p, 1);
        strbuf_append(b, p, 1);
    }
    strbuf_puts(b, "\"");
}

const char *access_context(request *r)
{
    if (r->access)
        return r->access;
    strbuf b;
    strbuf_init(&b, r->a, 4096);
    const principal *who = r->who;
    if (!who) {
        /* A NULL organisation: access_scope matches nothing. */
        strbuf_puts(&b, "(,,,,");
        quoted(&b, r->request_id);
        strbuf_puts(&b, ")");
        return r->access = b.data;
    }
    strbuf_printf(&b, "(%s,", who->org);
    quoted(&b, who->sub);
    strbuf_printf(&b, ",%s,", role_name(who->role));
    if (who->role == ROLE_CLINICIAN) {
        strbuf_puts(&b, "\"{");
        for (int i = 0; i < who->nteams; i++)
            strbuf_printf(&b, "%s%s", i ? "," : "", who->teams[i]);
        strbuf_puts(&b, "}\"");
    }
    strbuf_puts(&b, ",");
    quoted(&b, r->request_id);
    strbuf_puts(&b, ")");
    return r->access = b.failed ? NULL : b.data;
}
