"""Packaged configuration: default settings, partnership policies, example directory."""
