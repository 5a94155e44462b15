"""Reads: scoped querysets, blind-review filtering, and the joins that keep queries flat."""
