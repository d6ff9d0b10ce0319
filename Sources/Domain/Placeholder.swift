// Placeholder: the migration catalogue lands here.
