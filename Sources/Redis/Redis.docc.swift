// Placeholder: the Redis client over hiredis lands here.
