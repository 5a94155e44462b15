"""Text clean-up before matching: what a reviewer highlights (or a tweet) is not what claims look like.

Pure functions. URLs and picture links carry no claim; hashtags and handles carry words. The signature of an
embedded tweet ("Name (@handle) Date") stays: who said it helps matching (measured in docs/matching.md).
"""

from __future__ import annotations

import re

_URL = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)@(\w{1,30})")
_HASHTAG = re.compile(r"(?<!\w)#(\w+)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_SPACES = re.compile(r"\s+")


def clean_query(text: str) -> str:
    """Text to embed and search with: no URLs; #HashTags and @handles become words."""
    text = _URL.sub(" ", text)
    text = _HASHTAG.sub(lambda m: _CAMEL.sub(" ", m.group(1)), text)
    text = _HANDLE.sub(lambda m: m.group(1), text)
    return _SPACES.sub(" ", text).strip()
