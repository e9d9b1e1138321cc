"""A corpus of escalation notices in other partnerships' styles, built by code (see README.md)."""
