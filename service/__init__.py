"""Service: the composition root (settings, clock, CLI, serve)."""
