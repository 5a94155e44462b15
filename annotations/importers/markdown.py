"""Markdown articles: optional YAML front matter mapped onto record fields, body kept as Markdown source.

Unknown front matter keys are kept in metadata; a malformed front matter is reported by file line.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from annotations.domain import ArticleRecord, DomainError
from annotations.importers._common import article_record, parse_date, pick, scalar_str

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?:(.*?)\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)

# Front matter key (lower-cased) -> the record field it fills; aliases listed in order of preference.
_TITLE_KEYS = ("title",)
_URL_KEYS = ("source_url", "source", "url")
_DATE_KEYS = ("published_date", "date")
_LANGUAGE_KEYS = ("language", "lang")
_ID_KEYS = ("external_id", "id")
_DESCRIPTION_KEYS = ("description",)
_MAPPED_KEYS = frozenset(_TITLE_KEYS + _URL_KEYS + _DATE_KEYS + _LANGUAGE_KEYS + _ID_KEYS + _DESCRIPTION_KEYS)


def unify_line_ends(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def has_front_matter(text: str) -> bool:
    return _FRONT_MATTER.match(unify_line_ends(text)) is not None


def markdown_article(text: str, *, source_name: str) -> ArticleRecord:
    text = unify_line_ends(text)
    match = _FRONT_MATTER.match(text)
    if match is None:
        return article_record(text=text, source_name=source_name)
    front = _load_front_matter(match.group(1) or "")
    known = {str(key).lower(): value for key, value in front.items() if str(key).lower() in _MAPPED_KEYS}
    metadata: dict[str, Any] = {str(key): value for key, value in front.items() if str(key).lower() not in _MAPPED_KEYS}

    description = pick(known, _DESCRIPTION_KEYS, field="description")
    if description is not None:
        metadata["description"] = description
    raw_date = pick(known, _DATE_KEYS, field="published_date")
    published_date = parse_date(raw_date)
    if raw_date is not None and published_date is None:
        metadata["date_raw"] = raw_date
    source_url = pick(known, _URL_KEYS, field="source_url")
    if source_url is not None and not isinstance(source_url, str):
        raise DomainError("source_url must be a string", field="source_url")
    return article_record(
        text=text[match.end() :],
        source_name=source_name,
        title=_optional_str(known, _TITLE_KEYS, field="title"),
        source_url=source_url or "",
        published_date=published_date,
        language=_optional_str(known, _LANGUAGE_KEYS, field="language"),
        external_id=_optional_str(known, _ID_KEYS, field="external_id"),
        metadata=metadata,
    )


def _optional_str(known: dict[str, object], keys: tuple[str, ...], *, field: str) -> str:
    value = pick(known, keys, field=field)
    return "" if value is None else scalar_str(value, field=field)


def _load_front_matter(source: str) -> dict[object, object]:
    try:
        loaded = yaml.safe_load(source)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        # The YAML starts on file line 2, after the opening "---".
        line = mark.line + 2 if mark is not None else None
        detail = error.problem or error.context or "malformed YAML"
        raise DomainError(f"invalid YAML front matter: {detail}", field="front_matter", line=line) from None
    except yaml.YAMLError as error:
        raise DomainError(f"invalid YAML front matter: {error}", field="front_matter") from None
    except RecursionError:
        raise DomainError("invalid YAML front matter: nested too deeply", field="front_matter") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise DomainError("YAML front matter must be a mapping of keys to values", field="front_matter", line=2)
    return loaded
