"""Reads of suggestion quality from real use: per model, how often reviewers accepted and at what rank."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from annotations.domain import Decision, RunStatus
from annotations.models import Project, Suggestion, SuggestionRun


@dataclass(frozen=True)
class ModelQuality:
    model_name: str
    model_version: str
    runs: int  # finished runs
    decided_runs: int  # runs where the reviewer accepted or rejected something
    accepted_runs: int
    acceptance_rate: float | None  # accepted / decided
    mrr_accepted: float | None  # mean of 1/rank over accepted suggestions (runs with an acceptance)


def suggestion_quality(*, project: Project) -> list[ModelQuality]:
    runs = (
        SuggestionRun.objects.filter(span__article__project=project, status=RunStatus.DONE)
        .values("model_name", "model_version")
        .annotate(
            runs=Count("id", distinct=True),
            decided=Count("id", filter=~Q(suggestions__decision=""), distinct=True),
            accepted=Count("id", filter=Q(suggestions__decision=Decision.ACCEPTED), distinct=True),
        )
        .order_by("model_name", "model_version")
    )
    ranks: dict[tuple[str, str], list[int]] = {}
    accepted = Suggestion.objects.filter(run__span__article__project=project, decision=Decision.ACCEPTED)
    for name, version, rank in accepted.values_list("run__model_name", "run__model_version", "rank"):
        ranks.setdefault((name, version), []).append(rank)
    result = []
    for row in runs:
        key = (row["model_name"], row["model_version"])
        found = ranks.get(key, [])
        result.append(
            ModelQuality(
                model_name=key[0],
                model_version=key[1],
                runs=row["runs"],
                decided_runs=row["decided"],
                accepted_runs=row["accepted"],
                acceptance_rate=row["accepted"] / row["decided"] if row["decided"] else None,
                mrr_accepted=sum(1 / r for r in found) / len(found) if found else None,
            )
        )
    return result
