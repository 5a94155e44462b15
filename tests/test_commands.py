"""Management commands as a user runs them: import_articles, load_demo, and evaluate_matching's bad input."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from annotations.models import Article, CanonicalClaim, Membership, Project
from tests.conftest import REPO, SEEDS

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_articles_creates_the_project_and_imports_a_folder() -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"{SEEDS} is not here")
    out, err = run("import_articles", str(SEEDS), "--project", "seeds")
    assert "Created project 'seeds'" in out
    assert "Imported 5 articles into 'seeds' (0 duplicates skipped, 0 failed" in out
    assert "100%" in err  # the progress bar finished
    assert Article.objects.filter(project__slug="seeds").count() == 5
    out, _ = run("import_articles", str(SEEDS), "--project", "seeds", "--no-progress")
    assert "Imported 0 articles into 'seeds' (5 duplicates skipped" in out


def test_import_articles_fails_with_line_numbers_and_keeps_good_rows(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(b'{"text": "Good one."}\n{"text": 42}\n\n{"txt": "typo"}\n{"text": "Good two."}\n')
    with pytest.raises(CommandError, match=r"Imported 2 articles .* 2 failed") as raised:
        run("import_articles", str(feed), "--project", "broken", "--no-progress")
    assert raised.value.returncode == 1
    assert Article.objects.filter(project__slug="broken").count() == 2


def test_import_articles_prints_each_problem(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(b'{"text": "Good one."}\n{"txt": "typo"}\n')
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_articles", str(feed), "--project", "p", "--no-progress", stdout=io.StringIO(), stderr=err)
    assert f"{feed}, line 2: " in err.getvalue()
    assert '"text"' in err.getvalue()


def test_import_articles_refuses_a_missing_path_before_importing(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("A fine article about the talks.")
    with pytest.raises(CommandError, match=r"nope\.txt: no such file"):
        run("import_articles", str(good), str(tmp_path / "nope.txt"), "--project", "p")
    assert not Article.objects.exists()


def test_import_articles_exit_status_from_the_shell(tmp_path: Path) -> None:
    """The exit status a script sees: 1 when a record failed (run as a real process, on the test DB)."""
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(b"not json\n")
    with pytest.raises(CommandError) as raised:
        run("import_articles", str(feed), "--project", "p", "--no-progress")
    assert raised.value.returncode == 1
    proc = subprocess.run(
        [sys.executable, "manage.py", "import_articles", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    assert "--project SLUG" in proc.stdout


def test_load_demo_is_idempotent() -> None:
    out, _ = run("load_demo")
    project = Project.objects.get(slug="geneva-demo")
    assert Article.objects.filter(project=project).count() == 6
    assert CanonicalClaim.objects.filter(claim_base=project.claim_base).count() == 30
    assert set(Membership.objects.filter(project=project).values_list("user__username", "role")) == {
        ("admin", "manager"),
        ("manager", "manager"),
        ("annotator1", "annotator"),
        ("annotator2", "annotator"),
        ("curator", "curator"),
    }
    run("load_demo")
    assert Article.objects.filter(project=project).count() == 6
    assert CanonicalClaim.objects.filter(claim_base=project.claim_base).count() == 30
    assert "6 new articles, 30 new claims" in out


GOOD_CLAIMS = '{"id": "c1", "text": "The bridge was closed."}\n'
GOOD_QUERIES = '{"id": "q1", "text": "Was the bridge closed?"}\n'
GOOD_QRELS = "q1\tc1\n"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "claims.jsonl",
            GOOD_CLAIMS + "{not json\n",
            "claims.jsonl, line 2: not JSON (Expecting property name enclosed in double quotes)",
        ),
        ("claims.jsonl", GOOD_CLAIMS + '{"id": "c2"}\n', 'claims.jsonl, line 2: "text" must be a non-empty string'),
        ("claims.jsonl", "[1, 2]\n", "claims.jsonl, line 1: expected a JSON object"),
        ("queries.jsonl", '{"text": "no id"}\n', 'queries.jsonl, line 1: "id" must be a non-empty string'),
        ("qrels.tsv", "q1 c1\n", "qrels.tsv, line 1: expected a query id and a claim id, tab-separated"),
    ],
    ids=["json", "claim-text", "not-object", "query-id", "qrels-tab"],
)
def test_evaluate_matching_names_the_bad_line_and_writes_nothing(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    folder = tmp_path / "bench"
    folder.mkdir()
    files = {"claims.jsonl": GOOD_CLAIMS, "queries.jsonl": GOOD_QUERIES, "qrels.tsv": GOOD_QRELS, name: content}
    for file_name, text in files.items():
        (folder / file_name).write_text(text, encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("evaluate_matching", "--data", str(folder))
    assert str(caught.value) == message
    assert not Project.objects.exists()
