"""Fuse ranked candidate lists (dense and lexical) into one ranking: pure functions, no Django.

Two fusions: weighted reciprocal-rank fusion (robust, needs no score calibration) and a weighted sum of
per-list normalised scores. Which one and which weights are chosen on development data (docs/matching.md).
Then a re-rank of the fused head by a second similarity (the span's to each claim's title), again by RRF.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

Candidates = Sequence[tuple[int, float]]  # (claim id, score), best first


@dataclass(frozen=True)
class FusionConfig:
    method: str = "rrf"  # "rrf" or "linear"
    k: float = 60.0  # RRF damping: larger k flattens the reward for top ranks
    weights: Mapping[str, float] | None = None  # per source name; missing sources weigh 1.0

    def weight(self, source: str) -> float:
        return 1.0 if self.weights is None else float(self.weights.get(source, 1.0))


@dataclass(frozen=True)
class Fused:
    claim_id: int
    rank: int  # from 1
    fused_score: float
    scores: Mapping[str, float]  # each source's raw score, where the claim was a candidate there


def fuse(lists: Mapping[str, Candidates], config: FusionConfig = FusionConfig(), top_k: int = 10) -> list[Fused]:
    """Combine candidate lists named by source ("dense", "lexical", ...) into the top_k claims.

    Ties are broken by claim id so the ranking is deterministic.
    """
    if config.method not in ("rrf", "linear"):
        raise ValueError(f"unknown fusion method {config.method!r}")
    if top_k < 1:
        raise ValueError("top_k must be at least 1")
    totals: dict[int, float] = {}
    raw: dict[int, dict[str, float]] = {}
    for source, candidates in lists.items():
        weight = config.weight(source)
        contributions = _rrf(candidates, config.k) if config.method == "rrf" else _min_max(candidates)
        for (claim_id, score), contribution in zip(candidates, contributions, strict=True):
            if claim_id in raw and source in raw[claim_id]:
                continue  # a claim listed twice by one source counts once, at its best rank
            raw.setdefault(claim_id, {})[source] = score
            totals[claim_id] = totals.get(claim_id, 0.0) + weight * contribution
    ordered = sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:top_k]
    return [Fused(claim_id=c, rank=i, fused_score=s, scores=raw[c]) for i, (c, s) in enumerate(ordered, start=1)]


def _rrf(candidates: Candidates, k: float) -> list[float]:
    return [1.0 / (k + rank) for rank in range(1, len(candidates) + 1)]


def _min_max(candidates: Candidates) -> list[float]:
    """Scores mapped to [0, 1] within the list; a list of equal scores maps to 1."""
    if not candidates:
        return []
    scores = [score for _, score in candidates]
    low, high = min(scores), max(scores)
    if high == low:
        return [1.0] * len(scores)
    return [(score - low) / (high - low) for score in scores]


@dataclass(frozen=True)
class RerankConfig:
    """Re-ranking the fused list's head by RRF of its fused rank and its rank by another similarity."""

    depth: int = 40  # how many fused candidates are re-ranked (at least top_k)
    k: float = 9.0  # RRF damping, ranks from 1 (bench/title_rerank.py's k = 10 counted them from 0)
    weight: float = 1.0  # the similarity rank's weight; the fused rank's is 1
    source: str = "title"  # the name the similarity is kept under in Fused.scores


def rerank(
    fused: Sequence[Fused], similarities: Mapping[int, float], config: RerankConfig = RerankConfig(), top_k: int = 10
) -> list[Fused]:
    """The first max(depth, top_k) of `fused` (best first) re-ranked by 1/(k + rank) + w/(k + similarity rank).

    The similarity rank is counted among those candidates only, which is what the choice was measured on. A
    candidate without a similarity gets no share of it. Ties keep the fused order. The new score replaces
    `fused_score`, so scores still fall with rank; the similarity joins `scores`.
    """
    if top_k < 1:
        raise ValueError("top_k must be at least 1")
    head = list(fused[: max(config.depth, top_k)])
    order = {f.claim_id: position for position, f in enumerate(head)}
    similar = sorted(
        (f.claim_id for f in head if f.claim_id in similarities), key=lambda c: (-similarities[c], order[c])
    )
    similarity_rank = {claim_id: rank for rank, claim_id in enumerate(similar, start=1)}
    score = {
        f.claim_id: 1.0 / (config.k + position + 1)
        + (config.weight / (config.k + similarity_rank[f.claim_id]) if f.claim_id in similarity_rank else 0.0)
        for position, f in enumerate(head)
    }
    ordered = sorted(head, key=lambda f: (-score[f.claim_id], order[f.claim_id]))[:top_k]
    reranked = []
    for rank, f in enumerate(ordered, start=1):
        scores = dict(f.scores)
        if f.claim_id in similarities:
            scores[config.source] = similarities[f.claim_id]
        reranked.append(replace(f, rank=rank, fused_score=score[f.claim_id], scores=scores))
    return reranked
