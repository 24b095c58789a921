/* Who is calling: the role a verified token grants and the principal built
 * from its claims, which every request carries once authenticated. Role
 * names live here, beside the enum, for the token checks, logs and audit. */
#ifndef PERINATAL_PRINCIPAL_H
#define PERINATAL_PRINCIPAL_H

#define MAX_TOKEN_TEAMS 32

typedef enum role {
    ROLE_NONE = 0,
    ROLE_CLINICIAN = 1 << 0,
    ROLE_ADMIN = 1 << 1,
    ROLE_REFERRER = 1 << 2,
    ROLE_LIAISON = 1 << 3,
    ROLE_COMMISSIONER = 1 << 4,
} role;

/* Who is calling, from a verified token. */
typedef struct principal {
    char sub[256];
    char jti[129];
    role role;
    char org[37];
    int nteams;
    char teams[MAX_TOKEN_TEAMS][37];
    long exp;
} principal;

/* The claim value of a role ("clinician"), or "none". */
const char *role_name(role r);
/* The role a claim value names, or ROLE_NONE. */
role role_parse(const char *s);

#endif
