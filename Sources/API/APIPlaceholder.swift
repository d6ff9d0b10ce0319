// Placeholder until the API module's first real file lands (issue 8); removed then.
enum APIPlaceholder {}
