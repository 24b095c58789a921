/* The access context every statement receives as $1: the caller's
 * organisation, subject, role, teams (a clinician's only: they limit its
 * reach) and the request id, as a literal of the PostgreSQL composite type
 * access (db/006_record_layer.sql). Built once per request. */
#ifndef PERINATAL_ACCESS_H
#define PERINATAL_ACCESS_H

#include "http.h"

/* The literal, in the request's arena ("" fields are never sent: a request
 * without a caller gets an organisation-less context that sees nothing). */
const char *access_context(request *r);

#endif
