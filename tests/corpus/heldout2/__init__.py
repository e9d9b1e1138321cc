"""The second held-out designs: written later, by someone who had not read the reader (see tests/corpus/README.md)."""
