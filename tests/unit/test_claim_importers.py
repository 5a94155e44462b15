"""Unit tests for the pure claim importers: detection, CSV, JSON Lines and schema.org ClaimReview JSON-LD.

No database: run with `pytest -p no:django --noconftest tests/unit/test_claim_importers.py`.
"""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import pytest

from annotations.domain import ClaimRecord, DomainError, Problem, normalize_text
from annotations.importers import DETECT_BYTES, detect_claim_format, parse_claims

LIMIT = 5 * 1024 * 1024


def parse(source_name: str, data: bytes, *, limit: int = LIMIT, fmt: str | None = None) -> list[ClaimRecord | Problem]:
    return list(parse_claims(source_name, io.BytesIO(data), max_document_bytes=limit, fmt=fmt))


def records(items: list[ClaimRecord | Problem]) -> list[ClaimRecord]:
    return [item for item in items if isinstance(item, ClaimRecord)]


def problems(items: list[ClaimRecord | Problem]) -> list[Problem]:
    return [item for item in items if isinstance(item, Problem)]


def only_record(source_name: str, data: bytes, **kwargs: Any) -> ClaimRecord:
    items = parse(source_name, data, **kwargs)
    assert len(items) == 1, items
    assert isinstance(items[0], ClaimRecord), items[0]
    return items[0]


def only_problem(source_name: str, data: bytes, **kwargs: Any) -> Problem:
    items = parse(source_name, data, **kwargs)
    assert len(items) == 1, items
    assert isinstance(items[0], Problem), items[0]
    return items[0]


def review(**fields: Any) -> dict[str, Any]:
    """A minimal ClaimReview node, with `fields` added or (as None) removed."""
    node: dict[str, Any] = {"@type": "ClaimReview", "claimReviewed": "The moon is made of cheese."}
    node.update(fields)
    return {key: value for key, value in node.items() if value is not None}


def json_ld(document: object) -> bytes:
    return json.dumps(document, indent=2).encode()


def review_record(**fields: Any) -> ClaimRecord:
    return only_record("review.json", json_ld(review(**fields)))


def review_problem(**fields: Any) -> Problem:
    return only_problem("review.json", json_ld(review(**fields)))


# --- detection ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"text,verdict\nThe sky is green,False\n", "csv"),
        (b'"claim";"rating"\n"x";"y"\n', "csv"),
        (b"\xef\xbb\xbftext\nx\n", "csv"),
        (b"", "csv"),
        (b"Just some words\n", "csv"),
        (b'{"text": "x"}\n{"text": "y"}\n', "jsonl"),
        (b'\n\n  {"text": "x"}\n', "jsonl"),
        (b'\xef\xbb\xbf{"text": "x"}\n', "jsonl"),
        (b'{"claim": "x", "verdict": "False"}\n', "jsonl"),
        (b'{"claimReviewed": "x", "verdict": "False"}', "jsonl"),  # a flat alias on one line
        (b'{"text": "' + b"a" * (DETECT_BYTES + 10), "jsonl"),  # a first line cut off by the window
        (b'{"@type": "ClaimReview", "claimReviewed": "x"}\n{"@type": "ClaimReview", "claimReviewed": "y"}\n', "jsonl"),
        (b'{"@context": "https://schema.org", "@type": "ClaimReview", "claimReviewed": "x"}', "claimreview"),
        (b'{"claimReviewed": "x", "reviewRating": {"alternateName": "False"}}\n', "claimreview"),
        (b'{\n  "@type": "ClaimReview",\n  "claimReviewed": "x"\n}\n', "claimreview"),
        (b'{\n  "claimReviewed": "x"\n}\n', "claimreview"),
        (b'[{"@type": "ClaimReview", "claimReviewed": "x"}]', "claimreview"),
        (b'{"@context": "https://schema.org", "@graph": [{"@type": "WebPage"}]}', "claimreview"),
        (b'\xef\xbb\xbf[\n  {"claimReviewed": "x"}\n]', "claimreview"),
        (b'[\n  {\n    "@type": ["ClaimReview"],\n    "claimReviewed": "' + b"a" * DETECT_BYTES, "claimreview"),
        (
            b'{"@context": "https://schema.org", "@type": "ClaimReview", "reviewBody": "' + b"a" * DETECT_BYTES,
            "claimreview",
        ),
    ],
)
def test_detect_claim_format(head: bytes, expected: str) -> None:
    assert detect_claim_format("claims.json", head[:DETECT_BYTES]) == expected


def test_the_extension_does_not_decide() -> None:
    assert detect_claim_format("claims.json", b"text\nx\n") == "csv"
    assert detect_claim_format("claims.csv", b'{"text": "x"}\n') == "jsonl"


def test_unknown_format_is_refused() -> None:
    with pytest.raises(DomainError) as raised:
        parse_claims("a.csv", io.BytesIO(b"text\nx\n"), max_document_bytes=LIMIT, fmt="xml")
    assert raised.value.field == "format"


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        parse_claims("a.csv", io.BytesIO(b"text\nx\n"), max_document_bytes=0)


def test_explicit_format_skips_detection() -> None:
    data = b'{"text": "a claim"}\n'
    assert only_record("a.json", data).text == "a claim"
    assert only_problem("a.json", data, fmt="claimreview").code == "empty"


# --- CSV ---------------------------------------------------------------------------------------------


def test_csv_columns_and_aliases() -> None:
    data = (
        b"Claim,Rating,Speaker,Date,URL,Fact Checker,Lang,Headline,Tags,Notes\n"
        b'"Drinking  hot water cures the flu.",Mostly false,  Jane   Doe ,2024-03-01,'
        b'https://checks.example.org/hot-water,Example Checks,en,"Hot water, flu",health; flu ;,ignored\n'
    )
    record = only_record("claims.csv", data)
    assert record == ClaimRecord(
        text="Drinking  hot water cures the flu.",
        source_name="claims.csv",
        line=2,
        title="Hot water, flu",
        language="en",
        claimant="Jane Doe",
        claim_date=date(2024, 3, 1),
        verdict="Mostly false",
        fact_check_url="https://checks.example.org/hot-water",
        reviewed_by="Example Checks",
        tags=("health", "flu"),
    )


@pytest.mark.parametrize(
    "header",
    [
        "text,title,language,claimant,claim_date,verdict,fact_check_url,reviewed_by,tags",
        "claim_text,headline,inLanguage,speaker,date,truth_label,page_url,author,TAGS",
        "claimReviewed,Title,LANG,Claimant,Claim Date,verdict,fact-check url,fact_checker,tags",
    ],
)
def test_csv_every_alias_is_recognised(header: str) -> None:
    row = 'A claim,T,de,C,2020-01-02T23:30:00+01:00,False,http://x.example/a,R,"a,b"'
    record = only_record("c.csv", f"{header}\n{row}\n".encode())
    assert (record.text, record.title, record.language, record.claimant) == ("A claim", "T", "de", "C")
    assert record.claim_date == date(2020, 1, 2)
    assert (record.verdict, record.fact_check_url, record.reviewed_by) == ("False", "http://x.example/a", "R")
    assert record.tags == ("a", "b")


def test_csv_quoted_newlines_keep_line_numbers_right() -> None:
    data = (
        b"text,verdict\n"
        b'"First line\nsecond line\r\nthird line",False\n'
        b"Next claim,True\n"
        b"\n"
        b'"Another\n\nwith a blank line inside",Mixed\n'
        b"Last claim,False"
    )
    items = parse("c.csv", data)
    assert [(r.line, r.text, r.verdict) for r in records(items)] == [
        (2, "First line\nsecond line\nthird line", "False"),
        (5, "Next claim", "True"),
        (7, "Another\n\nwith a blank line inside", "Mixed"),
        (10, "Last claim", "False"),
    ]
    assert problems(items) == []


def test_csv_crlf_and_bom() -> None:
    items = parse("c.csv", b"\xef\xbb\xbfText,Verdict\r\nFirst claim,False\r\nSecond claim,True\r\n")
    assert [(r.line, r.text, r.verdict) for r in records(items)] == [
        (2, "First claim", "False"),
        (3, "Second claim", "True"),
    ]


def test_csv_semicolon_delimiter_is_recognised_from_the_header() -> None:
    record = only_record("c.csv", b"claim;verdict;tags\nLa terre est plate;Faux;science, terre\n")
    assert (record.text, record.verdict, record.tags) == ("La terre est plate", "Faux", ("science", "terre"))


def test_csv_tab_delimiter() -> None:
    record = only_record("c.tsv", b"text\tverdict\nA claim, with a comma\tFalse\n")
    assert (record.text, record.verdict) == ("A claim, with a comma", "False")


def test_csv_missing_text_column_is_one_problem_naming_the_header() -> None:
    problem = only_problem("c.csv", b"\n\ntitle,verdict\nT,False\nU,True\n")
    assert (problem.line, problem.field, problem.code) == (3, "text", "invalid")
    assert '"title, verdict"' in problem.message
    assert "claimReviewed" in problem.message


def test_csv_repeated_column_is_refused() -> None:
    problem = only_problem("c.csv", b"text,Text\na,b\n")
    assert (problem.line, problem.field) == (1, "text")
    assert "twice" in problem.message


def test_csv_bad_rows_are_problems_and_the_others_import() -> None:
    data = (
        b"text,claim_date,fact_check_url,verdict\n"
        b"Good one,2024-01-01,https://ok.example/1,False\n"
        b"   ,2024-01-01,,False\n"
        b"Bad date,01/02/2024,,False\n"
        b"Bad url,,ftp://files.example/x,False\n"
        b"Relative url,,/checks/1,False\n"
        b'"Stray cells",,,False,oops\n'
        b"Trailing empty cells are fine,,,True,,\n"
        b"Good two,,,True\n"
    )
    items = parse("c.csv", data)
    assert [(r.line, r.text) for r in records(items)] == [
        (2, "Good one"),
        (8, "Trailing empty cells are fine"),
        (9, "Good two"),
    ]
    found = [(p.line, p.field, p.code) for p in problems(items)]
    assert found == [
        (3, "text", "empty"),
        (4, "claim_date", "invalid"),
        (5, "fact_check_url", "invalid"),
        (6, "fact_check_url", "invalid"),
        (7, None, "invalid"),
    ]
    assert all(p.source_name == "c.csv" for p in problems(items))


def test_csv_alias_columns_that_disagree_are_a_problem() -> None:
    items = parse("c.csv", b"text,claim\nsame,same\none,other\nonly text,\n")
    assert [r.text for r in records(items)] == ["same", "only text"]
    (problem,) = problems(items)
    assert (problem.line, problem.field) == (3, "text")
    assert "disagree" in problem.message


def test_csv_empty_and_header_only() -> None:
    assert only_problem("c.csv", b"").code == "empty"
    assert only_problem("c.csv", b"\n \n").message == "file has only blank lines"
    assert only_problem("c.csv", b"text,verdict\n\n").message == "file has a header but no rows"


def test_csv_unclosed_quote_stops_the_file() -> None:
    items = parse("c.csv", b'text\nfine\n"never closed\nstill inside\n')
    assert [r.text for r in records(items)] == ["fine"]
    (problem,) = problems(items)
    assert problem.line == 3
    assert problem.message.startswith("invalid CSV")
    assert problem.message.endswith("the rest of the file was not read")


def test_csv_invalid_utf8_names_the_line_and_stops() -> None:
    items = parse("c.csv", b"text\nfine\ncaf\xe9 latin-1\nafter\n")
    assert [r.text for r in records(items)] == ["fine"]
    (problem,) = problems(items)
    assert (problem.line, problem.code) == (3, "encoding")
    assert "byte 4" in problem.message


def test_csv_record_over_the_limit_stops_the_file() -> None:
    data = b"text\nshort\n" + b'"' + b"x\n" * 60 + b'"\nafter\n'
    items = parse("c.csv", data, limit=100)
    assert [r.text for r in records(items)] == ["short"]
    (problem,) = problems(items)
    assert (problem.line, problem.code) == (3, "too_large")
    assert "100-byte limit" in problem.message


def test_csv_is_read_lazily_and_survives_detection_rewind() -> None:
    rows = b"".join(f"Claim number {n},False\n".encode() for n in range(20_000))
    data = b"text,verdict\n" + rows
    assert len(data) > 4 * DETECT_BYTES
    stream = io.BytesIO(data)
    claims = parse_claims("big.csv", stream, max_document_bytes=LIMIT)
    first = next(claims)
    assert isinstance(first, ClaimRecord)
    assert first.line == 2
    assert stream.tell() <= DETECT_BYTES + 64 * 1024  # only the detection window and a little more were read
    rest = list(claims)
    assert len(rest) == 19_999
    last = rest[-1]
    assert isinstance(last, ClaimRecord)
    assert (last.line, last.text) == (20_001, "Claim number 19999")


def test_csv_text_is_normalised() -> None:
    record = only_record("c.csv", 'text,title\n"  Cafe\u0301\tau lait  ","  A\n  title "\n'.encode())
    assert record.text == "Caf\u00e9\tau lait"
    assert record.title == "A title"
    assert normalize_text(record.text) == record.text


# --- JSON Lines --------------------------------------------------------------------------------------


def test_jsonl_good_lines() -> None:
    lines = [
        {"text": "Vaccines contain microchips.", "verdict": "False", "tags": ["health", "vaccines", "health"]},
        {"claim": "Claim two", "speaker": "A. Person", "date": "2023-05-06T10:00:00Z", "tags": "a; b, c"},
        {"claimReviewed": "Claim three", "inLanguage": "es", "url": "https://c.example/3", "author": "Checker"},
        {"Text": "Claim four", "unknown": {"nested": True}, "claim_date": None, "title": ""},
    ]
    data = b"\xef\xbb\xbf" + b"\n".join(json.dumps(line).encode() for line in lines) + b"\n\n"
    items = parse("c.jsonl", data)
    assert problems(items) == []
    first, second, third, fourth = records(items)
    assert (first.line, first.text, first.verdict, first.tags) == (
        1,
        "Vaccines contain microchips.",
        "False",
        ("health", "vaccines"),
    )
    assert (second.claimant, second.claim_date, second.tags) == ("A. Person", date(2023, 5, 6), ("a", "b", "c"))
    assert (third.language, third.fact_check_url, third.reviewed_by) == ("es", "https://c.example/3", "Checker")
    assert (fourth.line, fourth.text, fourth.claim_date, fourth.title) == (4, "Claim four", None, "")


def test_jsonl_bad_lines_are_problems_with_their_line() -> None:
    lines = [
        b'{"text": "ok one"}',
        b'{"text": "unterminated}',
        b'["an", "array"]',
        b'{"verdict": "False"}',
        b'{"text": "   "}',
        b'{"text": 42}',
        b'{"text": "x", "claim_date": "last Tuesday"}',
        b'{"text": "x", "claim_date": 20240101}',
        b'{"text": "x", "title": ["not", "a", "string"]}',
        b'{"text": "x", "tags": {"a": 1}}',
        b'{"text": "x", "tags": ["ok", 3]}',
        b'{"text": "x", "url": "javascript:alert(1)"}',
        b'{"text": "x", "claim": "y"}',
        b'{"text": "x", "verdict": NaN}',
        b'{"text": "\\ud800 lone surrogate"}',
        b'{"text": "ok two"}',
    ]
    items = parse("c.jsonl", b"\n".join(lines))
    assert [(r.line, r.text) for r in records(items)] == [(1, "ok one"), (16, "ok two")]
    found = [(p.line, p.field) for p in problems(items)]
    assert found == [
        (2, None),
        (3, None),
        (4, "text"),
        (5, "text"),
        (6, "text"),
        (7, "claim_date"),
        (8, "claim_date"),
        (9, "title"),
        (10, "tags"),
        (11, "tags"),
        (12, "fact_check_url"),
        (13, "text"),
        (14, None),
        (15, "text"),
    ]
    messages = {p.line: p.message for p in problems(items)}
    assert messages[2].startswith("invalid JSON")
    assert messages[3] == "expected a JSON object, got array"
    assert messages[4] == 'missing "text"'
    assert messages[7] == 'claim_date must be an ISO date or datetime, got "last Tuesday"'


def test_jsonl_over_long_line_is_skipped() -> None:
    data = b'{"text": "first"}\n{"text": "' + b"x" * 200 + b'"}\n{"text": "third"}\n'
    items = parse("c.jsonl", data, limit=100)
    assert [(r.line, r.text) for r in records(items)] == [(1, "first"), (3, "third")]
    (problem,) = problems(items)
    assert (problem.line, problem.code) == (2, "too_large")


def test_jsonl_empty_file() -> None:
    assert only_problem("c.jsonl", b"", fmt="jsonl").code == "empty"


def test_jsonl_claimreview_lines_use_the_claimreview_mapping() -> None:
    lines = [
        review(reviewRating={"alternateName": "False"}, author={"name": "Checker"}),
        {"claimReviewed": "Untyped", "reviewRating": {"ratingValue": 1, "bestRating": 5}},
        review(claimReviewed=None),
    ]
    items = parse("c.jsonl", b"\n".join(json.dumps(line).encode() for line in lines))
    first, second = records(items)
    assert (first.line, first.verdict, first.reviewed_by) == (1, "False", "Checker")
    assert (second.line, second.text, second.verdict) == (2, "Untyped", "1/5")
    (problem,) = problems(items)
    assert (problem.line, problem.field) == (3, "claimReviewed")


# --- schema.org ClaimReview --------------------------------------------------------------------------


def test_claimreview_single_object() -> None:
    record = review_record(
        url="https://checks.example.org/cheese",
        headline="No, the moon is not cheese",
        inLanguage="en",
        author={"@type": "Organization", "name": "Example Checks", "url": "https://checks.example.org"},
        reviewRating={"@type": "Rating", "ratingValue": 1, "bestRating": 5, "alternateName": "False"},
        itemReviewed={
            "@type": "Claim",
            "author": {"@type": "Person", "name": "A. Stronomer"},
            "datePublished": "2024-02-03",
        },
        datePublished="2024-02-10",
        keywords="space, food",
    )
    assert record == ClaimRecord(
        text="The moon is made of cheese.",
        source_name="review.json",
        line=None,
        title="No, the moon is not cheese",
        language="en",
        claimant="A. Stronomer",
        claim_date=date(2024, 2, 3),
        verdict="False",
        fact_check_url="https://checks.example.org/cheese",
        reviewed_by="Example Checks",
        tags=("space", "food"),
    )


def test_claimreview_array_skips_other_types_and_indexes_problems() -> None:
    document = [
        review(claimReviewed="First"),
        {"@type": "Organization", "name": "Example Checks"},
        review(claimReviewed=None, url="https://c.example/3"),
        {"claimReviewed": "Untyped but clearly a review"},
        review(claimReviewed="Bad URL", url="not a url"),
        "a string",
    ]
    items = parse("reviews.json", json_ld(document))
    assert [r.text for r in records(items)] == ["First", "Untyped but clearly a review"]
    assert all(r.line is None for r in records(items))
    assert [(p.line, p.field) for p in problems(items)] == [
        (None, "[2].claimReviewed"),
        (None, "[4].url"),
        (None, "[5]"),
    ]
    assert problems(items)[0].message == 'missing "claimReviewed"'
    assert problems(items)[2].message == "expected an object, got string"


def test_claimreview_graph_keeps_only_claimreviews() -> None:
    document = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "@id": "https://c.example/#page", "name": "Page"},
            {"@type": ["ClaimReview", "Thing"], "claimReviewed": "Typed as a list"},
            {"@type": "Organization", "name": "Example Checks"},
            {"@type": "schema:ClaimReview", "claimReviewed": "Prefixed type"},
            {"@type": "https://schema.org/ClaimReview"},
            {"claimReviewed": "Untyped nodes in a graph are not reviews"},
        ],
    }
    items = parse("graph.json", json_ld(document))
    assert [r.text for r in records(items)] == ["Typed as a list", "Prefixed type"]
    assert [(p.line, p.field) for p in problems(items)] == [(None, "[4].claimReviewed")]


def test_a_claim_node_without_a_review_is_a_claim_without_a_verdict() -> None:
    document = {
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "Claim",
                "@id": "urn:x:1",
                "text": " The bridge was closed\n",
                "name": "Bridge",
                "inLanguage": "en",
            },
            {"@type": "schema:Claim", "text": "Dated", "author": {"name": "A mayor"}, "datePublished": "2024-05-01"},
            {"@type": "Claim", "@id": "urn:x:3", "name": "No wording"},
            {"@type": "Claim", "text": "Bad date", "datePublished": "soon"},
        ],
    }
    items = parse("claims.jsonld", json_ld(document))
    assert records(items) == [
        ClaimRecord(text="The bridge was closed", source_name="claims.jsonld", title="Bridge", language="en"),
        ClaimRecord(text="Dated", source_name="claims.jsonld", claimant="A mayor", claim_date=date(2024, 5, 1)),
    ]
    assert [(p.field, p.message) for p in problems(items)] == [
        ("[2].text", 'missing "text" (a Claim node\'s wording)'),
        ("[3].datePublished", '[3].datePublished must be an ISO date or datetime, got "soon"'),
    ]


def test_the_claim_a_review_of_the_document_reviews_is_not_imported_twice() -> None:
    """A flattened page graph keeps the reviewed Claim as a node of its own, which the review names by @id."""
    document = {
        "@context": "https://schema.org",
        "@graph": [
            review(
                claimReviewed="The bridge was closed",
                itemReviewed={"@id": "#claim"},
                reviewRating={"@type": "Rating", "alternateName": "False"},
            ),
            {
                "@type": "Claim",
                "@id": "#claim",
                "text": "The bridge was closed on Monday",
                "author": {"@type": "Person", "name": "A mayor"},
                "datePublished": "2024-05-01",
            },
            {"@type": "Claim", "@id": "#other", "text": "Another claim"},
        ],
    }
    items = parse("page.json", json_ld(document))
    assert [(r.text, r.verdict) for r in records(items)] == [("The bridge was closed", "False"), ("Another claim", "")]
    # The review reads its claimant and claim date from the Claim node its itemReviewed names.
    assert (records(items)[0].claimant, records(items)[0].claim_date) == ("A mayor", date(2024, 5, 1))
    assert problems(items) == []
    single = only_record("one.json", json_ld({"@context": "https://schema.org", "@type": "Claim", "text": "Alone"}))
    assert (single.text, single.verdict) == ("Alone", "")


def test_claimreview_array_of_graphs() -> None:
    document = [
        {"@context": "https://schema.org", "@graph": [{"@type": "WebPage"}, review(claimReviewed="One")]},
        {"@context": "https://schema.org", "@graph": [review(claimReviewed="  ")]},
    ]
    items = parse("pages.json", json_ld(document))
    assert [r.text for r in records(items)] == ["One"]
    assert [p.field for p in problems(items)] == ["[1].@graph[0].claimReviewed"]


@pytest.mark.parametrize(
    ("author", "expected"),
    [
        ("Example Checks", "Example Checks"),
        ({"@type": "Organization", "name": " Example\n Checks "}, "Example Checks"),
        ([{"@type": "Person", "name": "Ann"}, "Bob", {"@type": "Person"}, {"name": "Cy"}], "Ann, Bob, Cy"),
        ({"@type": "Organization", "url": "https://c.example"}, ""),
        (None, ""),
    ],
)
def test_claimreview_author_shapes(author: object, expected: str) -> None:
    assert review_record(author=author).reviewed_by == expected
    assert review_record(itemReviewed={"@type": "Claim", "author": author}).claimant == expected


def test_claimreview_author_of_wrong_type_is_a_problem() -> None:
    problem = review_problem(author=7)
    assert (problem.line, problem.field) == (None, "author")


@pytest.mark.parametrize(
    ("rating", "expected"),
    [
        ({"@type": "Rating", "ratingValue": 2, "bestRating": 5, "alternateName": "Mostly false"}, "Mostly false"),
        ({"@type": "Rating", "ratingValue": 2, "bestRating": 5}, "2/5"),
        ({"@type": "Rating", "ratingValue": "2", "bestRating": "5", "alternateName": ""}, "2/5"),
        ({"@type": "Rating", "ratingValue": 3}, "3"),
        ({"@type": "Rating", "ratingValue": 2.5, "bestRating": 5, "worstRating": 1}, "2.5/5"),
        ({"@type": "Rating"}, ""),
        ([{"@type": "Rating", "alternateName": "Pants on fire"}], "Pants on fire"),
        (None, ""),
    ],
)
def test_claimreview_rating(rating: object, expected: str) -> None:
    assert review_record(reviewRating=rating).verdict == expected


def test_claimreview_rating_of_wrong_type_is_a_problem() -> None:
    assert review_problem(reviewRating="False").field == "reviewRating"
    assert review_problem(reviewRating={"ratingValue": [1]}).field == "reviewRating.ratingValue"


@pytest.mark.parametrize(
    ("item", "published", "expected"),
    [
        ({"@type": "Claim", "datePublished": "2023-12-31T23:59:00-08:00"}, "2024-01-05", date(2023, 12, 31)),
        ({"@type": "CreativeWork", "author": "X"}, "2024-01-05T09:00:00Z", date(2024, 1, 5)),
        (None, "2024-01-05", date(2024, 1, 5)),
        ({"@type": "Claim", "datePublished": {"@value": "2022-07-01", "@type": "Date"}}, None, date(2022, 7, 1)),
        (None, None, None),
    ],
)
def test_claimreview_claim_date_falls_back_to_the_review_date(
    item: object, published: object, expected: object
) -> None:
    assert review_record(itemReviewed=item, datePublished=published).claim_date == expected


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"itemReviewed": {"datePublished": "yesterday"}}, "itemReviewed.datePublished"),
        ({"datePublished": "05/01/2024"}, "datePublished"),
        ({"datePublished": 2024}, "datePublished"),
        ({"itemReviewed": "a claim"}, "itemReviewed"),
        ({"claimReviewed": 12}, "claimReviewed"),
        ({"headline": {"text": "no"}}, "headline"),
        ({"keywords": 3}, "keywords"),
        ({"url": "ftp://c.example/x"}, "url"),
        ({"inLanguage": ["en"]}, "inLanguage"),
    ],
)
def test_claimreview_bad_values_name_their_field(fields: dict[str, Any], field: str) -> None:
    problem = review_problem(**fields)
    assert (problem.line, problem.field) == (None, field)
    items = parse("reviews.json", json_ld([review(), review(**fields)]))
    assert [p.field for p in problems(items)] == [f"[1].{field}"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("pt-BR", "pt-BR"),
        ({"@type": "Language", "name": "English", "alternateName": "en"}, "en"),
        ({"@type": "Language", "name": "English"}, "English"),
        (None, ""),
    ],
)
def test_claimreview_language(language: object, expected: str) -> None:
    assert review_record(inLanguage=language).language == expected


def test_claimreview_title_prefers_headline_then_name() -> None:
    assert review_record(headline="Headline", name="Name").title == "Headline"
    assert review_record(name="Name").title == "Name"


def test_claimreview_keywords() -> None:
    assert review_record(keywords=["Elections", " fraud ", "", "Elections"]).tags == ("Elections", "fraud")
    assert review_record(keywords="elections,fraud, ").tags == ("elections", "fraud")


def test_claimreview_document_problems() -> None:
    invalid = only_problem("r.json", b'[\n  {"@type": "ClaimReview",\n   "claimReviewed": "x"\n  \n')
    assert (invalid.line, invalid.code) == (None, "invalid")
    assert invalid.message.startswith("invalid JSON")
    assert "at line 5 column" in invalid.message
    assert only_problem("r.json", json_ld([{"@type": "WebPage"}])).code == "empty"
    assert only_problem("r.json", json_ld({"@type": "NewsArticle", "headline": "x"})).code == "empty"
    assert only_problem("r.json", b"42", fmt="claimreview").message == (
        "expected a ClaimReview object or an array of them, got number"
    )
    assert only_problem("r.json", b"", fmt="claimreview").code == "empty"
    assert only_problem("r.json", b"[]", fmt="claimreview").code == "empty"


def test_claimreview_document_over_the_limit() -> None:
    data = json_ld([review(reviewBody="x" * 500)])
    problem = only_problem("r.json", data, limit=len(data) - 1)
    assert problem.code == "too_large"
    assert only_record("r.json", data, limit=len(data)).text == "The moon is made of cheese."


# A page's JSON-LD as a fact-checking site might publish it: a @graph with the page, the publisher and
# the review, typed nodes, nested Person and Organization objects and a Language object.
FACT_CHECK_PAGE = """{
  "@context": "https://schema.org",
  "@graph": [
    {
      "@type": "WebPage",
      "@id": "https://verify.example.org/checks/2024/07/sahara-snow/#webpage",
      "url": "https://verify.example.org/checks/2024/07/sahara-snow/",
      "name": "Fact check: Video of snow in the Sahara was filmed in Turkey in 2022",
      "inLanguage": "en-GB"
    },
    {
      "@type": "Organization",
      "@id": "https://verify.example.org/#organization",
      "name": "Verify Example",
      "url": "https://verify.example.org/",
      "logo": {"@type": "ImageObject", "url": "https://verify.example.org/logo.png"}
    },
    {
      "@type": "ClaimReview",
      "@id": "https://verify.example.org/checks/2024/07/sahara-snow/#claimreview",
      "url": "https://verify.example.org/checks/2024/07/sahara-snow/",
      "datePublished": "2024-07-19T08:45:00+01:00",
      "headline": "Video of snow in the Sahara was filmed in Turkey in 2022",
      "claimReviewed": "A video shows heavy snow falling on the dunes of the Sahara desert in July 2024.",
      "inLanguage": {"@type": "Language", "name": "English", "alternateName": "en"},
      "keywords": ["climate", "weather", "misleading video"],
      "author": {
        "@type": "Organization",
        "@id": "https://verify.example.org/#organization",
        "name": "Verify Example",
        "url": "https://verify.example.org/"
      },
      "itemReviewed": {
        "@type": "Claim",
        "author": [
          {"@type": "Person", "name": "Weather\\u00a0Watcher\\u00e9"},
          {"@type": "Organization", "name": "Viral Clips Daily"}
        ],
        "datePublished": "2024-07-16",
        "firstAppearance": {"@type": "CreativeWork", "url": "https://social.example/viralclips/status/1"},
        "appearance": [{"@type": "CreativeWork", "url": "https://video.example/watch?v=abc"}]
      },
      "reviewRating": {
        "@type": "Rating",
        "ratingValue": 2,
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": "Missing context",
        "image": "https://verify.example.org/ratings/missing-context.png"
      }
    }
  ]
}
"""


def test_realistic_fact_check_page() -> None:
    data = FACT_CHECK_PAGE.encode()
    assert detect_claim_format("sahara-snow.json", data[:DETECT_BYTES]) == "claimreview"
    record = only_record("sahara-snow.json", data)
    assert record == ClaimRecord(
        text="A video shows heavy snow falling on the dunes of the Sahara desert in July 2024.",
        source_name="sahara-snow.json",
        line=None,
        title="Video of snow in the Sahara was filmed in Turkey in 2022",
        language="en",
        claimant="Weather Watcher\u00e9, Viral Clips Daily",
        claim_date=date(2024, 7, 16),
        verdict="Missing context",
        fact_check_url="https://verify.example.org/checks/2024/07/sahara-snow/",
        reviewed_by="Verify Example",
        tags=("climate", "weather", "misleading video"),
    )
