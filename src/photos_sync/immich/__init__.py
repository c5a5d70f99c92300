"""The destination: a thin, typed client for the parts of Immich's REST API we use."""
