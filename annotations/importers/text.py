"""Plain-text articles: one document per file, with an optional leading date marker.

The title is derived from the text, since plain text has no place to state one.
"""

from __future__ import annotations

import re

from annotations.domain import ArticleRecord
from annotations.importers._common import article_record, parse_date

# Scraped seeds begin " date 2026-02-16 Headline…" with the article continuing on the same line;
# hand-written files put "Date: 2026-02-16" alone on the first line. Both forms are accepted.
_DATE_MARKER = re.compile(
    r"\A[ \t]*date(?::[ \t]*|[ \t]+)(\d{4}-\d{2}-\d{2})(?:[ \t]+|[ \t]*\r?\n|[ \t]*\Z)", re.IGNORECASE
)


def text_article(text: str, *, source_name: str) -> ArticleRecord:
    published_date = None
    marker = _DATE_MARKER.match(text)
    if marker is not None:
        published_date = parse_date(marker.group(1))
        # A marker whose date is impossible (2026-13-45) may be prose, so the text is left whole.
        if published_date is not None:
            text = text[marker.end() :]
    return article_record(text=text, source_name=source_name, published_date=published_date)
