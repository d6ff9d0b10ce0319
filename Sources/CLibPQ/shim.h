// libpq, seen from Swift. Statements go through PQexecParams (or COPY) with parameters: never PQexec with spliced values.
#ifndef REELAY_CLIBPQ_SHIM_H
#define REELAY_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
