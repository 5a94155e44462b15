"""A release folder's manifest.json (what it holds, how it was made, a checksum per file), the README.md
datasheet generated from it, and verify(), which checks a folder against its manifest."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from annotations.exports.fields import SPAN_FIELDS
from annotations.exports.pseudonyms import PSEUDONYM_NOTE
from annotations.exports.records import OFFSETS

__all__ = [
    "MANIFEST",
    "MANIFEST_FORMAT",
    "README",
    "build_manifest",
    "datasheet",
    "file_entry",
    "sha256_file",
    "verify",
    "write_manifest",
]

MANIFEST = "manifest.json"
README = "README.md"
MANIFEST_FORMAT = "factcheck-release/1"
UNPSEUDONYMISED_NOTE = "People appear under their usernames: this release was built with pseudonyms turned off."
_CHUNK = 1 << 20

# What each file is, for the datasheet; a file the service adds that is not here is listed without one.
FILE_DESCRIPTIONS = {
    "spans.jsonl": "one JSON object per span, every field below",
    "spans.csv": "the same rows as CSV (RFC 4180), lists joined with |",
    "spans.parquet": "the same rows as Parquet, schema in manifest.json parquet_schema",
    "articles.jsonl": "one article per line, in the shape the factcheck article importer reads",
    "annotations.jsonld": "W3C Web Annotation collection: one annotation per span, quote and position selectors",
    "claims.jsonld": "schema.org ClaimReview (with a verdict) or Claim per canonical claim",
    "claim-retrieval/queries.jsonl": "CheckThat!-style queries: a linked span's quote",
    "claim-retrieval/claims.jsonl": "CheckThat!-style verified claims: id, text, title",
    "claim-retrieval/qrels.tsv": "query_id<TAB>claim_id, the relevant pairs, no header",
}


def sha256_file(path: Path) -> str:
    """The file's sha256 (hex), read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_entry(path: Path, *, rows: int | None) -> dict[str, Any]:
    """The manifest's entry for a written file: {"sha256", "bytes", "rows"} (rows None where it has no rows)."""
    return {"sha256": sha256_file(path), "bytes": path.stat().st_size, "rows": rows}


def build_manifest(
    *,
    version: int,
    created_by: str,
    created_at: str,
    project: Mapping[str, Any],
    filters: Mapping[str, Any],
    counts: Mapping[str, int],
    files: Mapping[str, Mapping[str, Any]],
    agreement: Mapping[str, Any],
    models: Sequence[str],
    software: Mapping[str, str],
    parquet_schema: Mapping[str, Any] | None = None,
    pseudonymised: bool = True,
    citation: str = "",
) -> dict[str, Any]:
    """The manifest as a JSON-ready dict.

    `files` maps paths relative to the release folder ("claim-retrieval/qrels.tsv") to file_entry()s;
    `agreement` maps a metric to {"value", "ci_low", "ci_high", "n_units"}, either directly or under a
    "figures" key beside anything else worth keeping (such as "computed_at"); `models` are "name@version"
    strings; `software` is {"name", "version", "homepage"}. Nothing here reads the clock or the
    disk: the caller passes every value.
    """
    for name in files:
        problem = _unsafe(name)
        if problem:
            raise ValueError(f"file {name!r}: {problem}")
    return {
        "format": MANIFEST_FORMAT,
        "version": version,
        "created_by": created_by,
        "created_at": created_at,
        "project": dict(project),
        "filters": dict(filters),
        "counts": dict(counts),
        "files": {name: dict(entry) for name, entry in sorted(files.items())},
        "offsets": OFFSETS,
        "fields": dict(SPAN_FIELDS),
        "parquet_schema": dict(parquet_schema) if parquet_schema is not None else None,
        "agreement": dict(agreement),
        "models": list(models),
        "software": dict(software),
        "pseudonymisation": PSEUDONYM_NOTE if pseudonymised else UNPSEUDONYMISED_NOTE,
        "citation": citation,
    }


def write_manifest(folder: Path, manifest: Mapping[str, Any]) -> dict[str, Any]:
    """Write the README.md datasheet made from the manifest, then manifest.json with the README's sha256
    (`readme_sha256`; neither file is listed under `files`); returns the manifest as written."""
    readme = datasheet(manifest).encode("utf-8")
    written = {**manifest, "readme_sha256": hashlib.sha256(readme).hexdigest()}
    (folder / README).write_bytes(readme)
    (folder / MANIFEST).write_text(json.dumps(written, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return written


def datasheet(manifest: Mapping[str, Any]) -> str:
    """A short README.md in the spirit of "Datasheets for Datasets" (Gebru et al.), from the manifest alone."""
    project = manifest.get("project", {})
    name = project.get("name") or f"project {project.get('id', '')}".strip()
    version = manifest.get("version")
    software = manifest.get("software", {})
    lines = [
        f"# {name}: release {version}",
        "",
        "## What it is",
        "",
        "Spans of news articles that reviewers highlighted as stating a check-worthy claim, each linked to a "
        "canonical (already fact-checked) claim, judged to match none, or left unlinked; curators settled "
        "the reviewers' spans into gold spans. The canonical claims and the article texts are included.",
    ]
    if project.get("description"):
        lines += ["", str(project["description"])]
    lines += [
        "",
        "## How it was made",
        "",
        f"- Built {manifest.get('created_at', '')} by {manifest.get('created_by', '')} with "
        f"{software.get('name', 'factcheck')} {software.get('version', '')}.".rstrip(),
        f"- Filters: {_inline_json(manifest.get('filters', {}))}.",
        "- Claim suggestions shown to reviewers came from: "
        + (", ".join(f"`{model}`" for model in manifest.get("models", [])) or "no model")
        + ". A span's `link_source` says whether its link came from a suggestion, a search, or a new claim.",
        f"- {manifest.get('pseudonymisation', '')}",
        "",
        "## Counts",
        "",
    ]
    lines += [f"- {key}: {value:,}" for key, value in manifest.get("counts", {}).items()]
    lines += ["", "## Agreement", ""]
    agreement = manifest.get("agreement") or {}
    # Figures either nested under "figures" (beside computed_at and the like) or at the top level.
    by_metric = agreement.get("figures", agreement)
    figures = [(metric, figure) for metric, figure in by_metric.items() if isinstance(figure, Mapping)]
    if figures:
        lines += ["Between reviewers, before curation; bootstrap confidence intervals in brackets.", ""]
        lines += [f"- {metric}: {_figure(figure)}" for metric, figure in figures]
    else:
        lines.append("Not computed for this release.")
    lines += ["", "## Files", "", "| file | rows | bytes | what |", "|---|---:|---:|---|"]
    for path, entry in manifest.get("files", {}).items():
        rows = "" if entry.get("rows") is None else f"{entry['rows']:,}"
        lines.append(f"| `{path}` | {rows} | {entry.get('bytes', 0):,} | {FILE_DESCRIPTIONS.get(path, '')} |")
    lines += ["", "## Span fields", "", f"Offsets: {manifest.get('offsets', OFFSETS)}.", ""]
    lines += [f"- `{field}`: {text}" for field, text in manifest.get("fields", SPAN_FIELDS).items()]
    lines += [
        "",
        "## Verify and cite",
        "",
        "`manifest.json` lists every file with its sha256 and size; check a copy with "
        "`sha256sum` against it, or with `annotations.exports.manifest.verify(folder)`.",
    ]
    citation = manifest.get("citation")
    lines += [
        "",
        f"Cite as: {citation}"
        if citation
        else f"Cite as: {name}, release {version} ({manifest.get('created_at', '')[:10]}).",
    ]
    return "\n".join(lines) + "\n"


def verify(folder: Path) -> list[str]:
    """What is wrong with a release folder against its manifest.json: missing, extra, resized or changed
    files, README.md included. An empty list means every file is present and intact."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [f"{MANIFEST} is missing"]
    except (ValueError, UnicodeDecodeError) as error:
        return [f"{MANIFEST} is not valid JSON: {error}"]
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict):
        return [f'{MANIFEST} has no "files" object']
    problems: list[str] = []
    for name, entry in sorted(files.items()):
        unsafe = _unsafe(name)
        if unsafe:
            problems.append(f"{name}: {unsafe}")
            continue
        path = folder / name
        if not path.is_file():
            problems.append(f"{name}: missing")
            continue
        size = path.stat().st_size
        if isinstance(entry, dict) and entry.get("bytes") != size:
            problems.append(f"{name}: {size} bytes, the manifest says {entry.get('bytes')}")
        if not isinstance(entry, dict) or entry.get("sha256") != sha256_file(path):
            problems.append(f"{name}: sha256 differs from the manifest")
    readme = manifest.get("readme_sha256")
    if isinstance(readme, str):  # releases made before it was recorded have none
        if not (folder / README).is_file():
            problems.append(f"{README}: missing")
        elif sha256_file(folder / README) != readme:
            problems.append(f"{README}: sha256 differs from the manifest")
    listed = set(files) | {MANIFEST, README}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and name not in listed:
            problems.append(f"{name}: not in the manifest")
    return problems


def _unsafe(name: str) -> str:
    """Why a manifest file name must not be used as a path inside the folder ("" when it is fine)."""
    path = PurePosixPath(name)
    if not name or path.is_absolute() or "\\" in name or any(part in ("", ".", "..") for part in name.split("/")):
        return "not a plain relative path"
    if name in (MANIFEST, README):
        return "a reserved name"
    return ""


def _figure(figure: Mapping[str, Any]) -> str:
    value, low, high = figure.get("value"), figure.get("ci_low"), figure.get("ci_high")
    text = "undefined" if value is None else f"{value:.3f}"
    if low is not None and high is not None:
        text += f" [{low:.3f}, {high:.3f}]"
    if figure.get("n_units") is not None:
        text += f" over {figure['n_units']:,} units"
    return text


def _inline_json(value: object) -> str:
    return f"`{json.dumps(value, ensure_ascii=False, sort_keys=True)}`" if value else "none"
