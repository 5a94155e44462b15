"""Unit tests for the pure article importers: detection, each format, limits and encoding problems.

No database: run with `pytest -p no:django tests/unit/test_importers.py`.
"""

from __future__ import annotations

import io
import json
import tracemalloc
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from annotations.domain import ArticleRecord, DomainError, Problem, normalize_text
from annotations.importers import DETECT_BYTES, detect_format, parse_articles

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
LIMIT = 5 * 1024 * 1024

needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"seed articles not found at {SEEDS}")


def parse(source_name: str, data: bytes, *, limit: int = LIMIT, fmt: str | None = None) -> list[object]:
    return list(parse_articles(source_name, io.BytesIO(data), max_document_bytes=limit, fmt=fmt))


def only_record(source_name: str, data: bytes, **kwargs: object) -> ArticleRecord:
    items = parse(source_name, data, **kwargs)  # type: ignore[arg-type]
    assert len(items) == 1, items
    assert isinstance(items[0], ArticleRecord), items[0]
    return items[0]


def only_problem(source_name: str, data: bytes, **kwargs: object) -> Problem:
    items = parse(source_name, data, **kwargs)  # type: ignore[arg-type]
    assert len(items) == 1, items
    assert isinstance(items[0], Problem), items[0]
    return items[0]


def seed_files() -> list[Path]:
    return sorted(SEEDS.glob("*")) if SEEDS.is_dir() else []


# --- seeds -------------------------------------------------------------------------------------------


SEED_FORMATS = {"000": "text", "001": "text", "002": "markdown", "003": "text", "004": "text"}


@needs_seeds
@pytest.mark.parametrize("path", seed_files(), ids=lambda path: path.name)
def test_seed_is_detected_and_parses(path: Path) -> None:
    data = path.read_bytes()
    assert detect_format(path.name, data[:DETECT_BYTES]) == SEED_FORMATS[path.name[:3]]
    record = only_record(path.name, data)
    assert record.source_name == path.name
    assert record.line is None
    assert record.title
    assert len(record.title) <= 500


@needs_seeds
@pytest.mark.parametrize("path", seed_files(), ids=lambda path: path.name)
def test_seed_text_is_stable_and_normalised(path: Path) -> None:
    first = only_record(path.name, path.read_bytes())
    second = only_record(path.name, path.read_bytes())
    assert first.text == second.text
    assert first.sha256 == second.sha256
    assert normalize_text(first.text) == first.text


@needs_seeds
def test_seed_with_front_matter_in_txt_is_markdown() -> None:
    (path,) = SEEDS.glob("002_*")
    record = only_record(path.name, path.read_bytes())
    assert record.title == "Ukraine-Russia Peace Talks End Abruptly | TIME"
    assert record.source_url.startswith("https://time.com/")
    assert record.published_date is None
    assert record.metadata["date_raw"] == "unknown"
    assert record.metadata["word_count"] == 1276
    assert record.metadata["description"].startswith("'We can state")
    assert not record.text.startswith("---")
    assert "title:" not in record.text[:200]


@needs_seeds
@pytest.mark.parametrize(("prefix", "expected"), [("000", date(2026, 2, 16)), ("004", date(2026, 2, 18))])
def test_seed_date_marker_is_read_and_stripped(prefix: str, expected: date) -> None:
    (path,) = SEEDS.glob(f"{prefix}_*")
    record = only_record(path.name, path.read_bytes())
    assert record.published_date == expected
    assert not record.text.startswith(" date")
    assert not record.text.lower().startswith("date")
    assert expected.isoformat() not in record.text[:20]
    assert record.metadata["title_derived"] is True


# --- detection ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("a.txt", b"---\ntitle: T\n---\nBody", "markdown"),
        ("a.txt", b"---\r\ntitle: T\r\n---\r\nBody", "markdown"),
        ("a.md", b"# Heading\n\nBody text", "markdown"),
        ("a.txt", b"# Heading\n\nBody text", "text"),
        ("a.txt", b"<!DOCTYPE html><html><body><p>x</p></body></html>", "html"),
        ("a.dat", b"\n\n  <article><p>x</p></article>", "html"),
        ("a.html", b"Just words, no tags at all.", "html"),
        ("a.txt", b"<Breaking> news without any markup", "text"),
        ("a.txt", b'{"text": "x"}\n{"text": "y"}\n', "jsonl"),
        ("a.txt", b'\n  {"text": "x"}\n', "jsonl"),
        ("a.jsonl", b"not json at all\n", "jsonl"),
        ("a.txt", b'{"text": "' + b"a" * 100, "jsonl"),
        ("a.txt", b"[1, 2, 3]\n", "text"),
        ("a.txt", b"{not json}\n", "text"),
        ("a.txt", b"\xef\xbb\xbf---\ntitle: T\n---\nBody", "markdown"),
        ("a.txt", b'\xef\xbb\xbf{"text": "x"}\n', "jsonl"),
        ("a.txt", b"\xef\xbb\xbf<html><body>x</body></html>", "html"),
        ("a.txt", b"Plain prose.\n", "text"),
        ("a.txt", b"---\nno closing fence, just a rule\n", "text"),
        ("a.txt", b"", "text"),
        ("A.HTM", b"words", "html"),
    ],
)
def test_detect_format(name: str, head: bytes, expected: str) -> None:
    assert detect_format(name, head) == expected


def test_unknown_format_is_refused() -> None:
    with pytest.raises(DomainError) as raised:
        parse_articles("a.txt", io.BytesIO(b"x"), max_document_bytes=LIMIT, fmt="pdf")
    assert raised.value.field == "format"


def test_explicit_format_skips_detection() -> None:
    record = only_record("a.txt", b"<p>Some <b>bold</b> words here</p>", fmt="text")
    assert record.text == "<p>Some <b>bold</b> words here</p>"


# --- plain text --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"date: 2026-02-16\nThe article starts here with words.",
        b"Date: 2026-02-16\r\nThe article starts here with words.",
        b" date 2026-02-16 The article starts here with words.",
    ],
)
def test_text_date_marker_forms(data: bytes) -> None:
    record = only_record("a.txt", data)
    assert record.published_date == date(2026, 2, 16)
    assert record.text == "The article starts here with words."


def test_text_impossible_date_marker_keeps_the_text() -> None:
    record = only_record("a.txt", b"date 2026-13-45 stays in the text")
    assert record.published_date is None
    assert record.text == "date 2026-13-45 stays in the text"


def test_text_title_is_derived_from_first_line_of_four_words() -> None:
    record = only_record("a.txt", b"NEWS\n3 min read\nA real headline with words\n\nBody.")
    assert record.title == "A real headline with words"
    assert record.metadata == {"title_derived": True}


def test_text_long_title_is_cut_at_a_word_boundary() -> None:
    line = " ".join(["word"] * 60)
    record = only_record("a.txt", line.encode())
    assert len(record.title) <= 120
    assert record.title.endswith("word…")
    assert record.text == line


def test_whitespace_only_text_is_a_problem() -> None:
    problem = only_problem("a.txt", b"  \n\t\n")
    assert (problem.field, problem.message) == ("text", "text is empty")


# --- normalisation and encoding -----------------------------------------------------------------------


def test_crlf_is_normalised() -> None:
    record = only_record("a.txt", b"First line of it here\r\nSecond line\r\n\r\nThird\r")
    assert record.text == "First line of it here\nSecond line\n\nThird"


def test_nfd_is_stored_as_nfc() -> None:
    record = only_record("a.txt", "Cafe\u0301 ouvert depuis longtemps".encode())
    assert record.text == "Caf\u00e9 ouvert depuis longtemps"
    assert normalize_text(record.text) == record.text


def test_bom_is_tolerated() -> None:
    record = only_record("a.txt", b"\xef\xbb\xbfHello there, four words.")
    assert record.text == "Hello there, four words."


def test_empty_file_is_a_problem() -> None:
    problem = only_problem("a.txt", b"")
    assert problem.code == "empty"
    assert problem.message == "file is empty"


def test_empty_jsonl_file_is_a_problem() -> None:
    assert only_problem("a.jsonl", b"").code == "empty"


def test_invalid_utf8_single_document_names_the_byte() -> None:
    problem = only_problem("a.txt", b"abc\xffdef")
    assert problem.code == "encoding"
    assert problem.message == "not valid UTF-8 at byte 4"
    assert problem.line is None


def test_too_large_single_document() -> None:
    problem = only_problem("a.txt", b"x" * 1001, limit=1000)
    assert problem.code == "too_large"
    assert "1,000-byte limit" in problem.message


def test_document_exactly_at_the_limit_is_accepted() -> None:
    assert only_record("a.txt", b"x" * 1000, limit=1000).text == "x" * 1000


# --- markdown ----------------------------------------------------------------------------------------


def test_markdown_front_matter_fields() -> None:
    data = (
        b"---\n"
        b"title: A title\n"
        b"url: https://example.org/a\n"
        b"date: 2026-02-16T22:30:00-05:00\n"
        b"lang: en-GB\n"
        b"id: 42\n"
        b"tags: [a, b]\n"
        b"updated: 2026-02-17\n"
        b"---\n"
        b"# Heading\n\nBody *stays* markdown.\n"
    )
    record = only_record("a.md", data)
    assert record.title == "A title"
    assert record.source_url == "https://example.org/a"
    assert record.published_date == date(2026, 2, 16)
    assert record.language == "en-GB"
    assert record.external_id == "42"
    assert record.metadata == {"tags": ["a", "b"], "updated": "2026-02-17"}
    assert record.text == "# Heading\n\nBody *stays* markdown."


def test_markdown_invalid_yaml_names_the_line() -> None:
    problem = only_problem("bad.md", b"---\ntitle: ok\nsource: [unclosed\nother: x\n---\nBody")
    assert problem.field == "front_matter"
    assert problem.line is not None
    assert 3 <= problem.line <= 5
    assert "invalid YAML" in problem.message
    assert str(problem).startswith(f"bad.md, line {problem.line}: ")


def test_markdown_front_matter_must_be_a_mapping() -> None:
    assert only_problem("a.md", b"---\n- a\n- b\n---\nBody").field == "front_matter"


def test_markdown_without_front_matter_derives_a_title() -> None:
    record = only_record("a.md", b"# The heading of this piece\n\nBody text.")
    assert record.title == "The heading of this piece"
    assert record.metadata == {"title_derived": True}


def test_markdown_bad_source_url_is_a_problem() -> None:
    problem = only_problem("a.md", b"---\nsource: ftp://example.org/x\n---\nBody")
    assert problem.field == "source_url"


def test_markdown_alias_bomb_is_refused() -> None:
    lines = ["---", "a: &a [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]" for i in range(8)]
    problem = only_problem("bomb.md", ("\n".join([*lines, "---", "Body"])).encode())
    assert problem.field == "metadata"


# --- HTML --------------------------------------------------------------------------------------------

PAGE = b"""<!doctype html>
<html lang="fr">
<head>
  <title>Page title</title>
  <meta property="og:title" content="OG title">
  <meta name="description" content="A short summary.">
  <meta property="article:published_time" content="2026-02-16T08:00:00Z">
  <link rel="canonical" href="https://example.org/story">
  <script>var tracking = "alert(2)";</script>
  <style>p { color: red }</style>
</head>
<body onload="alert(1)">
  <header><h1>Site name</h1><nav><a href="/">Home</a></nav></header>
  <article>
    <h1>Headline   of the story</h1>
    <p onclick="alert(1)">First <b>para</b>graph with <a href="#" onmouseover="alert(1)">a link</a>.</p>
    <script>alert(1)</script>
    <div>Second<br>line after break</div>
    <ul><li>one</li><li>two</li></ul>
    <table><tr><td>cell a</td><td>cell b</td></tr></table>
    <iframe src="https://evil.example"></iframe>
    <p hidden>hidden text</p>
  </article>
  <aside>Related: other stories</aside>
  <footer>Copyright</footer>
</body>
</html>
"""


def test_html_metadata() -> None:
    record = only_record("a.html", PAGE)
    assert record.title == "OG title"
    assert record.source_url == "https://example.org/story"
    assert record.published_date == date(2026, 2, 16)
    assert record.language == "fr"
    assert record.metadata == {"description": "A short summary."}


def test_html_readable_text_has_no_markup_or_script() -> None:
    record = only_record("a.html", PAGE)
    assert record.text == (
        "Headline of the story\n\nFirst paragraph with a link.\n\nSecond\n\nline after break"
        "\n\none\n\ntwo\n\ncell a cell b"
    )
    for forbidden in ("alert", "<", "onclick", "tracking", "color", "Home", "Related", "Copyright", "hidden"):
        assert forbidden not in record.text


def test_html_without_article_uses_body_and_falls_back_to_title_tag() -> None:
    data = b"<html><head><title> The  title </title></head><body><p>Just one paragraph.</p></body></html>"
    record = only_record("a.html", data)
    assert record.title == "The title"
    assert record.text == "Just one paragraph."


def test_html_with_no_readable_text_is_a_problem() -> None:
    problem = only_problem("a.html", b"<html><body><script>alert(1)</script><nav>menu</nav></body></html>")
    assert problem.field == "text"


def test_html_relative_canonical_is_ignored() -> None:
    data = b'<html><head><link rel="canonical" href="/x"></head><body><p>Words in a paragraph.</p></body></html>'
    assert only_record("a.html", data).source_url == ""


# --- JSON Lines --------------------------------------------------------------------------------------


def jsonl(*rows: object) -> bytes:
    return b"".join((row if isinstance(row, bytes) else json.dumps(row).encode()) + b"\n" for row in rows)


def test_jsonl_fields_and_aliases() -> None:
    data = jsonl(
        {
            "text": "Body one.",
            "title": "T",
            "url": "https://example.org/1",
            "date": "2026-02-16",
            "language": "en",
            "id": 7,
            "priority": 3,
            "metadata": {"k": 1},
            "extra": "kept",
        }
    )
    record = only_record("a.jsonl", data)
    assert record.line == 1
    assert (record.title, record.source_url, record.published_date) == (
        "T",
        "https://example.org/1",
        date(2026, 2, 16),
    )
    assert (record.language, record.external_id, record.priority) == ("en", "7", 3)
    assert record.metadata == {"k": 1, "extra": "kept"}


def test_jsonl_bad_lines_are_reported_and_good_lines_kept() -> None:
    data = jsonl(
        {"text": "good one"},  # 1
        b'{"text": "unterminated',  # 2
        {"title": "no text"},  # 3
        {"text": 5},  # 4
        {"text": "x", "published_date": "16/02/2026"},  # 5
        [1, 2],  # 6
        b"",  # 7: blank lines are skipped
        {"text": "x", "source_url": "javascript:alert(1)"},  # 8
        {"text": "x", "priority": "high"},  # 9
        {"text": "x", "metadata": [1]},  # 10
        {"text": "   "},  # 11
        {"text": "x", "title": ["a"]},  # 12
        b'{"text": NaN}',  # 13
        {"text": "good two"},  # 14
    )
    items = parse("a.jsonl", data)
    records = [item for item in items if isinstance(item, ArticleRecord)]
    problems = [item for item in items if isinstance(item, Problem)]
    assert [(r.line, r.text) for r in records] == [(1, "good one"), (14, "good two")]
    assert [(p.line, p.field) for p in problems] == [
        (2, None),
        (3, "text"),
        (4, "text"),
        (5, "published_date"),
        (6, None),
        (8, "source_url"),
        (9, "priority"),
        (10, "metadata"),
        (11, "text"),
        (12, "title"),
        (13, None),
    ]
    by_line = {p.line: p.message for p in problems}
    assert by_line[2].startswith("invalid JSON: ")
    assert "at column" in by_line[2]
    assert by_line[3] == 'missing "text"'
    assert by_line[4] == '"text" must be a string, got number'
    assert by_line[6] == "expected a JSON object, got array"
    assert by_line[11] == "text is empty"
    assert "NaN" in by_line[13]


def test_jsonl_invalid_utf8_line_does_not_stop_the_file() -> None:
    data = jsonl({"text": "before"}, b'{"text": "bad \xc3\x28 byte"}', {"text": "after"})
    items = parse("a.jsonl", data)
    assert [getattr(item, "text", None) for item in items] == ["before", None, "after"]
    problem = items[1]
    assert isinstance(problem, Problem)
    assert (problem.line, problem.code, problem.message) == (2, "encoding", "not valid UTF-8 at byte 15")


def test_jsonl_lone_surrogate_is_a_problem() -> None:
    problem = only_problem("a.jsonl", b'{"text": "half \\ud800 pair"}\n')
    assert problem.field == "text"


def test_jsonl_crlf_bom_and_nfd() -> None:
    data = b'\xef\xbb\xbf{"text": "Cafe\\u0301\\r\\nline two"}\r\n{"text": "second"}'
    items = parse("a.jsonl", data)
    assert [getattr(item, "text", None) for item in items] == ["Caf\u00e9\nline two", "second"]
    assert [getattr(item, "line", None) for item in items] == [1, 2]


class ChunkedStream(io.RawIOBase):
    """A byte stream served from a list of chunks, so a test can read a huge line that is never built."""

    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks: Iterator[bytes] = iter(chunks)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            self._pending = next(self._chunks, b"")
            if not self._pending:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


@pytest.mark.slow
def test_jsonl_over_long_line_is_skipped_and_neighbours_parse() -> None:
    data = (
        jsonl({"text": "line one"})
        + b'{"text": "'
        + b"a" * 20_000_000
        + b'"}\n'
        + jsonl({"text": "line three"}, {"text": "line four"})
    )
    items = parse("big.jsonl", data, limit=LIMIT)
    assert [getattr(item, "text", None) for item in items] == ["line one", None, "line three", "line four"]
    problem = items[1]
    assert isinstance(problem, Problem)
    assert (problem.line, problem.code) == (2, "too_large")
    assert problem.message == "line 2 is larger than the 5,242,880-byte limit"


def test_jsonl_over_long_line_never_sits_in_memory_whole() -> None:
    piece = b"b" * 4096
    chunks = [b'{"text": "one"}\n{"text": "', *[piece] * 5000, b'"}\n{"text": "three"}\n']
    stream = io.BufferedReader(ChunkedStream(chunks))
    tracemalloc.start()
    try:
        items = list(parse_articles("s.jsonl", stream, max_document_bytes=1024 * 1024))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [getattr(item, "line", None) for item in items] == [1, 2, 3]
    assert isinstance(items[1], Problem)
    assert items[1].code == "too_large"
    # The line is 20 MB; only the limit's worth of it (plus small buffers) may be held at once.
    assert peak < 4 * 1024 * 1024


def test_jsonl_line_exactly_at_the_limit_is_accepted() -> None:
    line = json.dumps({"text": "x" * 100}).encode()
    items = parse("a.jsonl", line + b"\n" + line + b"\n", limit=len(line))
    assert all(isinstance(item, ArticleRecord) for item in items)
    assert len(items) == 2
    problem = parse("a.jsonl", line + b"\n", limit=len(line) - 1)[0]
    assert isinstance(problem, Problem)
    assert problem.code == "too_large"


def test_jsonl_only_blank_lines_is_a_problem() -> None:
    assert only_problem("a.jsonl", b"\n  \n\n").code == "empty"


def test_jsonl_disagreeing_aliases_are_a_problem() -> None:
    problem = only_problem("a.jsonl", jsonl({"text": "x", "id": "a", "external_id": "b"}))
    assert problem.field == "external_id"
