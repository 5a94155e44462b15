"""Unit tests for the pure release writers: each format on a few spans, read back by its own reader (json,
csv, pyarrow, the project's importers), the manifest and verify(), pseudonyms, and flat memory."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tracemalloc
import unicodedata
from collections.abc import Iterator
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest
from pyld import jsonld  # type: ignore[import-untyped]

from annotations.domain import ArticleRecord, ClaimRecord, normalize_text
from annotations.exports import claimreview, webannotation
from annotations.exports.csv import CSV_HEADER, write_spans_csv
from annotations.exports.fields import SPAN_FIELDS
from annotations.exports.jsonl import write_articles_jsonl, write_spans_jsonl
from annotations.exports.manifest import (
    MANIFEST,
    README,
    build_manifest,
    datasheet,
    file_entry,
    sha256_file,
    verify,
    write_manifest,
)
from annotations.exports.parquet import SCHEMA, SCHEMA_DESCRIPTION, write_spans_parquet
from annotations.exports.pseudonyms import Pseudonymizer
from annotations.exports.records import OFFSETS, ReleaseArticle, ReleaseClaim, ReleaseSpan
from annotations.exports.retrieval import write_claim_retrieval
from annotations.importers import parse_claims
from annotations.importers.jsonl import jsonl_articles

# An emoji (one code point, two UTF-16 units), a flag (two code points) and an n with a combining diaeresis
# (no precomposed form, so NFC keeps two code points): code points, UTF-16 units and graphemes all disagree.
TEXT = "Le maire 👍 a dit: «la dette a doublé 🇫🇷» et le concert de Spin\u0308al Tap est gratuit."
QUOTE = "la dette a doublé 🇫🇷"
NO_MATCH_QUOTE = "Spin\u0308al Tap est gratuit"
START = TEXT.index(QUOTE)
NM_START = TEXT.index(NO_MATCH_QUOTE)
SHA = hashlib.sha256(TEXT.encode()).hexdigest()
URL = "https://news.example/article-1"
SOFTWARE = webannotation.Software(name="factcheck", version="0.1.0", homepage="https://factcheck.example")


def article() -> ReleaseArticle:
    return ReleaseArticle(
        article_id=11,
        external_id="a-1",
        title="La dette",
        source_url=URL,
        language="fr",
        published_date="2024-05-01",
        sha256=SHA,
        text=TEXT,
        priority=3,
        metadata={"section": "politique", "tags": ["dette"]},
    )


def span(start: int, end: int, **changes: Any) -> ReleaseSpan:
    base = ReleaseSpan(
        span_id=1,
        article_id=11,
        article_external_id="a-1",
        article_sha256=SHA,
        article_url=URL,
        start=start,
        end=end,
        quote=TEXT[start:end],
        prefix=TEXT[max(0, start - 10) : start],
        suffix=TEXT[end : end + 10],
        label="claim",
        note="",
        is_gold=True,
        claim_id=None,
        claim_text="",
        link_source=None,
        suggestion_rank=None,
        suggestion_score=None,
        suggestion_model="",
        reviewers=(),
        curator=None,
        derived_from=(),
        created_at="2024-05-02T09:30:00.123456+00:00",
        updated_at="2024-05-02T10:00:00+00:00",
    )
    return replace(base, **changes)


def spans() -> list[ReleaseSpan]:
    return [
        # Gold, linked through the model's second suggestion, settling two reviewers' spans.
        span(
            START,
            START + len(QUOTE),
            claim_id=7,
            claim_text="La dette publique a doublé en cinq ans.",
            link_source="suggestion",
            suggestion_rank=2,
            suggestion_score=0.8125,
            suggestion_model="multilingual-e5-small@0.3.0",
            reviewers=("reviewer-aa11bb22", "reviewer-cc33dd44"),
            curator="reviewer-ee55ff66",
            derived_from=(101, 102),
            note='a "quoted", note\nover two lines',
        ),
        # Gold, judged to match no claim.
        span(
            NM_START,
            NM_START + len(NO_MATCH_QUOTE),
            span_id=2,
            link_source="no_match",
            reviewers=("reviewer-aa11bb22",),
            curator="reviewer-ee55ff66",
            derived_from=(103,),
        ),
        # One reviewer's own span, no link and no label.
        span(0, 8, span_id=3, is_gold=False, label="", reviewers=("reviewer-cc33dd44",)),
    ]


def claims() -> list[ReleaseClaim]:
    return [
        ReleaseClaim(
            claim_id=7,
            text="La dette publique a doublé en cinq ans.",
            title="Non, la dette n'a pas doublé",
            language="fr",
            claimant="Le maire",
            claim_date="2024-04-20",
            verdict="Faux",
            fact_check_url="https://factcheck.example/dette",
            reviewed_by="Vérif'",
            tags=("économie", "dette"),
        ),
        ReleaseClaim(claim_id=8, text="Le café est gratuit 👍 pour tous.", title="Café"),
    ]


def written(write: Any, *args: Any, **kwargs: Any) -> tuple[bytes, int]:
    out = io.BytesIO()
    rows = write(*args, out, **kwargs)
    return out.getvalue(), rows


def test_fixture_offsets_are_code_points_not_utf16_units() -> None:
    gold, no_match, _ = spans()
    assert TEXT[gold.start : gold.end] == QUOTE
    assert len(QUOTE) != len(QUOTE.encode("utf-16-le")) // 2  # the emoji and the flag
    assert unicodedata.combining(NO_MATCH_QUOTE[4])  # the diaeresis is a code point of its own
    assert normalize_text(TEXT) == TEXT  # as stored: NFC
    assert TEXT[no_match.start : no_match.end] == NO_MATCH_QUOTE


def test_span_fields_follow_the_record() -> None:
    assert tuple(SPAN_FIELDS) == tuple(field.name for field in fields(ReleaseSpan))


# --- JSON Lines ---------------------------------------------------------------------------------------


def test_spans_jsonl_has_every_field_and_code_point_offsets() -> None:
    data, rows = written(write_spans_jsonl, spans())
    lines = data.decode("utf-8").splitlines()
    assert rows == len(lines) == 3
    assert data.endswith(b"\n")
    assert "👍" in data.decode()
    assert "\\u" not in data.decode()
    objects = [json.loads(line) for line in lines]
    for obj, record in zip(objects, spans(), strict=True):
        assert list(obj) == list(SPAN_FIELDS)
        assert obj["reviewers"] == list(record.reviewers)
        assert obj["derived_from"] == list(record.derived_from)
        assert TEXT[obj["start"] : obj["end"]] == obj["quote"] == record.quote
        assert (
            ReleaseSpan(**{**obj, "reviewers": tuple(obj["reviewers"]), "derived_from": tuple(obj["derived_from"])})
            == record
        )
    gold = objects[0]
    assert (gold["claim_id"], gold["link_source"], gold["suggestion_rank"]) == (7, "suggestion", 2)
    assert gold["curator"] == "reviewer-ee55ff66"
    assert objects[1]["link_source"] == "no_match"
    assert objects[1]["claim_id"] is None
    assert objects[2]["link_source"] is None
    assert objects[2]["curator"] is None


def test_empty_jsonl_is_an_empty_file() -> None:
    assert written(write_spans_jsonl, []) == (b"", 0)


def test_articles_jsonl_reads_back_through_the_article_importer() -> None:
    data, rows = written(write_articles_jsonl, [article()])
    assert rows == 1
    items = list(jsonl_articles(io.BytesIO(data), source_name="articles.jsonl", max_document_bytes=1 << 20))
    assert len(items) == 1
    record = items[0]
    assert isinstance(record, ArticleRecord), record
    source = article()
    assert record.text == normalize_text(source.text) == source.text
    assert hashlib.sha256(record.text.encode()).hexdigest() == source.sha256
    assert (record.title, record.source_url, record.language) == (source.title, source.source_url, source.language)
    assert (record.external_id, record.priority, record.metadata) == (source.external_id, 3, source.metadata)
    assert record.published_date is not None
    assert record.published_date.isoformat() == source.published_date


# --- CSV ----------------------------------------------------------------------------------------------


def test_csv_round_trips_through_dictreader() -> None:
    data, rows = written(write_spans_csv, spans())
    assert rows == 3
    assert data.startswith(",".join(CSV_HEADER).encode() + b"\r\n")
    assert not data.startswith(b"\xef\xbb\xbf")
    read = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    assert [list(row) for row in read] == [list(CSV_HEADER)] * 3
    gold, no_match, own = read
    assert gold["quote"] == QUOTE
    assert gold["note"] == 'a "quoted", note\nover two lines'
    assert (int(gold["start"]), int(gold["end"])) == (spans()[0].start, spans()[0].end)
    assert gold["reviewers"].split("|") == ["reviewer-aa11bb22", "reviewer-cc33dd44"]
    assert gold["derived_from"] == "101|102"
    assert float(gold["suggestion_score"]) == 0.8125
    assert gold["is_gold"] == "true"
    assert own["is_gold"] == "false"
    assert no_match["claim_id"] == ""
    assert no_match["link_source"] == "no_match"
    assert own["curator"] == ""
    assert own["link_source"] == ""
    assert own["derived_from"] == ""
    assert NO_MATCH_QUOTE in no_match["quote"]


def test_csv_leaves_the_callers_file_open() -> None:
    out = io.BytesIO()
    write_spans_csv([], out)
    assert not out.closed
    assert out.getvalue() == ",".join(CSV_HEADER).encode() + b"\r\n"


# --- Parquet ------------------------------------------------------------------------------------------


def test_parquet_reads_back_with_the_schema_and_the_rows(tmp_path: Path) -> None:
    path = tmp_path / "spans.parquet"
    with path.open("wb") as out:
        assert write_spans_parquet(spans(), out) == 3
    table = pq.read_table(path)
    assert table.schema.equals(SCHEMA, check_metadata=True)
    assert table.schema.metadata[b"offsets"].decode() == OFFSETS
    rows = table.to_pylist()
    for row, record in zip(rows, spans(), strict=True):
        created = row.pop("created_at")
        updated = row.pop("updated_at")
        expected = {name: getattr(record, name) for name in SPAN_FIELDS if name not in ("created_at", "updated_at")}
        expected["reviewers"] = list(record.reviewers)
        expected["derived_from"] = list(record.derived_from)
        assert row == expected
        assert created.isoformat() == record.created_at
        assert updated.isoformat() == record.updated_at
    assert [field["name"] for field in SCHEMA_DESCRIPTION["fields"]] == list(SPAN_FIELDS)
    assert {"name": "start", "type": "int32", "nullable": False}.items() <= SCHEMA_DESCRIPTION["fields"][5].items()


def test_parquet_row_groups_hold_row_group_size_rows(tmp_path: Path) -> None:
    path = tmp_path / "spans.parquet"
    many = (replace(spans()[0], span_id=i) for i in range(2_500))
    assert write_spans_parquet(many, str(path), row_group_size=1_000) == 2_500
    metadata = pq.ParquetFile(path).metadata
    assert [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)] == [1_000, 1_000, 500]


def test_parquet_of_no_spans_still_has_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "spans.parquet"
    assert write_spans_parquet([], str(path)) == 0
    table = pq.read_table(path)
    assert table.num_rows == 0
    assert table.schema.equals(SCHEMA)


def test_parquet_refuses_a_timestamp_without_a_zone(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="zone offset"):
        write_spans_parquet([span(0, 2, created_at="2024-05-02T09:30:00")], str(tmp_path / "spans.parquet"))


# --- W3C Web Annotation -------------------------------------------------------------------------------


def annotations_document() -> tuple[dict[str, Any], int]:
    data, rows = written(
        webannotation.write_annotations_jsonld,
        spans(),
        collection_id="urn:factcheck:release:3:1",
        label="Project 3, release 1",
        software=SOFTWARE,
    )
    return json.loads(data), rows


def test_web_annotation_document_shape() -> None:
    document, rows = annotations_document()
    assert rows == 3
    assert document["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert document["type"] == "AnnotationCollection"
    assert document["total"] == 3
    page = document["first"]
    assert page["type"] == "AnnotationPage"
    assert page["partOf"] == document["id"]
    assert document["generator"]["name"] == "factcheck 0.1.0"
    for annotation, record in zip(page["items"], spans(), strict=True):
        assert annotation["type"] == "Annotation"
        assert annotation["id"] == f"urn:factcheck:span:{record.span_id}"
        assert (annotation["created"], annotation["modified"]) == (record.created_at, record.updated_at)
        assert annotation["target"]["source"] == URL
        selectors = {selector["type"]: selector for selector in annotation["target"]["selector"]}
        assert set(selectors) == {"TextQuoteSelector", "TextPositionSelector"}
        quote, position = selectors["TextQuoteSelector"], selectors["TextPositionSelector"]
        assert (position["start"], position["end"]) == (record.start, record.end)
        assert quote["exact"] == record.quote == TEXT[position["start"] : position["end"]]
        assert (quote["prefix"], quote["suffix"]) == (record.prefix, record.suffix)
        assert all(person["type"] == "Person" for person in annotation["creator"])


def test_web_annotation_bodies_per_kind_of_span() -> None:
    document, _ = annotations_document()
    linked, no_match, own = document["first"]["items"]

    assert linked["motivation"] == "linking"
    claim, text, label, note = linked["body"]
    assert claim == {
        "type": "SpecificResource",
        "source": "urn:factcheck:claim:7",
        "purpose": "identifying",
        "generator": {"type": "Software", "name": "multilingual-e5-small@0.3.0"},
    }
    assert (text["type"], text["value"], text["purpose"]) == ("TextualBody", spans()[0].claim_text, "describing")
    assert (label["value"], label["purpose"]) == ("claim", "tagging")
    assert note["purpose"] == "commenting"
    assert [person["nickname"] for person in linked["creator"]] == [
        "reviewer-ee55ff66",
        "reviewer-aa11bb22",
        "reviewer-cc33dd44",
    ]

    assert no_match["motivation"] == "assessing"
    assert [(body["value"], body["purpose"]) for body in no_match["body"]] == [
        (webannotation.NO_MATCH, "tagging"),
        ("claim", "tagging"),
    ]

    assert own["motivation"] == "highlighting"
    assert "body" not in own


def test_web_annotation_of_no_spans_is_valid_json() -> None:
    data, rows = written(
        webannotation.write_annotations_jsonld, [], collection_id="urn:x", label="x", software=SOFTWARE
    )
    document = json.loads(data)
    assert rows == 0
    assert document["first"]["items"] == []
    assert document["total"] == 0


def test_web_annotation_batches_join_with_commas() -> None:
    many = [replace(spans()[0], span_id=i) for i in range(webannotation.BATCH * 2 + 3)]
    data, rows = written(
        webannotation.write_annotations_jsonld, many, collection_id="urn:x", label="x", software=SOFTWARE
    )
    assert [item["id"] for item in json.loads(data)["first"]["items"]] == [
        f"urn:factcheck:span:{i}" for i in range(rows)
    ]


W3C_CONTEXT = json.loads((Path(__file__).resolve().parent.parent / "data" / "anno.jsonld").read_text(encoding="utf-8"))
OA, AS, XSD = "http://www.w3.org/ns/oa#", "http://www.w3.org/ns/activitystreams#", "http://www.w3.org/2001/XMLSchema#"


def w3c_context_only(url: str, options: object = None) -> dict[str, Any]:
    """pyld's document loader: the W3C Web Annotation context from tests/data (a copy of
    http://www.w3.org/ns/anno.jsonld), and no other document."""
    assert url == webannotation.CONTEXT, f"the document names another context: {url}"
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": W3C_CONTEXT}


def as_compacted(value: Any, key: str = "") -> Any:
    """What JSON-LD compaction makes of the writer's output with the same context: one-element arrays become
    their element (but `items` is a list container) and schema.org IRIs become `schema:` compact IRIs."""
    if isinstance(value, dict):
        return {k.replace("http://schema.org/", "schema:"): as_compacted(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [as_compacted(v) for v in value]
        return items[0] if len(items) == 1 and key != "items" else items
    return value


def test_web_annotation_terms_all_come_from_the_w3c_context() -> None:
    """JSON-LD expansion silently drops a key the context does not define (and a `type` or `purpose` value
    that names no term becomes a relative IRI): expanding against the real context and compacting back must
    give the document again, and the expanded graph must carry the Web Annotation IRIs."""
    document, rows = annotations_document()
    options = {"documentLoader": w3c_context_only}
    expanded = jsonld.expand(document, options)
    again = jsonld.compact(expanded, webannotation.CONTEXT, options)
    assert again.pop("@context") == webannotation.CONTEXT
    assert again == as_compacted({k: v for k, v in document.items() if k != "@context"})

    (collection,) = expanded
    assert collection["@type"] == [f"{AS}OrderedCollection"]
    assert collection[f"{AS}totalItems"] == [{"@value": rows, "@type": f"{XSD}nonNegativeInteger"}]
    (page,) = collection[f"{AS}first"]
    annotations = page[f"{AS}items"][0]["@list"]
    assert len(annotations) == rows
    first = annotations[0]
    assert first["@type"] == [f"{OA}Annotation"]
    assert first["@id"] == "urn:factcheck:span:1"
    assert first[f"{OA}motivatedBy"] == [{"@id": f"{OA}linking"}]
    (target,) = first[f"{OA}hasTarget"]
    assert target[f"{OA}hasSource"] == [{"@id": URL}]
    selectors = {selector["@type"][0]: selector for selector in target[f"{OA}hasSelector"]}
    position = selectors[f"{OA}TextPositionSelector"]
    assert position[f"{OA}start"][0]["@type"] == f"{XSD}nonNegativeInteger"
    assert selectors[f"{OA}TextQuoteSelector"][f"{OA}exact"] == [{"@value": spans()[0].quote}]
    purposes = {body[f"{OA}hasPurpose"][0]["@id"] for body in first[f"{OA}hasBody"]}
    assert {f"{OA}identifying", f"{OA}describing"} <= purposes


def test_the_context_check_catches_a_term_the_context_does_not_define() -> None:
    """The check above can fail: a key outside the W3C context does not survive the round trip."""
    document, _ = annotations_document()
    document["first"]["items"][0]["verdict"] = "false"
    options = {"documentLoader": w3c_context_only}
    again = jsonld.compact(jsonld.expand(document, options), webannotation.CONTEXT, options)
    again.pop("@context")
    assert again != as_compacted({k: v for k, v in document.items() if k != "@context"})
    assert "verdict" not in again["first"]["items"][0]


# --- schema.org ClaimReview ---------------------------------------------------------------------------


def test_claims_jsonld_reads_back_through_the_claim_importer() -> None:
    data, rows = written(claimreview.write_claims_jsonld, claims())
    assert rows == 2
    document = json.loads(data)
    assert document["@context"] == "https://schema.org"
    review, plain = document["@graph"]
    assert review["@type"] == "ClaimReview"
    assert review["@id"] == "urn:factcheck:claim:7"
    assert review["reviewRating"] == {"@type": "Rating", "alternateName": "Faux"}
    assert review["author"] == {"@type": "Organization", "name": "Vérif'"}
    assert review["itemReviewed"] == {"@type": "Claim", "author": {"name": "Le maire"}, "datePublished": "2024-04-20"}
    assert plain == {"@type": "Claim", "@id": "urn:factcheck:claim:8", "text": claims()[1].text, "name": "Café"}

    items = list(parse_claims("claims.jsonld", io.BytesIO(data), max_document_bytes=1 << 20))
    assert len(items) == 2  # the ClaimReview, and the plain Claim (a claim without a verdict)
    record, unrated = items
    assert isinstance(record, ClaimRecord), record
    assert isinstance(unrated, ClaimRecord), unrated
    assert (unrated.text, unrated.title, unrated.verdict) == (normalize_text(claims()[1].text), "Café", "")
    source = claims()[0]
    assert record.text == normalize_text(source.text)
    assert record.verdict == source.verdict
    assert (record.title, record.language, record.claimant) == (source.title, source.language, source.claimant)
    assert (record.fact_check_url, record.reviewed_by, record.tags) == (
        source.fact_check_url,
        source.reviewed_by,
        source.tags,
    )
    assert record.claim_date is not None
    assert record.claim_date.isoformat() == source.claim_date


def test_claims_jsonld_of_no_claims_is_valid_json() -> None:
    data, rows = written(claimreview.write_claims_jsonld, [])
    assert rows == 0
    assert json.loads(data) == {"@context": "https://schema.org", "@graph": []}


# --- claim retrieval ----------------------------------------------------------------------------------


def test_claim_retrieval_files_have_the_checkthat_shape(tmp_path: Path) -> None:
    rows = write_claim_retrieval(tmp_path, spans=spans(), claims=claims())
    folder = tmp_path / "claim-retrieval"
    assert rows == {
        "claim-retrieval/queries.jsonl": 1,
        "claim-retrieval/claims.jsonl": 2,
        "claim-retrieval/qrels.tsv": 1,
    }
    queries = [json.loads(line) for line in (folder / "queries.jsonl").read_text(encoding="utf-8").splitlines()]
    assert queries == [{"id": "span-1", "text": QUOTE}]
    pool = [json.loads(line) for line in (folder / "claims.jsonl").read_text(encoding="utf-8").splitlines()]
    assert pool == [
        {"id": "claim-7", "text": claims()[0].text, "title": claims()[0].title},
        {"id": "claim-8", "text": claims()[1].text, "title": "Café"},
    ]
    assert (folder / "qrels.tsv").read_bytes() == b"span-1\tclaim-7\n"


# --- manifest, datasheet, verify ----------------------------------------------------------------------


def release_folder(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    folder = tmp_path / "release-1"
    folder.mkdir()
    rows: dict[str, int] = {}
    with (folder / "spans.jsonl").open("wb") as out:
        rows["spans.jsonl"] = write_spans_jsonl(spans(), out)
    with (folder / "spans.parquet").open("wb") as out:
        rows["spans.parquet"] = write_spans_parquet(spans(), out)
    rows |= write_claim_retrieval(folder, spans=spans(), claims=claims())
    files = {name: file_entry(folder / name, rows=count) for name, count in rows.items()}
    manifest = build_manifest(
        version=1,
        created_by="reviewer-ee55ff66",
        created_at="2024-06-01T12:00:00+00:00",
        project={"id": 3, "name": "Dette publique"},
        filters={"gold_only": True},
        counts={"articles": 1, "spans": 3, "claims": 2},
        files=files,
        agreement={
            "computed_at": "2024-05-31T08:00:00+00:00",
            "figures": {
                "span_f1": {"value": 0.71, "ci_low": 0.64, "ci_high": 0.77, "n_units": 120},
                "link_alpha": {"value": None, "ci_low": None, "ci_high": None, "n_units": 0},
            },
        },
        models=["multilingual-e5-small@0.3.0"],
        software={"name": "factcheck", "version": "0.1.0"},
        parquet_schema=SCHEMA_DESCRIPTION,
    )
    return folder, write_manifest(folder, manifest)


def test_manifest_lists_every_file_and_verifies_clean(tmp_path: Path) -> None:
    folder, manifest = release_folder(tmp_path)
    entry = manifest["files"]["spans.jsonl"]
    assert entry == {
        "sha256": hashlib.sha256((folder / "spans.jsonl").read_bytes()).hexdigest(),
        "bytes": (folder / "spans.jsonl").stat().st_size,
        "rows": 3,
    }
    assert sha256_file(folder / "spans.jsonl") == entry["sha256"]
    assert manifest["offsets"] == OFFSETS
    assert manifest["parquet_schema"]["fields"][0]["name"] == "span_id"
    assert json.loads((folder / MANIFEST).read_text(encoding="utf-8")) == manifest
    assert verify(folder) == []


def test_verify_reports_a_tampered_missing_and_extra_file(tmp_path: Path) -> None:
    folder, _ = release_folder(tmp_path)
    qrels = folder / "claim-retrieval" / "qrels.tsv"
    qrels.write_bytes(qrels.read_bytes().replace(b"claim-7", b"claim-8"))  # same size, other bytes
    (folder / "spans.parquet").unlink()
    (folder / "claim-retrieval" / "notes.txt").write_text("x")
    with (folder / "spans.jsonl").open("ab") as out:
        out.write(b"{}\n")
    size = (folder / "spans.jsonl").stat().st_size
    assert verify(folder) == [
        "claim-retrieval/qrels.tsv: sha256 differs from the manifest",
        f"spans.jsonl: {size} bytes, the manifest says {size - 3}",
        "spans.jsonl: sha256 differs from the manifest",
        "spans.parquet: missing",
        "claim-retrieval/notes.txt: not in the manifest",
    ]


def test_verify_checks_the_datasheet_against_the_manifest(tmp_path: Path) -> None:
    folder, manifest = release_folder(tmp_path)
    readme = folder / "README.md"
    assert manifest["readme_sha256"] == hashlib.sha256(readme.read_bytes()).hexdigest()
    readme.write_text(readme.read_text(encoding="utf-8").replace("release", "edition"), encoding="utf-8")
    assert verify(folder) == ["README.md: sha256 differs from the manifest"]
    readme.unlink()
    assert verify(folder) == ["README.md: missing"]


def test_verify_refuses_paths_outside_the_folder(tmp_path: Path) -> None:
    folder, manifest = release_folder(tmp_path)
    manifest["files"]["../outside"] = {"sha256": "0" * 64, "bytes": 0, "rows": None}
    (folder / MANIFEST).write_text(json.dumps(manifest))
    assert verify(folder) == ["../outside: not a plain relative path"]
    (folder / MANIFEST).unlink()
    assert verify(folder) == ["manifest.json is missing"]


def test_datasheet_names_counts_agreement_fields_and_files(tmp_path: Path) -> None:
    folder, manifest = release_folder(tmp_path)
    text = datasheet(manifest)
    assert (folder / README).read_text(encoding="utf-8") == text
    assert text.startswith("# Dette publique: release 1\n")
    assert "- spans: 3" in text
    assert "- span_f1: 0.710 [0.640, 0.770] over 120 units" in text
    assert "- link_alpha: undefined over 0 units" in text
    assert "`multilingual-e5-small@0.3.0`" in text
    assert "| `claim-retrieval/qrels.tsv` | 1 |" in text
    assert all(f"- `{name}`:" in text for name in SPAN_FIELDS)
    assert OFFSETS in text
    assert "pseudonyms" in text


# --- pseudonyms ---------------------------------------------------------------------------------------


def test_pseudonyms_are_stable_distinct_and_hide_the_username() -> None:
    secret = b"s" * 32
    first, again = Pseudonymizer(secret), Pseudonymizer(secret)
    names = ["alice", "bob", "Alice", "carol@example.org"]
    pseudonyms = [first(name) for name in names]
    assert pseudonyms == [again.pseudonym(name) for name in reversed(names)][::-1]
    assert len(set(pseudonyms)) == len(names)
    for name, pseudonym in zip(names, pseudonyms, strict=True):
        assert pseudonym != name
        assert name.lower() not in pseudonym
        assert pseudonym.startswith("reviewer-")
        assert len(pseudonym) == len("reviewer-") + 8
    assert Pseudonymizer(Pseudonymizer.new_secret())("alice") != pseudonyms[0]
    assert first.pseudonyms(("bob", "alice")) == (pseudonyms[1], pseudonyms[0])


def test_pseudonymizer_replaces_the_people_of_a_span() -> None:
    names = Pseudonymizer(b"s" * 32)
    gold = replace(spans()[0], reviewers=("alice", "bob"), curator="carol")
    hidden = names.span(gold)
    assert hidden.reviewers == (names("alice"), names("bob"))
    assert hidden.curator == names("carol")
    assert replace(hidden, reviewers=gold.reviewers, curator=gold.curator) == gold
    assert names.span(spans()[2]).curator is None


def test_pseudonym_collisions_get_a_longer_digest() -> None:
    short = Pseudonymizer(b"k" * 32, digits=4)
    seen = {short(f"user{i}") for i in range(2_000)}  # 65,536 four-digit values: collisions are certain
    assert len(seen) == 2_000


def test_pseudonymizer_refuses_a_short_secret() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        Pseudonymizer(b"short")


# --- streaming ----------------------------------------------------------------------------------------


STREAM_ROWS = 200_000


def generated_spans(count: int) -> Iterator[ReleaseSpan]:
    template = spans()[0]
    for i in range(count):
        yield replace(template, span_id=i, quote=f"{QUOTE} {i}", claim_id=i % 5_000)


class _Discard(io.RawIOBase):
    """A binary sink that counts bytes, so the test measures the writer and not a growing BytesIO."""

    def __init__(self) -> None:
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.size += len(data)
        return len(data)


@pytest.mark.slow
@pytest.mark.parametrize("writer", ["jsonl", "parquet"])
def test_writers_stream_in_flat_memory(writer: str, tmp_path: Path) -> None:
    # 200,000 spans held as a list take well over 100 MB of Python objects; the writers must not build one.
    limit_mb = 40
    tracemalloc.start()
    try:
        if writer == "jsonl":
            sink = _Discard()
            with io.BufferedWriter(sink) as out:
                rows = write_spans_jsonl(generated_spans(STREAM_ROWS), out)
            assert sink.size > STREAM_ROWS * 100
        else:
            rows = write_spans_parquet(generated_spans(STREAM_ROWS), str(tmp_path / "spans.parquet"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows == STREAM_ROWS
    assert peak < limit_mb * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
    if writer == "parquet":
        assert pq.ParquetFile(tmp_path / "spans.parquet").metadata.num_rows == STREAM_ROWS
