#ifndef AGENT_FCGI_CPOSTGRES_SHIM_H
#define AGENT_FCGI_CPOSTGRES_SHIM_H
#include <libpq-fe.h>

// PG_DIAG_* are `#define`s of character literals that Swift imports as Int32 already, but the
// SQLSTATE lookup reads better through one named helper.
static inline const char *agent_pq_sqlstate(const PGresult *result) {
    return PQresultErrorField(result, PG_DIAG_SQLSTATE);
}
static inline const char *agent_pq_detail(const PGresult *result) {
    return PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL);
}
static inline const char *agent_pq_hint(const PGresult *result) {
    return PQresultErrorField(result, PG_DIAG_MESSAGE_HINT);
}
static inline const char *agent_pq_primary(const PGresult *result) {
    return PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
}
#endif
