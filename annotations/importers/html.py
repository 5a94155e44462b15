"""HTML articles: metadata from the head, readable text from the article body, with all markup removed.

Blocks become paragraphs separated by blank lines; scripts, navigation and forms are dropped whole.
"""

from __future__ import annotations

import re
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from annotations.domain import ArticleRecord, DomainError
from annotations.importers._common import LANGUAGE_MAX_CHARS, article_record, is_http_url, parse_date

_DROPPED_TAGS = [
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "svg",
    "math",
    "object",
    "embed",
    "canvas",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "button",
    "select",
    "textarea",
    "dialog",
]
_BLOCK_TAGS = frozenset(
    {
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "blockquote",
        "pre",
        "div",
        "section",
        "article",
        "main",
        "tr",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "caption",
        "figure",
        "figcaption",
        "address",
        "details",
        "summary",
        "hr",
        "br",
    }
)
# Cells of one row stay on one line but must not run together.
_CELL_TAGS = frozenset({"td", "th"})
_WHITESPACE = re.compile(r"\s+")
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$")

_TITLE_SELECTORS = ('meta[property="og:title"]', 'meta[name="twitter:title"]')
_URL_SELECTORS = ('link[rel~="canonical"]', 'meta[property="og:url"]')
_DATE_SELECTORS = (
    'meta[property="article:published_time"]',
    'meta[name="article:published_time"]',
    'meta[itemprop="datePublished"]',
    'meta[name="date"]',
    'meta[name="dc.date"]',
    "time[datetime]",
)
_DESCRIPTION_SELECTORS = ('meta[name="description"]', 'meta[property="og:description"]')


def html_article(text: str, *, source_name: str) -> ArticleRecord:
    tree = LexborHTMLParser(text)
    # Metadata first: the title's <h1> may sit inside a <header> that the text extraction drops.
    title = _first_value(tree, _TITLE_SELECTORS) or _node_text(tree.css_first("title"))
    title = title or _node_text(tree.css_first("h1"))
    source_url = next((url for url in _values(tree, _URL_SELECTORS) if is_http_url(url)), "")
    metadata: dict[str, Any] = {}
    description = _first_value(tree, _DESCRIPTION_SELECTORS)
    if description:
        metadata["description"] = description
    raw_dates = list(_values(tree, _DATE_SELECTORS))
    published_date = next((d for d in map(parse_date, raw_dates) if d is not None), None)
    if raw_dates and published_date is None:
        metadata["date_raw"] = raw_dates[0]

    body = _readable_text(tree)
    if not body:
        raise DomainError("the HTML has no readable text", field="text", code="empty")
    return article_record(
        text=body,
        source_name=source_name,
        title=title,
        source_url=source_url,
        published_date=published_date,
        language=_language(tree),
        metadata=metadata,
    )


def _values(tree: LexborHTMLParser, selectors: tuple[str, ...]) -> list[str]:
    found: list[str] = []
    for selector in selectors:
        for node in tree.css(selector):
            attributes = node.attributes
            value = attributes.get("content") or attributes.get("href") or attributes.get("datetime")
            if value and value.strip():
                found.append(value.strip())
    return found


def _first_value(tree: LexborHTMLParser, selectors: tuple[str, ...]) -> str:
    values = _values(tree, selectors)
    return values[0] if values else ""


def _node_text(node: LexborNode | None) -> str:
    return "" if node is None else _WHITESPACE.sub(" ", node.text()).strip()


def _language(tree: LexborHTMLParser) -> str:
    # An attribute that is not a language tag would make the whole article fail validation; drop it.
    root = tree.root
    lang = ((root.attributes.get("lang") or "") if root is not None else "").strip()
    return lang if len(lang) <= LANGUAGE_MAX_CHARS and _LANGUAGE_TAG.match(lang) else ""


def _readable_text(tree: LexborHTMLParser) -> str:
    tree.strip_tags(_DROPPED_TAGS, recursive=True)
    for hidden in tree.css("[hidden], [aria-hidden=true]"):
        hidden.decompose()
    # Pages list teasers as <article> too; the story itself is the one with the most text.
    articles = tree.css("article")
    root = max(articles, key=lambda node: len(node.text())) if articles else None
    root = root or tree.css_first("main") or tree.body
    return "" if root is None else _blocks_text(root)


def _blocks_text(root: LexborNode) -> str:
    """Text of `root` with one paragraph per block element; iterative so deep nesting cannot overflow."""
    blocks: list[str] = []
    inline: list[str] = []

    def flush() -> None:
        block = _WHITESPACE.sub(" ", "".join(inline)).strip()
        if block:
            blocks.append(block)
        inline.clear()

    # None marks the end of a block element, where its paragraph closes.
    stack: list[LexborNode | None] = list(reversed(list(root.iter(include_text=True))))
    while stack:
        node = stack.pop()
        if node is None:
            flush()
            continue
        if node.is_text_node:
            inline.append(node.text_content or "")
            continue
        if not node.is_element_node:
            continue
        tag = node.tag or ""
        if tag in _BLOCK_TAGS:
            flush()
            stack.append(None)
        elif tag in _CELL_TAGS:
            inline.append(" ")
        stack.extend(reversed(list(node.iter(include_text=True))))
    flush()
    return "\n\n".join(blocks)
