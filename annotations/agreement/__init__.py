"""Agreement between reviewers: pure functions over plain data (no Django, standard library only).

`alignment` pairs and groups reviewers' spans of one article (curation view, span F1); metrics build on it.
"""
