"""Data sources.  Every reader ends in the same shape: uint8 base indices plus labels."""
