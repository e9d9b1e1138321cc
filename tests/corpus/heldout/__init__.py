"""The held-out designs: the reader's own tests and its authors never look here (see tests/corpus/README.md)."""
