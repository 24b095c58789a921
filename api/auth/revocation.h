/* Token revocation by jti. Each process keeps the recent revocations in
 * memory and refreshes them from PostgreSQL every second, so a token revoked
 * through any process is refused by every process within a couple of
 * seconds, verified-token cache included. Only revocations younger than the
 * longest token lifetime matter: older tokens have expired anyway. */
#ifndef PERINATAL_REVOCATION_H
#define PERINATAL_REVOCATION_H

#include <stdbool.h>

bool revocation_is_revoked(const char *jti);
void revocation_add(const char *jti);
/* Starts the refresher thread over its own connection, and returns once
 * the revocations in force are loaded (at most 5 s; logged if not). */
bool revocation_start(const char *conninfo, int poll_ms);
void revocation_stop(void);

#endif
