// Placeholder: the PostgreSQL client over libpq lands here.
