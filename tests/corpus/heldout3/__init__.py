"""Held-out part 3 of the notice corpus: forms written without reading the reader (issue 9)."""
