"""Text clean-up before matching: what a reviewer highlights (or a tweet) is not what claims look like.

Pure functions. URLs, picture links and the "— Name (@handle) Date" signature of embedded tweets carry no
claim, hashtags carry words; cleaning keeps the words and drops the rest.
"""

from __future__ import annotations

import re

# Em dash, en dash or hyphen(s), a name, (@handle), a date: the footer of an embedded tweet.
_SIGNATURE = re.compile(r"\s[\u2014\u2013-]{1,2}\s[^\u2014\u2013\n]{1,80}\(@\w{1,30}\)\s+\w+\s+\d{1,2},\s+\d{4}\s*$")
_URL = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)@(\w{1,30})")
_HASHTAG = re.compile(r"(?<!\w)#(\w+)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_SPACES = re.compile(r"\s+")


def clean_query(text: str) -> str:
    """Text to embed and search with: no URLs or tweet signature; #HashTags and @handles become words."""
    text = _SIGNATURE.sub("", text)
    text = _URL.sub(" ", text)
    text = _HASHTAG.sub(lambda m: _CAMEL.sub(" ", m.group(1)), text)
    text = _HANDLE.sub(lambda m: m.group(1), text)
    return _SPACES.sub(" ", text).strip()
