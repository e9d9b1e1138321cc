"""Intake: take mail in from SMTP, IMAP or a pipe, store it, and read it into values."""
