/* CSV text as RFC 4180 has it: fields separated by commas, each record
 * ended by CRLF, a field quoted when it holds a comma, a double quote, CR or
 * LF (a quote inside doubled). No HTTP and no JSON here: the reports build
 * their rows and write them through these two functions. */
#ifndef PERINATAL_CSV_H
#define PERINATAL_CSV_H

#include <stdbool.h>

#include "arena.h"

/* Appends one field (NULL: an empty field), preceded by a comma unless it
 * is the first of its record. */
void csv_field(strbuf *b, const char *value, bool first);
/* Ends the record (CRLF). */
void csv_end_record(strbuf *b);

#endif
