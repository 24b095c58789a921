/* The bounded list of input errors. */
#include "field_errors.h"

void field_errors_add(field_errors *e, const char *pointer, const char *detail)
{
    if (e->count < MAX_FIELD_ERRORS) {
        e->items[e->count].pointer = pointer;
        e->items[e->count].detail = detail;
        e->count++;
    }
}
