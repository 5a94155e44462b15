"""Benchmark: time from span commit to stored suggestions, with one real worker, against ~15,000 claims;
and the throughput of bulk claim embedding (texts and titles) against the model's own batch throughput.

Claims come from the CheckThat! development data beside the repository (../shared/data/claim-matching),
imported and embedded once into var/bench (later runs reuse them). Usage: `.venv/bin/python bench/suggest.py`.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time

from _stack import DATA, REPO, checkthat_claims_feed, percentile, web_and_worker


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=15_000)
    parser.add_argument("--spans", type=int, default=100)
    parser.add_argument("--throughput-sample", type=int, default=1_000)
    parser.add_argument("--data-dir", default=str(REPO / "var" / "bench"), help="FACTCHECK_DATA_DIR to use")
    parser.add_argument(
        "--claim-base",
        default="bench-suggest",
        help="claim base slug; an existing, embedded one (e.g. evaluate_matching's eval-clef2022-2a-en) saves time",
    )
    args = parser.parse_args()

    os.environ.setdefault("FACTCHECK_DATA_DIR", args.data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from annotations.domain import Role, RunStatus, normalize_text
    from annotations.matching.embedders import get_embedder, model_id
    from annotations.matching.retrieval import ensure_vector_index
    from annotations.models import Article, ClaimEmbedding, Span, SuggestionRun
    from annotations.services.claim_import import claim_import
    from annotations.services.embeddings import claims_embed, claims_missing_embeddings
    from annotations.services.projects import claim_base_get_or_create, membership_set, project_get_or_create
    from annotations.services.review import assignment_create
    from annotations.services.tokens import token_create
    from annotations.services.users import user_ensure

    call_command("migrate", verbosity=0)
    project, _ = project_get_or_create(
        slug="bench-suggest", actor=None, claim_base=claim_base_get_or_create(slug=args.claim_base)
    )
    if project.claim_base.slug != args.claim_base:
        sys.exit("project bench-suggest must have a claim base of its own")

    stream = io.BytesIO(checkthat_claims_feed(args.claims))
    report = claim_import(project=project, sources=[("claims.jsonl", stream)], actor=None)
    embedder = get_embedder(settings.FACTCHECK_EMBEDDER, settings.FACTCHECK_EMBED_THREADS)
    model = model_id(embedder)

    # Throughput: the model alone on a sample of claims' texts and titles (a claim's work is both), then the
    # pipeline (read, embed, write) on the same claims.
    sample = list(project.claim_base.claims.order_by("pk").values_list("pk", "text", "title")[: args.throughput_sample])
    passages = [text for _, text, _ in sample] + [title for _, _, title in sample if title]
    started = time.perf_counter()
    embedder.embed_passages(passages)
    model_rate = len(sample) / (time.perf_counter() - started)
    ClaimEmbedding.objects.filter(claim_id__in=[pk for pk, _, _ in sample]).delete()
    started = time.perf_counter()
    for start in range(0, len(sample), 128):
        claims_embed(claim_ids=[pk for pk, _, _ in sample[start : start + 128]], embedder=embedder)
    pipeline_rate = len(sample) / (time.perf_counter() - started)
    missing = claims_missing_embeddings(limit=10_000_000, claim_base_id=project.claim_base_id)
    for start in range(0, len(missing), 256):
        claims_embed(claim_ids=missing[start : start + 256], embedder=embedder)
        print(f"\rembedding the claim base: {start + 256:,}/{len(missing):,}", end="", file=sys.stderr)
    ensure_vector_index(model)
    total_claims = project.claim_base.claims.count()

    # One worker and the web server, as in production; spans created through the API.
    user, _ = user_ensure(username="bench-annotator", password="bench-password-2026")
    membership_set(project=project, user=user, role=Role.ANNOTATOR, actor=None)
    _, key = token_create(user=user, name=f"bench {time.time()}")
    queries = []
    with (DATA / "clef2022-2a-en" / "queries.jsonl").open(encoding="utf-8") as lines:
        # Normalised as the importer stores text, so that the article is found again and the quotes match.
        queries = [normalize_text(json.loads(line)["text"]) for line in lines if line.strip()][: args.spans]
    text = "\n\n".join(queries)
    article = Article.objects.filter(project=project, text=text).first()
    if article is None:
        from annotations.services.articles import article_import

        article_import(
            project=project, sources=[("bench.jsonl", io.BytesIO(json.dumps({"text": text}).encode()))], actor=None
        )
        article = Article.objects.get(project=project, text=text)
    if not article.assignments.filter(reviewer=user).exists():
        assignment_create(article=article, reviewer=user, actor=None)
    Span.objects.filter(article=article).delete()

    import http.client

    latencies: list[float] = []
    span_ids: list[int] = []
    with web_and_worker() as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        headers = {"Authorization": f"Token {key}", "Content-Type": "application/json"}
        offset = 0
        for query in queries:
            start = article.text.index(query, offset)
            offset = start + len(query)
            body = json.dumps({"start": start, "end": start + len(query), "quote": query})
            connection.request("POST", f"/api/v1/articles/{article.pk}/spans", body=body, headers=headers)
            response = connection.getresponse()
            payload = json.loads(response.read())
            if response.status != 201:
                sys.exit(f"span create failed: {response.status} {payload}")
            deadline = time.monotonic() + 30
            while True:
                run = SuggestionRun.objects.filter(span_id=payload["id"]).values("status", "finished_at").first()
                if run and run["status"] == RunStatus.DONE:
                    break
                if time.monotonic() > deadline:
                    sys.exit(f"no suggestions for span {payload['id']} after 30 s")
                time.sleep(0.05)  # the latency comes from stored times; polling only paces the spans
            created = Span.objects.values_list("created_at", flat=True).get(pk=payload["id"])
            finished = run["finished_at"]
            assert finished is not None
            latencies.append((finished - created).total_seconds() * 1000)
            span_ids.append(payload["id"])

    print(
        f"claims in the claim base:         {total_claims:,} ({report.created:,} new this run), "
        f"{model.name}@{model.version}"
    )
    print(
        f"span commit -> stored suggestions: p50 {statistics.median(latencies):.0f} ms, "
        f"p95 {percentile(latencies, 95):.0f} ms, max {max(latencies):.0f} ms over {len(latencies)} spans "
        "(target: p95 < 300 ms, one worker)"
    )
    stages: dict[str, list[float]] = {}
    for timings in SuggestionRun.objects.filter(span_id__in=span_ids).values_list("timings", flat=True):
        for stage, ms in timings.items():
            stages.setdefault(stage, []).append(ms)
    print(
        "  stages in the worker (p50/p95 ms): "
        + ", ".join(f"{k} {statistics.median(v):.0f}/{percentile(v, 95):.0f}" for k, v in sorted(stages.items()))
    )
    print(
        f"model's own batch throughput:     {model_rate:.1f} claims/s ({len(sample):,} claims: "
        f"{len(passages):,} texts and titles)"
    )
    print(
        f"bulk claim embedding (pipeline):  {pipeline_rate:.1f} claims/s = {100 * pipeline_rate / model_rate:.0f}% "
        "of the model's (target: at least 80%)"
    )


if __name__ == "__main__":
    main()
