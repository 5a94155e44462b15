"""Benchmark: the annotation workspace in headless Chromium, against gunicorn and one real Celery worker.

Reports (1) time to interactive of an article with 200 spans: navigation start to the workspace's
`fc-ready` mark (text rendered, spans fetched and painted, keys bound), and (2) the delay from mouse-up on
a new selection to its suggestions shown in the panel (`fc-mouseup` to `fc-suggestions-shown`), which
includes the span POST, the commit, the worker's run and the page's polling.

The claim base holds about 15,000 CheckThat! claims, as in bench/suggest.py. They are imported into
var/bench-ui and embedded by the worker on first use (about 15 minutes); later runs reuse them.
Usage: `.venv/bin/python bench/ui.py [--loads 30] [--selections 30]`.
Needs Debian's chromium and the frontend build (`make test` installs both).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

from _stack import DATA, REPO, checkthat_claims_feed, percentile, web_and_worker

PASSWORD = "bench-password-2026"  # noqa: S105 - a local benchmark user


def summary(values: list[float]) -> str:
    return (
        f"p50 {statistics.median(values):.0f} ms, p95 {percentile(values, 95):.0f} ms, "
        f"max {max(values):.0f} ms over {len(values)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=30, help="page loads of the 200-span article")
    parser.add_argument("--selections", type=int, default=30, help="new spans selected with the mouse")
    parser.add_argument("--spans", type=int, default=200)
    parser.add_argument("--claims", type=int, default=15_000)
    parser.add_argument(
        "--data-dir",
        default=str(REPO / "var" / "bench-ui"),
        help="FACTCHECK_DATA_DIR to use: its own, so no other benchmark's backlog sits in the worker's queue",
    )
    parser.add_argument("--claim-base", default="bench-suggest")
    args = parser.parse_args()
    if not (REPO / "frontend" / "dist" / "workspace.js").exists():
        sys.exit("frontend/dist is missing: run `make frontend` first")
    chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not chromium:
        sys.exit("Debian's chromium is missing: apt-get install -y chromium (or `make chromium`)")

    os.environ.setdefault("FACTCHECK_DATA_DIR", args.data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    import io

    from django.conf import settings
    from django.core.management import call_command

    from annotations.domain import Role, RunStatus
    from annotations.matching.embedders import describe
    from annotations.matching.retrieval import ensure_vector_index
    from annotations.models import Article, ClaimEmbedding, Span, SuggestionRun
    from annotations.services.articles import article_import
    from annotations.services.claim_import import claim_import
    from annotations.services.links import LinkTarget, claim_link_create
    from annotations.services.projects import claim_base_get_or_create, membership_set, project_get_or_create
    from annotations.services.review import assignment_create
    from annotations.services.spans import span_create
    from annotations.services.users import user_ensure

    call_command("migrate", verbosity=0)
    project, _ = project_get_or_create(
        slug="bench-ui", actor=None, claim_base=claim_base_get_or_create(slug=args.claim_base)
    )
    base = project.claim_base
    if not base.claims.exists():
        claim_import(
            project=project, sources=[("claims.jsonl", io.BytesIO(checkthat_claims_feed(args.claims)))], actor=None
        )
    user, _ = user_ensure(username="bench-reviewer", password=PASSWORD)
    membership_set(project=project, user=user, role=Role.ANNOTATOR, actor=None)

    with (DATA / "clef2022-2a-en" / "queries.jsonl").open(encoding="utf-8") as lines:
        queries = [json.loads(line)["text"].strip() for line in lines if line.strip()]
    queries = [q for q in queries if q][: args.spans + args.selections]

    def article_of(title: str, parts: list[str]) -> Article:
        text = "\n\n".join(parts)
        found = Article.objects.filter(project=project, title=title).first()
        if found is None:
            feed = json.dumps({"text": text, "title": title}).encode()
            article_import(project=project, sources=[(f"{title}.jsonl", io.BytesIO(feed))], actor=None)
            found = Article.objects.get(project=project, title=title)
        if not found.assignments.filter(reviewer=user).exists():
            assignment_create(article=found, reviewer=user, actor=None)
        return found

    heavy = article_of("bench-ui 200 spans", queries[: args.spans])
    fresh = article_of("bench-ui selections", queries[args.spans :])
    if Span.objects.filter(article=heavy).count() != args.spans:
        Span.objects.filter(article=heavy).delete()
        offset = 0
        for i, query in enumerate(queries[: args.spans]):
            start = heavy.text.index(query, offset)
            offset = start + len(query)
            span = span_create(article=heavy, annotator=user, start=start, end=offset, quote=query)
            if i % 2 == 0:
                claim_link_create(span=span, target=LinkTarget(no_match=True), actor=user)
    Span.objects.filter(article=fresh).delete()

    call_command("collectstatic", interactive=False, verbosity=0)
    loads: list[float] = []
    delays: list[float] = []
    with web_and_worker(beat_schedule=Path(args.data_dir) / "celerybeat-bench-ui") as port:
        url = f"http://127.0.0.1:{port}"
        # The claim base must be embedded, and the 200 spans' own runs finished, before anything is timed.
        model = describe(settings.FACTCHECK_EMBEDDER)
        while True:
            embedded = ClaimEmbedding.objects.filter(claim__claim_base=base, model_name=model.name).count()
            pending = SuggestionRun.objects.filter(span__article=heavy).exclude(status=RunStatus.DONE).count()
            total = base.claims.count()
            if embedded >= total and pending == 0:
                break
            print(f"\rwaiting for the worker: {embedded:,}/{total:,} claims embedded, {pending} runs", end="")
            time.sleep(2)
        print()
        ensure_vector_index(model)

        from playwright.sync_api import sync_playwright

        from tests.browser.actions import drag_select

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{url}/login/")
            page.get_by_label("Username").fill(user.username)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(f"{url}/")

            for i in range(args.loads + 2):  # two warm-up loads
                page.goto(f"{url}/articles/{heavy.pk}/")
                page.wait_for_selector("#workspace[data-ready=true]")
                ready = page.evaluate("performance.getEntriesByName('fc-ready')[0].startTime")
                count = page.locator("#span-list li").count()
                if count != args.spans:
                    sys.exit(f"the workspace shows {count} spans, not {args.spans}")
                if i >= 2:
                    loads.append(ready)

            page.goto(f"{url}/articles/{fresh.pk}/")
            page.wait_for_selector("#workspace[data-ready=true]")
            offset = 0
            for i, query in enumerate(queries[args.spans :]):
                start = fresh.text.index(query, offset)
                offset = start + len(query)
                page.evaluate("performance.clearMarks()")
                drag_select(page, fresh.text, start, min(offset, start + 120))
                try:
                    page.wait_for_function(
                        "performance.getEntriesByName('fc-suggestions-shown').length > 0", timeout=30_000
                    )
                except Exception:
                    page.screenshot(path=str(Path(args.data_dir) / "bench-ui-failure.png"))
                    state = page.evaluate(
                        "['ws-status', 'ws-error', 'sugg-status', 'sugg-error', 'span-count']"
                        ".map((id) => id + ': ' + document.getElementById(id)?.textContent)"
                    )
                    sys.exit(f"no suggestions shown for selection {i} [{start}, {offset}): {state}")
                up = page.evaluate("performance.getEntriesByName('fc-mouseup').at(-1).startTime")
                shown = page.evaluate("performance.getEntriesByName('fc-suggestions-shown')[0].startTime")
                if i >= 1:  # one warm-up selection
                    delays.append(shown - up)
            browser.close()

    print(f"claims in the claim base: {base.claims.count():,}; article: {args.spans} spans, {len(heavy.text):,} chars")
    print(f"time to interactive (200 spans): {summary(loads)} page loads (target: < 1000 ms)")
    print(f"mouse-up -> suggestions shown:   {summary(delays)} selections (target: p95 < 1000 ms)")


if __name__ == "__main__":
    main()
