"""Outbound: compose mail from templates, and deliver the outbox."""
