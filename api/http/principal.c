/* Role names as tokens carry them and logs and audit rows show them. */
#include "principal.h"

#include <string.h>

static const struct {
    const char *name;
    role role;
} role_names[] = {
    {"clinician", ROLE_CLINICIAN},       {"admin", ROLE_ADMIN},
    {"referrer", ROLE_REFERRER},         {"liaison", ROLE_LIAISON},
    {"commissioner", ROLE_COMMISSIONER},
};

const char *role_name(role r)
{
    for (size_t i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
        if (role_names[i].role == r)
            return role_names[i].name;
    return "none";
}

role role_parse(const char *s)
{
    for (size_t i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
        if (!strcmp(role_names[i].name, s))
            return role_names[i].role;
    return ROLE_NONE;
}
