// Placeholder until the recorder's first real file lands (issue 8); removed then.
enum RecorderPlaceholder {}
