"""Notice readers: attachments and bodies into the canonical notice."""
