"""Ranking metrics as the CheckThat! lab defines them: pure functions over ids.

MAP@k divides each query's sum of precisions at relevant ranks (within k) by the number of gold pairs of
the query, so a query with two gold claims and one found scores at most 0.5; a query with no hit scores 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass


def average_precision_at(ranking: Sequence[str], gold: Set[str], k: int) -> float:
    if not gold:
        return 0.0
    hits = 0
    total = 0.0
    for position, item in enumerate(ranking[:k], start=1):
        if item in gold:
            hits += 1
            total += hits / position
    return total / len(gold)


def recall_at(ranking: Sequence[str], gold: Set[str], k: int) -> float:
    return len(gold & set(ranking[:k])) / len(gold) if gold else 0.0


def reciprocal_rank(ranking: Sequence[str], gold: Set[str]) -> float:
    for position, item in enumerate(ranking, start=1):
        if item in gold:
            return 1.0 / position
    return 0.0


@dataclass(frozen=True)
class Scores:
    queries: int
    map_at_1: float
    map_at_5: float
    recall_at_5: float
    mrr: float

    def as_dict(self) -> dict[str, float | int]:
        return {
            "queries": self.queries,
            "MAP@1": self.map_at_1,
            "MAP@5": self.map_at_5,
            "Recall@5": self.recall_at_5,
            "MRR": self.mrr,
        }


def score(rankings: Mapping[str, Sequence[str]], qrels: Mapping[str, Set[str]]) -> Scores:
    """Mean metrics over the queries of `qrels`; a query missing from `rankings` counts as all misses."""
    queries = [q for q in qrels if qrels[q]]
    if not queries:
        return Scores(queries=0, map_at_1=0.0, map_at_5=0.0, recall_at_5=0.0, mrr=0.0)
    n = len(queries)

    def mean(metric: object) -> float:
        return sum(metric(rankings.get(q, ()), qrels[q]) for q in queries) / n  # type: ignore[operator]

    return Scores(
        queries=n,
        map_at_1=mean(lambda r, g: average_precision_at(r, g, 1)),
        map_at_5=mean(lambda r, g: average_precision_at(r, g, 5)),
        recall_at_5=mean(lambda r, g: recall_at(r, g, 5)),
        mrr=mean(reciprocal_rank),
    )
