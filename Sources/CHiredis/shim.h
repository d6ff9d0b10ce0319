// hiredis, seen from Swift. Commands are built with redisCommandArgv / redisAppendCommandArgv only:
// the variadic, printf-style redisCommand is never used (it is neither binary-safe nor callable from Swift).
#ifndef REELAY_CHIREDIS_SHIM_H
#define REELAY_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#endif
