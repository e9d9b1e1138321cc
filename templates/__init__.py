"""Jinja2 templates for every email the service sends (package data)."""
