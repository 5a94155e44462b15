"""Agreement figures between reviewers: span F1, link kappa and alpha, boundary alpha, bootstrap intervals.

Pure (standard library and NumPy, no Django): `SpanItem`s keyed by article and reviewer in, numbers out.
The definitions, formulas and undefined cases are in DESIGN.md beside this file.

Layers, bottom up:
- coefficients on plain ratings (`krippendorff_alpha_nominal`, `coincidence_matrix`, `percent_agreement`,
  `cohen_kappa`, `cohen_kappa_table`, `fleiss_kappa`, `fleiss_kappa_counts`); undefined values are None;
- spans of one article: `pairwise_matches` (overlap-mode `match_pairs` for every reviewer pair at once),
  `link_units` (groups of mutually matched spans) and `link_ratings` (their units x raters matrix);
- many articles: `span_agreement` (two reviewers, micro P/R/F1) and `boundary_alpha` (per-character);
- `bootstrap_weights` and `percentile_interval`, and `agreement_report`, which computes everything with
  intervals from per-article sufficient statistics; `inputs_fingerprint` detects unchanged inputs.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt

from annotations.agreement.alignment import (
    MatchMode,
    Reviewer,
    ReviewerT,
    SpanItem,
    align,
    match_pairs,
    overlap_length,
)

ArticleId = int | str
# The article key type of one call (Article pks or slugs); reviewers keep alignment's ReviewerT.
ArticleT = TypeVar("ArticleT", bound=ArticleId)
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# Part of every fingerprint: bump it when a definition here changes, so stored snapshots are recomputed.
METRICS_VERSION = 2  # 2: span F1 undefined, not 1, in resamples without a reviewer pair
DEFAULT_SEED = 20260301
DEFAULT_RESAMPLES = 1000
DEFAULT_LEVEL = 0.95

SpanPairs = list[tuple[SpanItem, SpanItem]]


def _reviewer_order(reviewer: Reviewer) -> tuple[int, int, str]:
    """A total order over reviewer keys (ints before strings), so pairs and fingerprints are canonical."""
    return (0, reviewer, "") if isinstance(reviewer, int) else (1, 0, reviewer)


def _span_order(span: SpanItem) -> tuple[int, int, int]:
    return (span.start, span.end, span.id)


# --- coefficients on plain ratings -----------------------------------------------------------------------


def _ratings_matrix(ratings: npt.ArrayLike) -> FloatArray:
    matrix = np.asarray(ratings, dtype=np.float64)
    if matrix.ndim != 2:
        raise ValueError(f"ratings must be a units x raters matrix, got shape {matrix.shape}")
    return matrix


def _unit_category_counts(ratings: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """(categories, counts): counts[u, c] = how many raters gave unit u the value categories[c]."""
    matrix = _ratings_matrix(ratings)
    present = ~np.isnan(matrix)
    categories, codes = np.unique(matrix[present], return_inverse=True)
    n_units, n_categories = matrix.shape[0], len(categories)
    unit_of_value = np.nonzero(present)[0]  # row-major, the order of matrix[present]
    counts = np.bincount(unit_of_value * n_categories + codes.ravel(), minlength=n_units * n_categories)
    return categories, counts.reshape(n_units, n_categories).astype(np.float64)


def coincidence_matrix(ratings: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Krippendorff's coincidence matrix of a units x raters matrix of category codes (NaN = missing).

    Returns (categories, o) with the sorted distinct codes and o[c, k] = sum over units u with m_u >= 2
    values of (n_uc * n_uk - [c == k] * n_uc) / (m_u - 1), where n_uc counts the value c in unit u. Units
    with fewer than two values are not pairable and contribute nothing. o is symmetric; its total is n,
    the number of pairable values, and its row sums are the category totals n_c.
    """
    categories, counts = _unit_category_counts(ratings)
    values_per_unit = counts.sum(axis=1)
    pairable = counts[values_per_unit >= 2]
    weighted = pairable / (pairable.sum(axis=1) - 1)[:, None]
    return categories, weighted.T @ pairable - np.diag(weighted.sum(axis=0))


def krippendorff_alpha_nominal(ratings: npt.ArrayLike) -> float | None:
    """Krippendorff's alpha for nominal data: 1 - D_o / D_e from the coincidence matrix.

    `ratings`: units x raters, category codes as numbers, NaN for a missing value; any number of raters.
    alpha = 1 - (n - 1) * (n - sum_c o_cc) / (n^2 - sum_c n_c^2). None when undefined: no pairable
    values, or every pairable value is the same category (D_e = 0).
    """
    _, counts = _unit_category_counts(ratings)
    pairable = counts[counts.sum(axis=1) >= 2]
    m = pairable.sum(axis=1)
    n = float(m.sum())
    diagonal = float((pairable * (pairable - 1) / (m - 1)[:, None]).sum())
    totals = pairable.sum(axis=0)
    expected = n * n - float((totals * totals).sum())  # integral: counts are whole numbers
    if expected < 0.5:
        return None
    return 1.0 - (n - 1.0) * (n - diagonal) / expected


def percent_agreement(ratings: npt.ArrayLike) -> float | None:
    """Share of agreeing pairs of values within units, sum_c o_cc / n (the observed agreement of alpha).

    For two raters and no missing value this is the share of units rated alike. None when no unit has
    two values.
    """
    _, o = coincidence_matrix(ratings)
    n = float(o.sum())
    return float(np.trace(o)) / n if n > 0 else None


def cohen_kappa_table(table: npt.ArrayLike) -> float | None:
    """Cohen's kappa from a C x C contingency table (rows: rater 1's category, columns: rater 2's).

    kappa = (p_o - p_e) / (1 - p_e), p_o = trace / N, p_e = sum_c rows_c * cols_c / N^2. None when
    N = 0 or p_e = 1 (both raters used one and the same category throughout).
    """
    counts = np.asarray(table, dtype=np.float64)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"a contingency table is square, got shape {counts.shape}")
    n = float(counts.sum())
    chance = float(counts.sum(axis=1) @ counts.sum(axis=0))
    return _kappa(n, float(np.trace(counts)), chance)


def _kappa(n: float, agree: float, chance: float) -> float | None:
    # (p_o - p_e) / (1 - p_e) multiplied through by N^2; N and the marginals are whole numbers.
    denominator = n * n - chance
    if denominator < 0.5:
        return None
    return (agree * n - chance) / denominator


def cohen_kappa(a: Sequence[Hashable | None], b: Sequence[Hashable | None]) -> float | None:
    """Cohen's kappa of two raters over the same units: a[i] and b[i] are their categories of unit i.

    A unit where either value is None (missing) is left out. None when undefined (see cohen_kappa_table).
    """
    if len(a) != len(b):
        raise ValueError(f"two raters need the same units, got {len(a)} and {len(b)} values")
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]
    index: dict[Hashable, int] = {}
    for x, y in pairs:
        index.setdefault(x, len(index))
        index.setdefault(y, len(index))
    table = np.zeros((len(index), len(index)))
    for x, y in pairs:
        table[index[x], index[y]] += 1
    return cohen_kappa_table(table)


def fleiss_kappa_counts(counts: npt.ArrayLike) -> float | None:
    """Fleiss' kappa from a units x categories matrix of counts, every row summing to the same n >= 2.

    P_i = (sum_j n_ij^2 - n) / (n (n - 1)), P = mean_i P_i, p_j = sum_i n_ij / (N n), P_e = sum_j p_j^2,
    kappa = (P - P_e) / (1 - P_e). None when there is no unit or P_e = 1 (one category throughout).
    """
    table = np.asarray(counts, dtype=np.float64)
    if table.ndim != 2:
        raise ValueError(f"counts must be units x categories, got shape {table.shape}")
    if table.shape[0] == 0:
        return None
    raters = table.sum(axis=1)
    if not np.all(raters == raters[0]) or raters[0] < 2:
        raise ValueError("Fleiss' kappa needs the same number (at least 2) of ratings in every unit")
    k = float(raters[0])
    units = float(table.shape[0])
    sum_p = float(((table * table).sum(axis=1) - k).sum()) / (k * (k - 1))
    totals = table.sum(axis=0)
    return _fleiss(units, sum_p, k, float(totals @ totals))


def _fleiss(units: float, sum_p: float, k: float, totals_squared: float) -> float | None:
    ratings = units * k
    denominator = ratings * ratings - totals_squared  # (1 - P_e) * (N k)^2, whole numbers
    if units == 0 or denominator < 0.5:
        return None
    mean_p = sum_p / units
    chance = totals_squared / (ratings * ratings)
    return (mean_p - chance) / (1.0 - chance)


def fleiss_kappa(ratings: npt.ArrayLike) -> float | None:
    """Fleiss' kappa of a units x raters matrix of codes (NaN = missing), on the units rated by every rater.

    Fleiss' kappa assumes a fixed number of ratings per unit, so a unit with a missing value is left out
    (alpha, which allows missing values, uses them). None when undefined (see fleiss_kappa_counts).
    """
    matrix = _ratings_matrix(ratings)
    if matrix.shape[1] < 2:
        raise ValueError("Fleiss' kappa needs at least two raters")
    complete = matrix[~np.isnan(matrix).any(axis=1)]
    _, counts = _unit_category_counts(complete)
    return fleiss_kappa_counts(counts)


# --- spans of one article -----------------------------------------------------------------------------------


def pairwise_matches(
    spans_by_reviewer: Mapping[ReviewerT, Sequence[SpanItem]],
) -> dict[tuple[ReviewerT, ReviewerT], SpanPairs]:
    """Overlap-mode `match_pairs` for every pair of reviewers of ONE article, keyed (r_i, r_j), i < j.

    The keys follow the mapping's order; the result equals match_pairs(spans[r_i], spans[r_j],
    mode="overlap") for each pair (the tests check this). It is computed from one `align` call: two spans
    overlap only within one group, and the overlap matching is solved per connected component, so each
    group can be matched alone; a group where the two reviewers have one span each is one pair if the
    spans overlap. Each span's `reviewer` must equal its key (as for `align`).
    """
    reviewers = list(spans_by_reviewer)
    matches: dict[tuple[ReviewerT, ReviewerT], SpanPairs] = {
        (first, second): [] for i, first in enumerate(reviewers) for second in reviewers[i + 1 :]
    }
    for group in align(spans_by_reviewer):
        present = [(reviewer, spans) for reviewer, spans in group.by_reviewer.items() if spans]
        for i, (first, first_spans) in enumerate(present):
            for second, second_spans in present[i + 1 :]:
                pairs = matches[(first, second)]
                if len(first_spans) == 1:
                    pair = _star_pair(first_spans[0], second_spans)
                    if pair is not None:
                        pairs.append(pair)
                elif len(second_spans) == 1:
                    pair = _star_pair(second_spans[0], first_spans)
                    if pair is not None:
                        pairs.append((pair[1], pair[0]))
                else:
                    pairs.extend(match_pairs(first_spans, second_spans, mode="overlap"))
    # Groups come in order and do not interleave, so each list is already in match_pairs' order.
    return matches


def _star_pair(x: SpanItem, others: Sequence[SpanItem]) -> tuple[SpanItem, SpanItem] | None:
    """match_pairs([x], others, mode="overlap") for one span against several: its single best pair.

    The same order as alignment's one-sided ("star") components: the largest overlap, then the smallest
    boundary displacement, then the earliest pair by its spans' sorted (start, end, id) keys.
    """
    best: tuple[SpanItem, SpanItem] | None = None
    best_rank: tuple[int, int, tuple[tuple[int, int, int], ...]] | None = None
    for y in others:
        shared = overlap_length(x, y)
        if shared > 0:
            rank = (
                -shared,
                abs(x.start - y.start) + abs(x.end - y.end),
                tuple(sorted((_span_order(x), _span_order(y)))),
            )
            if best_rank is None or rank < best_rank:
                best, best_rank = (x, y), rank
    return best


@dataclass(frozen=True)
class LinkUnit(Generic[ReviewerT]):
    """One unit of link agreement: at most one span per reviewer, the spans matched to each other.

    `spans`: the reviewers that have a span in this unit, in the order given to `link_units`. A reviewer
    absent here, or whose span has no link (link None), has a missing value for the unit.
    """

    spans: Mapping[ReviewerT, SpanItem] = field(hash=False)

    @property
    def start(self) -> int:
        return min(span.start for span in self.spans.values())

    @property
    def end(self) -> int:
        return max(span.end for span in self.spans.values())

    @property
    def links(self) -> dict[ReviewerT, str]:
        """The values of the unit: each reviewer's link category, missing values left out."""
        return {reviewer: span.link for reviewer, span in self.spans.items() if span.link is not None}


def link_units(
    spans_by_reviewer: Mapping[ReviewerT, Sequence[SpanItem]],
    *,
    matches: Mapping[tuple[ReviewerT, ReviewerT], SpanPairs] | None = None,
) -> list[LinkUnit[ReviewerT]]:
    """The link units of ONE article across its k reviewers, ordered by (start, end) of their spans.

    Rule (DESIGN.md, "Link units"): take the overlap-mode pairs of every reviewer pair (`pairwise_matches`,
    or `matches` if given, e.g. computed once by the caller) as edges; each connected component of spans
    is a unit. Pairings are one-to-one per reviewer pair, but a chain across three reviewers (A1-B1,
    B1-C1, C1-A2) can bring two spans of one reviewer into a component: then each reviewer keeps the span
    with the most edges in the component (ties: the earliest (start, end, id)), each span left out becomes
    a unit of its own, and the kept spans split into the components of the edges among them. Every span
    is in exactly one unit; an unmatched span is a unit with one value, which no coefficient can pair.
    """
    reviewers = list(spans_by_reviewer)
    if matches is None:
        matches = pairwise_matches(spans_by_reviewer)
    spans = [span for reviewer in reviewers for span in spans_by_reviewer[reviewer]]
    owner = [reviewer for reviewer in reviewers for _ in spans_by_reviewer[reviewer]]
    index = {span: i for i, span in enumerate(spans)}
    if len(index) != len(spans):
        raise ValueError("a span was passed twice (span ids must be unique within one article)")
    neighbours: list[set[int]] = [set() for _ in spans]
    for pairs in matches.values():
        for x, y in pairs:
            i, j = index[x], index[y]
            neighbours[i].add(j)
            neighbours[j].add(i)

    units: list[list[int]] = []
    for component in _components(range(len(spans)), neighbours):
        by_reviewer: dict[ReviewerT, list[int]] = {}
        for i in component:
            by_reviewer.setdefault(owner[i], []).append(i)
        if all(len(members) == 1 for members in by_reviewer.values()):
            units.append(component)
            continue
        kept = {
            min(members, key=lambda i: (-len(neighbours[i]), _span_order(spans[i]))) for members in by_reviewer.values()
        }
        units.extend([i] for i in component if i not in kept)
        units.extend(_components(sorted(kept), neighbours))

    position = {reviewer: r for r, reviewer in enumerate(reviewers)}
    result = [
        LinkUnit(spans={owner[i]: spans[i] for i in sorted(unit, key=lambda i: position[owner[i]])}) for unit in units
    ]
    result.sort(key=lambda unit: min(_span_order(span) for span in unit.spans.values()))
    return result


def _components(nodes: Sequence[int] | range, neighbours: Sequence[set[int]]) -> list[list[int]]:
    """Connected components of the graph restricted to `nodes`, each sorted, in order of their first node."""
    allowed = set(nodes)
    seen: set[int] = set()
    components: list[list[int]] = []
    for node in nodes:
        if node in seen:
            continue
        seen.add(node)
        stack, component = [node], []
        while stack:
            current = stack.pop()
            component.append(current)
            for other in neighbours[current]:
                if other in allowed and other not in seen:
                    seen.add(other)
                    stack.append(other)
        components.append(sorted(component))
    return components


def link_ratings(
    units: Sequence[LinkUnit[ReviewerT]],
    reviewers: Sequence[ReviewerT],
    *,
    categories: Sequence[str] | None = None,
) -> tuple[FloatArray, list[str]]:
    """(matrix, categories): the units x reviewers matrix of link codes for the coefficients above.

    matrix[u, r] is the index in `categories` of reviewer r's link in unit u, NaN when missing.
    `categories` defaults to the sorted links seen; a link outside given categories is a ValueError.
    """
    seen = sorted({link for unit in units for link in unit.links.values()})
    names = list(categories) if categories is not None else seen
    code = {name: float(i) for i, name in enumerate(names)}
    unknown = [link for link in seen if link not in code]
    if unknown:
        raise ValueError(f"links outside the given categories: {unknown[:5]}")
    column = {reviewer: j for j, reviewer in enumerate(reviewers)}
    matrix = np.full((len(units), len(reviewers)), np.nan)
    for u, unit in enumerate(units):
        for reviewer, link in unit.links.items():
            matrix[u, column[reviewer]] = code[link]
    return matrix, names


# --- many articles: span F1 and boundary alpha -----------------------------------------------------------


@dataclass(frozen=True)
class SpanTotals:
    """Span agreement of reviewer b against the reference a, from counts (the `span_prf` conventions).

    precision = matched / n_b, recall = matched / n_a, f1 = 2 matched / (n_a + n_b). Nothing on either
    side: all three 1.0 (agreeing on saying nothing); one side empty: the 0/0 ratio is 0.0.
    """

    matched: int
    n_a: int
    n_b: int
    precision: float
    recall: float
    f1: float

    @classmethod
    def of(cls, matched: int, n_a: int, n_b: int) -> SpanTotals:
        if n_a == 0 and n_b == 0:
            return cls(matched=0, n_a=0, n_b=0, precision=1.0, recall=1.0, f1=1.0)
        return cls(
            matched=matched,
            n_a=n_a,
            n_b=n_b,
            precision=matched / n_b if n_b else 0.0,
            recall=matched / n_a if n_a else 0.0,
            f1=2 * matched / (n_a + n_b),
        )


@dataclass(frozen=True)
class SpanAgreement:
    """Two reviewers over many articles: micro-averaged totals (counts summed first) and per-article ones."""

    mode: MatchMode
    micro: SpanTotals
    per_article: dict[ArticleId, SpanTotals]


def span_agreement(
    spans_by_article: Mapping[ArticleT, tuple[Sequence[SpanItem], Sequence[SpanItem]]], *, mode: MatchMode
) -> SpanAgreement:
    """Micro P/R/F1 of reviewer b against a: article_id -> (spans_a, spans_b), `match_pairs` per article."""
    per_article: dict[ArticleId, SpanTotals] = {}
    for article_id, (spans_a, spans_b) in spans_by_article.items():
        matched = len(match_pairs(spans_a, spans_b, mode=mode))
        per_article[article_id] = SpanTotals.of(matched, len(spans_a), len(spans_b))
    micro = SpanTotals.of(
        sum(t.matched for t in per_article.values()),
        sum(t.n_a for t in per_article.values()),
        sum(t.n_b for t in per_article.values()),
    )
    return SpanAgreement(mode=mode, micro=micro, per_article=per_article)


def _exact_matched(bounds_a: Counter[tuple[int, int]], bounds_b: Counter[tuple[int, int]]) -> int:
    """len(match_pairs(a, b, mode="exact")) from each side's count of spans per (start, end): duplicates
    pair off one to one, so each bounds contributes the smaller count."""
    if len(bounds_b) < len(bounds_a):
        bounds_a, bounds_b = bounds_b, bounds_a
    return sum(min(count, bounds_b[bounds]) for bounds, count in bounds_a.items() if bounds in bounds_b)


@dataclass(frozen=True)
class BoundaryAgreement:
    """Krippendorff's alpha on per-character "inside a span of reviewer r" labels: pooled and per article."""

    alpha: float | None
    per_article: dict[ArticleId, float | None]


def boundary_alpha(
    articles: Mapping[ArticleT, Mapping[ReviewerT, Sequence[SpanItem]]],
    *,
    text_lengths: Mapping[ArticleT, int] | None = None,
) -> BoundaryAgreement:
    """Unit-level alpha of span boundaries: every character a unit, every reviewer of its article a rater.

    A reviewer's value for a character is 1 if any of their spans covers it (nested or overlapping spans
    of one reviewer count once), else 0. `text_lengths[article]` is the article's length in code points;
    without it the article is taken to end at its last span end (the trailing characters, on which all
    agree, are then not counted). An article with one reviewer has no pairable values.
    """
    ids = list(articles)
    stats = _boundary_stats([articles[a] for a in ids], _lengths(articles, text_lengths))
    per_article = stats.alpha_per_article()
    return BoundaryAgreement(
        alpha=_finite(stats.pooled_alpha()),
        per_article={a: _finite(per_article[i]) for i, a in enumerate(ids)},
    )


def _lengths(
    articles: Mapping[ArticleT, Mapping[ReviewerT, Sequence[SpanItem]]],
    text_lengths: Mapping[ArticleT, int] | None,
) -> list[int]:
    lengths = []
    for article_id, by_reviewer in articles.items():
        last_end = max((span.end for spans in by_reviewer.values() for span in spans), default=0)
        length = text_lengths[article_id] if text_lengths is not None and article_id in text_lengths else last_end
        if length < last_end:
            raise ValueError(f"article {article_id!r}: a span ends at {last_end}, past its length {length}")
        lengths.append(length)
    return lengths


@dataclass(frozen=True)
class _BoundaryStats:
    """Per article: pairable values n, disagreeing coincidences o_01 + o_10, and the totals n_0, n_1.

    Binary, so the expected disagreement n^2 - n_0^2 - n_1^2 is 2 n_0 n_1: every figure is linear in these.
    """

    n: FloatArray
    disagree: FloatArray
    zeros: FloatArray
    ones: FloatArray

    def alpha_per_article(self) -> FloatArray:
        return _alpha(self.n, self.disagree, 2.0 * self.zeros * self.ones)

    def pooled_alpha(self) -> float:
        n, disagree, zeros, ones = (
            np.array([values.sum()]) for values in (self.n, self.disagree, self.zeros, self.ones)
        )
        return float(_alpha(n, disagree, 2.0 * zeros * ones)[0])


def _boundary_stats(articles: Sequence[Mapping[Any, Sequence[SpanItem]]], lengths: Sequence[int]) -> _BoundaryStats:
    """Sufficient statistics of boundary alpha, vectorised over all spans (no per-character arrays).

    Each (article, reviewer) is a track. Per track, the union of its spans comes from sorted +1/-1
    boundary events; the tracks' union boundaries are then merged in global offsets (the articles laid
    end to end), so the number of reviewers covering a character is constant between two consecutive
    boundaries. covered[a, c] = characters of article a covered by exactly c of its reviewers.
    """
    n_articles = len(articles)
    raters = np.array([len(by_reviewer) for by_reviewer in articles], dtype=np.int64)
    length = np.asarray(lengths, dtype=np.int64).reshape(n_articles)
    offset = np.concatenate([[0], np.cumsum(length)[:-1]]).astype(np.int64) if n_articles else length
    starts: list[int] = []
    ends: list[int] = []
    tracks: list[int] = []
    track = 0
    for a, by_reviewer in enumerate(articles):
        base = int(offset[a])
        for spans in by_reviewer.values():
            for span in spans:
                starts.append(base + span.start)
                ends.append(base + span.end)
                tracks.append(track)
            track += 1
    max_raters = int(raters.max()) if n_articles else 0
    width = max_raters + 1
    covered = np.zeros((n_articles, width))
    if starts:
        position = np.concatenate([np.asarray(starts), np.asarray(ends)])
        delta = np.concatenate([np.ones(len(starts), np.int64), -np.ones(len(ends), np.int64)])
        track_of = np.concatenate([np.asarray(tracks), np.asarray(tracks)])
        # 1. Each track's coverage, read after the last event at each (track, position).
        order = np.lexsort((position, track_of))
        position, delta, track_of = position[order], delta[order], track_of[order]
        coverage = np.cumsum(delta)  # a track's events sum to 0, so one track's count never leaks into the next
        last = np.ones(len(position), dtype=bool)
        last[:-1] = (position[1:] != position[:-1]) | (track_of[1:] != track_of[:-1])
        inside = coverage[last] > 0
        # Before a track's first position comes the previous track's last, where coverage is back to 0.
        was_inside = np.concatenate([[False], inside[:-1]])
        changed = inside != was_inside
        union_position = position[last][changed]
        union_delta = np.where(inside[changed], 1, -1)
        # 2. The tracks' unions merged: how many reviewers cover each stretch between two boundaries.
        order = np.argsort(union_position, kind="stable")
        union_position = union_position[order]
        count = np.cumsum(union_delta[order])
        last = np.ones(len(union_position), dtype=bool)
        last[:-1] = union_position[1:] != union_position[:-1]
        boundary, count = union_position[last], count[last][:-1]
        stretch = np.diff(boundary)
        keep = count > 0  # a covered stretch lies inside one article
        article_of = np.searchsorted(offset, boundary[:-1][keep], side="right") - 1
        histogram = np.bincount(article_of * width + count[keep], weights=stretch[keep], minlength=n_articles * width)
        covered = np.asarray(histogram, dtype=np.float64).reshape(n_articles, width)
    covered[:, 0] = length - covered[:, 1:].sum(axis=1)
    c = np.arange(width, dtype=np.float64)
    m = raters.astype(np.float64)
    pairable = raters >= 2
    with np.errstate(divide="ignore", invalid="ignore"):
        # A character covered by c of m reviewers: c (m - c) ordered disagreeing pairs, over m - 1.
        disagree = np.where(pairable, 2.0 * (covered * c * (m[:, None] - c)).sum(axis=1) / (m - 1.0), 0.0)
    ones = np.where(pairable, covered @ c, 0.0)
    n = np.where(pairable, m * length, 0.0)
    return _BoundaryStats(n=n, disagree=disagree, zeros=n - ones, ones=ones)


# --- figures from sums (arrays: one value per resample, NaN where undefined) -------------------------------


def _alpha(n: FloatArray, disagree: FloatArray, expected: FloatArray) -> FloatArray:
    """1 - (n - 1) * (off-diagonal coincidences) / (n^2 - sum_c n_c^2); NaN where D_e = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1.0 - (n - 1.0) * disagree / expected
    return np.where(expected >= 0.5, alpha, np.nan)  # `expected` is a whole number


def _kappa_values(n: FloatArray, agree: FloatArray, chance: FloatArray) -> FloatArray:
    """Cohen's (p_o - p_e) / (1 - p_e) times N^2: (agree N - chance) / (N^2 - chance); NaN where p_e = 1."""
    denominator = n * n - chance
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = (agree * n - chance) / denominator
    return np.where(denominator >= 0.5, kappa, np.nan)


def _fleiss_values(units: FloatArray, sum_p: FloatArray, squared: FloatArray, k: int) -> FloatArray:
    """Fleiss' (P - P_e) / (1 - P_e) with P = sum_p / N and P_e = sum_j tot_j^2 / (N k)^2."""
    ratings = units * k
    denominator = ratings * ratings - squared  # (1 - P_e) (N k)^2, a whole number
    with np.errstate(divide="ignore", invalid="ignore"):
        chance = squared / (ratings * ratings)
        kappa = (sum_p / units - chance) / (1.0 - chance)
    return np.where((units > 0) & (denominator >= 0.5), kappa, np.nan)


def _ratio(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def _f1_values(matched: FloatArray, spans: FloatArray, articles: FloatArray | None = None) -> FloatArray:
    """2 matched / (n_a + n_b), 1.0 where neither side marked anything (the span_prf convention); NaN where
    `articles`, the number of articles with a reviewer pair in the (re)sample, is 0: a resample that drew
    none of a pair's articles measures nothing, it is not perfect agreement."""
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.where(spans > 0, 2.0 * matched / spans, 1.0)
    return values if articles is None else np.where(articles > 0, values, np.nan)


def _finite(value: float | np.floating[Any]) -> float | None:
    return float(value) if np.isfinite(value) else None


# --- bootstrap -----------------------------------------------------------------------------------------------


def bootstrap_weights(n_articles: int, *, resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED) -> FloatArray:
    """resamples x n_articles: how often each article is drawn in each resample (n draws with replacement).

    A figure that is a function of per-article sums is then evaluated on `weights @ per_article`.
    Deterministic for given (n_articles, resamples, seed): NumPy's default_rng (PCG64).
    """
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, got {resamples}")
    if n_articles == 0:
        return np.zeros((resamples, 0))
    draws = np.random.default_rng(seed).integers(0, n_articles, size=(resamples, n_articles))
    flat = draws + (np.arange(resamples) * n_articles)[:, None]
    counts = np.bincount(flat.ravel(), minlength=resamples * n_articles)
    return counts.reshape(resamples, n_articles).astype(np.float64)


def percentile_interval(samples: npt.ArrayLike, level: float = DEFAULT_LEVEL) -> tuple[float | None, float | None]:
    """The (1 - level)/2 and (1 + level)/2 quantiles of the defined (finite) samples; (None, None) if none."""
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    values = np.asarray(samples, dtype=np.float64)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None, None
    low, high = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


@dataclass(frozen=True)
class Estimate:
    """A figure and its bootstrap percentile interval; None where undefined (see DESIGN.md).

    `resamples_defined`: how many resamples gave a defined value; the interval is over those.
    """

    value: float | None
    low: float | None
    high: float | None
    resamples_defined: int


def _estimate(values: FloatArray, level: float) -> Estimate:
    """Row 0 of `values` is the point estimate, the rest are the resamples (the `_Sums` layout)."""
    low, high = percentile_interval(values[1:], level)
    return Estimate(value=_finite(values[0]), low=low, high=high, resamples_defined=int(np.isfinite(values[1:]).sum()))


# Per-article category totals: parallel lists (article index, category code, value).
_Entries = tuple[list[int], list[int], list[float]]


def _entries_add(entries: _Entries, article: int, counts: Mapping[int, int]) -> None:
    for code, count in counts.items():
        entries[0].append(article)
        entries[1].append(code)
        entries[2].append(float(count))


class _Sums:
    """The weighted per-article sums every figure is a function of, for all weight rows in one pass.

    `weights` rows: row 0 all ones (the point estimate), then the bootstrap resamples. A linear sum is
    weights @ per_article. A cross sum is sum_c X_c Y_c with X_c = sum_a w_a x_ac: the non-linear part of
    the chance terms (sum_c n_c^2 of alpha and Fleiss, sum_c rows_c cols_c of kappa), from sparse
    per-article totals. Categories present in one article only contribute w_a^2 x_ac y_ac, a linear sum in
    the squared weights; the rest take one gather and one bincount per weight row.
    """

    def __init__(self, weights: FloatArray) -> None:
        self.weights = weights
        self._linear: dict[str, FloatArray] = {}
        self._cross: dict[str, tuple[_Entries, _Entries | None]] = {}

    def linear(self, name: str, per_article: FloatArray) -> None:
        self._linear[name] = per_article

    def cross(self, name: str, x: _Entries, y: _Entries | None = None) -> None:
        """sum_c X_c Y_c; y None means y = x (a sum of squares)."""
        self._cross[name] = (x, y)

    def compute(self) -> dict[str, FloatArray]:
        rows, n_articles = self.weights.shape
        result: dict[str, FloatArray] = {}
        if self._linear:
            stacked = self.weights @ np.column_stack(list(self._linear.values()))
            result.update({name: stacked[:, i] for i, name in enumerate(self._linear)})
        if not self._cross:
            return result
        names = list(self._cross)
        single = np.zeros((n_articles, len(names)))
        sparse, dense = _Slots(), _Slots()
        for t, name in enumerate(names):
            x, y = self._cross[name]
            x_arrays = _entry_arrays(x)
            y_arrays = x_arrays if y is None else _entry_arrays(y)
            single[:, t] = _cross_layout(t, x_arrays, y_arrays if y is not None else None, n_articles, sparse, dense)
        sums = (self.weights * self.weights) @ single
        if dense.size:
            # Categories in many articles: one dense matrix product (BLAS) beats gathering their entries.
            matrix = np.zeros((n_articles, dense.size))
            np.add.at(matrix, (dense.article(), dense.slot()), dense.value())
            totals = self.weights @ matrix
            sums += _per_term(totals[:, dense.left()] * totals[:, dense.right()], dense.term(), len(names))
        if sparse.size:
            article, slot, value = sparse.article(), sparse.slot(), sparse.value()
            left, right, term = sparse.left(), sparse.right(), sparse.term()
            for r in range(rows):
                row = np.bincount(slot, weights=self.weights[r].take(article) * value, minlength=sparse.size)
                sums[r] += np.bincount(term, weights=row[left] * row[right], minlength=len(names))
        result.update({name: sums[:, t] for t, name in enumerate(names)})
        return result


def _entry_arrays(entries: _Entries) -> tuple[IntArray, IntArray, FloatArray]:
    return (
        np.asarray(entries[0], dtype=np.int64),
        np.asarray(entries[1], dtype=np.int64),
        np.asarray(entries[2], dtype=np.float64),
    )


def _per_term(products: FloatArray, term: IntArray, n_terms: int) -> FloatArray:
    """Sum the product columns of each term: rows x products -> rows x terms."""
    indicator = np.zeros((len(term), n_terms))
    indicator[np.arange(len(term)), term] = 1.0
    return products @ indicator


class _Slots:
    """Positions of category totals in one weighted-sum vector: the entries gathered, the slots multiplied."""

    def __init__(self) -> None:
        self.size = 0
        self._entries: list[tuple[IntArray, IntArray, FloatArray]] = []
        self._products: list[tuple[IntArray, IntArray, int]] = []

    def add(
        self,
        term: int,
        x: tuple[IntArray, IntArray, FloatArray],
        y: tuple[IntArray, IntArray, FloatArray] | None,
        categories: IntArray,
    ) -> None:
        """Slots for `categories` of x (and of y, unless y is None: then X_c X_c), and their products."""
        if len(categories) == 0:
            return
        left = self.size + np.arange(len(categories))
        self._entries.append(_select(x, categories, self.size))
        right = left
        if y is not None:
            right = left + len(categories)
            self._entries.append(_select(y, categories, self.size + len(categories)))
        self._products.append((left, right, term))
        self.size += len(categories) if y is None else 2 * len(categories)

    def article(self) -> IntArray:
        return np.concatenate([e[0] for e in self._entries])

    def slot(self) -> IntArray:
        return np.concatenate([e[1] for e in self._entries])

    def value(self) -> FloatArray:
        return np.concatenate([e[2] for e in self._entries])

    def left(self) -> IntArray:
        return np.concatenate([p[0] for p in self._products])

    def right(self) -> IntArray:
        return np.concatenate([p[1] for p in self._products])

    def term(self) -> IntArray:
        return np.concatenate([np.full(len(p[0]), p[2], dtype=np.int64) for p in self._products])


def _select(
    entries: tuple[IntArray, IntArray, FloatArray], categories: IntArray, first_slot: int
) -> tuple[IntArray, IntArray, FloatArray]:
    """The entries whose category is in the sorted `categories`, with slot first_slot + its index there."""
    article, category, value = entries
    index = np.searchsorted(categories, category)
    found = index < len(categories)
    found[found] = categories[index[found]] == category[found]
    return article[found], first_slot + index[found], value[found]


# A category in at least 1/_DENSE_SHARE of the articles goes to the dense product.
_DENSE_SHARE = 32


def _cross_layout(
    term: int,
    x: tuple[IntArray, IntArray, FloatArray],
    y: tuple[IntArray, IntArray, FloatArray] | None,
    n_articles: int,
    sparse: _Slots,
    dense: _Slots,
) -> FloatArray:
    """Place one cross term's categories: returns the single-article part, per article.

    Only categories on both sides matter. A category seen in one article only contributes
    w_a^2 x_ac y_ac (returned per article, for the squared weights); one seen in many articles goes to
    `dense`, the others to `sparse`.
    """
    x_article, x_category, _ = x
    y_article, y_category, _ = y if y is not None else x
    common = np.intersect1d(x_category, y_category)
    x_keep, y_keep = np.isin(x_category, common), np.isin(y_category, common)
    keys = np.unique(
        np.concatenate([x_category[x_keep], y_category[y_keep]]) * n_articles
        + np.concatenate([x_article[x_keep], y_article[y_keep]])
    )
    category_of_key = keys // max(n_articles, 1)
    articles_per_category = np.searchsorted(category_of_key, common, side="right") - np.searchsorted(
        category_of_key, common
    )
    is_dense = articles_per_category * _DENSE_SHARE >= n_articles
    is_single = (articles_per_category == 1) & ~is_dense
    sparse.add(term, x, y, common[~is_single & ~is_dense])
    dense.add(term, x, y, common[is_dense & (articles_per_category > 1)])

    singles = common[is_single | (is_dense & (articles_per_category == 1))]
    if len(singles) == 0:
        return np.zeros(n_articles)
    # One article per such category: x_c is the sum of its x entries, y_c likewise, both from that article.
    x_article_s, x_index, x_value_s = _select(x, singles, 0)
    _, y_index, y_value_s = _select(y if y is not None else x, singles, 0)
    x_total = np.bincount(x_index, weights=x_value_s, minlength=len(singles))
    y_total = np.bincount(y_index, weights=y_value_s, minlength=len(singles))
    article_of = np.zeros(len(singles), dtype=np.int64)
    article_of[x_index] = x_article_s
    return np.bincount(article_of, weights=x_total * y_total, minlength=n_articles).astype(np.float64)


# --- the report ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairAgreement:
    """Two reviewers over the articles both reviewed; `reviewer_a` is the reference of precision/recall."""

    reviewer_a: Reviewer
    reviewer_b: Reviewer
    articles: int
    exact: SpanTotals
    overlap: SpanTotals
    f1_exact: Estimate
    f1_overlap: Estimate
    link_pairs: int  # overlap-matched span pairs where both spans have a link: the units of the kappa
    link_percent_agreement: Estimate
    link_kappa: Estimate


@dataclass(frozen=True)
class ArticleAgreement:
    """One article's figures, without intervals; None where undefined (e.g. fewer than two reviewers)."""

    article_id: ArticleId
    reviewers: int
    spans: int
    text_length: int
    span_f1_exact: float | None  # pooled over the article's reviewer pairs
    span_f1_overlap: float | None
    link_units: int
    link_alpha: float | None
    boundary_alpha: float | None


@dataclass(frozen=True)
class AgreementReport:
    """All figures of a project-like input; `as_dict()` is JSON-ready (None for undefined, never NaN)."""

    version: int
    articles_count: int
    reviewers: Sequence[Reviewer]
    spans: int
    raters_per_unit: int  # k of Fleiss' kappa: the most reviewers any article has
    resamples: int
    level: float
    seed: int
    span_f1_exact: Estimate  # pooled over all reviewer pairs: 2 sum(matched) / sum(n_a + n_b)
    span_f1_overlap: Estimate
    link_units: int
    link_pairable_values: int
    link_percent_agreement: Estimate
    link_alpha: Estimate
    link_fleiss_kappa: Estimate
    link_fleiss_units: int
    boundary_alpha: Estimate
    pairs: list[PairAgreement]
    articles: list[ArticleAgreement]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def agreement_report(
    articles: Mapping[ArticleT, Mapping[ReviewerT, Sequence[SpanItem]]],
    *,
    text_lengths: Mapping[ArticleT, int] | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    level: float = DEFAULT_LEVEL,
    seed: int = DEFAULT_SEED,
) -> AgreementReport:
    """Every agreement figure of `articles` (article -> reviewer -> that reviewer's spans), with intervals.

    A reviewer listed with no spans reviewed the article and marked nothing; a reviewer not listed did not
    review it. `text_lengths` as for `boundary_alpha`. Intervals: `resamples` bootstrap resamples of the
    articles (`bootstrap_weights(seed=...)`), percentile intervals at `level`; all figures share the same
    resamples. Reviewer pairs are ordered ints before strings, then by value.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    ids = list(articles)
    lengths = _lengths(articles, text_lengths)
    ordered = [{r: articles[a][r] for r in sorted(articles[a], key=_reviewer_order)} for a in ids]
    reviewers = sorted({r for by_reviewer in ordered for r in by_reviewer}, key=_reviewer_order)
    k = max((len(by_reviewer) for by_reviewer in ordered), default=0)
    pair_keys = [(a, b) for i, a in enumerate(reviewers) for b in reviewers[i + 1 :]]
    pair_index = {pair: p for p, pair in enumerate(pair_keys)}
    category: dict[str, int] = {}

    n_articles, n_pairs = len(ids), len(pair_keys)
    # Per article and reviewer pair: exact and overlap matches, spans of each side, linked pairs, agreeing ones.
    pair_counts = np.zeros((6, n_articles, n_pairs))
    matched_exact, matched_overlap, spans_a, spans_b, link_n, link_agree = pair_counts
    pair_present = np.zeros((n_articles, n_pairs), dtype=bool)
    kappa_rows: list[_Entries] = [([], [], []) for _ in pair_keys]
    kappa_columns: list[_Entries] = [([], [], []) for _ in pair_keys]
    alpha_n = np.zeros(n_articles)
    alpha_disagree = np.zeros(n_articles)
    alpha_squared = np.zeros(n_articles)  # the article's own sum_c n_c^2, for its per-article alpha
    alpha_totals: _Entries = ([], [], [])
    fleiss_units = np.zeros(n_articles)
    fleiss_sum_p = np.zeros(n_articles)
    fleiss_totals: _Entries = ([], [], [])
    units_per_article = np.zeros(n_articles, dtype=np.int64)

    for a, by_reviewer in enumerate(ordered):
        matches = pairwise_matches(by_reviewer)
        bounds = {r: Counter((span.start, span.end) for span in spans) for r, spans in by_reviewer.items()}
        for (first, second), pairs in matches.items():
            p = pair_index[(first, second)]
            pair_present[a, p] = True
            spans_a[a, p], spans_b[a, p] = len(by_reviewer[first]), len(by_reviewer[second])
            matched_overlap[a, p] = len(pairs)
            matched_exact[a, p] = _exact_matched(bounds[first], bounds[second])
            rows: dict[int, int] = {}
            columns: dict[int, int] = {}
            for x, y in pairs:
                if x.link is not None and y.link is not None:
                    link_n[a, p] += 1
                    link_agree[a, p] += x.link == y.link
                    code_x = category.setdefault(x.link, len(category))
                    code_y = category.setdefault(y.link, len(category))
                    rows[code_x] = rows.get(code_x, 0) + 1
                    columns[code_y] = columns.get(code_y, 0) + 1
            _entries_add(kappa_rows[p], a, rows)
            _entries_add(kappa_columns[p], a, columns)

        units = link_units(by_reviewer, matches=matches)
        units_per_article[a] = len(units)
        article_totals: dict[int, int] = {}
        complete_totals: dict[int, int] = {}
        for unit in units:
            values: dict[int, int] = {}
            for link in unit.links.values():
                code = category.setdefault(link, len(category))
                values[code] = values.get(code, 0) + 1
            m = sum(values.values())
            if m < 2:
                continue
            alpha_n[a] += m
            alpha_disagree[a] += m - sum(c * (c - 1) for c in values.values()) / (m - 1)
            for code, count in values.items():
                article_totals[code] = article_totals.get(code, 0) + count
            if m == k:
                fleiss_units[a] += 1
                fleiss_sum_p[a] += (sum(c * c for c in values.values()) - k) / (k * (k - 1))
                for code, count in values.items():
                    complete_totals[code] = complete_totals.get(code, 0) + count
        alpha_squared[a] = sum(c * c for c in article_totals.values())
        _entries_add(alpha_totals, a, article_totals)
        _entries_add(fleiss_totals, a, complete_totals)

    boundary = _boundary_stats(ordered, lengths)
    weights = np.vstack([np.ones((1, n_articles)), bootstrap_weights(n_articles, resamples=resamples, seed=seed)])
    sums = _Sums(weights)
    spans_both = spans_a + spans_b
    sums.linear("exact", matched_exact.sum(axis=1))
    sums.linear("overlap", matched_overlap.sum(axis=1))
    sums.linear("spans", spans_both.sum(axis=1))
    sums.linear("paired", np.asarray(pair_present.any(axis=1), dtype=np.float64))
    sums.linear("alpha_n", alpha_n)
    sums.linear("alpha_disagree", alpha_disagree)
    sums.linear("fleiss_units", fleiss_units)
    sums.linear("fleiss_sum_p", fleiss_sum_p)
    sums.linear("boundary_n", boundary.n)
    sums.linear("boundary_disagree", boundary.disagree)
    sums.linear("boundary_zeros", boundary.zeros)
    sums.linear("boundary_ones", boundary.ones)
    sums.cross("alpha_squared", alpha_totals)
    sums.cross("fleiss_squared", fleiss_totals)
    present_pairs = [p for p in range(n_pairs) if pair_present[:, p].any()]
    for p in present_pairs:
        for name, per_article in (
            ("exact", matched_exact),
            ("overlap", matched_overlap),
            ("spans", spans_both),
            ("paired", pair_present.astype(np.float64)),
            ("link_n", link_n),
            ("link_agree", link_agree),
        ):
            sums.linear(f"{name}/{p}", per_article[:, p])
        sums.cross(f"chance/{p}", kappa_rows[p], kappa_columns[p])
    s = sums.compute()

    pair_results = [
        PairAgreement(
            reviewer_a=pair_keys[p][0],
            reviewer_b=pair_keys[p][1],
            articles=int(pair_present[:, p].sum()),
            exact=SpanTotals.of(int(matched_exact[:, p].sum()), int(spans_a[:, p].sum()), int(spans_b[:, p].sum())),
            overlap=SpanTotals.of(int(matched_overlap[:, p].sum()), int(spans_a[:, p].sum()), int(spans_b[:, p].sum())),
            f1_exact=_estimate(_f1_values(s[f"exact/{p}"], s[f"spans/{p}"], s[f"paired/{p}"]), level),
            f1_overlap=_estimate(_f1_values(s[f"overlap/{p}"], s[f"spans/{p}"], s[f"paired/{p}"]), level),
            link_pairs=int(link_n[:, p].sum()),
            link_percent_agreement=_estimate(_ratio(s[f"link_agree/{p}"], s[f"link_n/{p}"]), level),
            link_kappa=_estimate(_kappa_values(s[f"link_n/{p}"], s[f"link_agree/{p}"], s[f"chance/{p}"]), level),
        )
        for p in present_pairs
    ]

    has_pairs = np.asarray(pair_present.any(axis=1), dtype=bool)
    article_f1_exact = _f1_values(matched_exact.sum(axis=1), spans_both.sum(axis=1))
    article_f1_overlap = _f1_values(matched_overlap.sum(axis=1), spans_both.sum(axis=1))
    article_link_alpha = _alpha(alpha_n, alpha_disagree, alpha_n * alpha_n - alpha_squared)
    article_boundary_alpha = boundary.alpha_per_article()
    article_results = [
        ArticleAgreement(
            article_id=article_id,
            reviewers=len(ordered[a]),
            spans=sum(len(spans) for spans in ordered[a].values()),
            text_length=lengths[a],
            span_f1_exact=float(article_f1_exact[a]) if has_pairs[a] else None,
            span_f1_overlap=float(article_f1_overlap[a]) if has_pairs[a] else None,
            link_units=int(units_per_article[a]),
            link_alpha=_finite(article_link_alpha[a]),
            boundary_alpha=_finite(article_boundary_alpha[a]),
        )
        for a, article_id in enumerate(ids)
    ]

    return AgreementReport(
        version=METRICS_VERSION,
        articles_count=n_articles,
        reviewers=reviewers,
        spans=sum(article.spans for article in article_results),
        raters_per_unit=k,
        resamples=resamples,
        level=level,
        seed=seed,
        span_f1_exact=_estimate(_f1_values(s["exact"], s["spans"], s["paired"]), level),
        span_f1_overlap=_estimate(_f1_values(s["overlap"], s["spans"], s["paired"]), level),
        link_units=int(units_per_article.sum()),
        link_pairable_values=int(alpha_n.sum()),
        link_percent_agreement=_estimate(_ratio(s["alpha_n"] - s["alpha_disagree"], s["alpha_n"]), level),
        link_alpha=_estimate(
            _alpha(s["alpha_n"], s["alpha_disagree"], s["alpha_n"] * s["alpha_n"] - s["alpha_squared"]), level
        ),
        link_fleiss_kappa=_estimate(
            _fleiss_values(s["fleiss_units"], s["fleiss_sum_p"], s["fleiss_squared"], k), level
        ),
        link_fleiss_units=int(fleiss_units.sum()),
        boundary_alpha=_estimate(
            _alpha(s["boundary_n"], s["boundary_disagree"], 2.0 * s["boundary_zeros"] * s["boundary_ones"]), level
        ),
        pairs=pair_results,
        articles=article_results,
    )


def inputs_fingerprint(
    articles: Mapping[ArticleT, Mapping[ReviewerT, Sequence[SpanItem]]],
    *,
    text_lengths: Mapping[ArticleT, int] | None = None,
    **parameters: int | float | str,
) -> str:
    """sha256 (hex) of a canonical JSON of what `agreement_report` reads, plus METRICS_VERSION and `parameters`.

    Canonical: articles sorted by their JSON id, reviewers by key, spans by (start, end, id); each span as
    [id, start, end, link] (labels are not read by any figure). Pass the report's options as `parameters`
    (e.g. resamples=1000, level=0.95, seed=20260301) so a change of options is a change of fingerprint.
    The mapping order and the span order do not matter; int 1 and str "1" are different ids.
    """
    canonical = []
    for article_id, by_reviewer in articles.items():
        length = text_lengths.get(article_id) if text_lengths is not None else None
        reviewers = [
            [reviewer, [[s.id, s.start, s.end, s.link] for s in sorted(spans, key=_span_order)]]
            for reviewer, spans in sorted(by_reviewer.items(), key=lambda item: _reviewer_order(item[0]))
        ]
        canonical.append((json.dumps(article_id), [article_id, length, reviewers]))
    canonical.sort(key=lambda item: item[0])
    payload = {
        "version": METRICS_VERSION,
        "parameters": parameters,
        "articles": [entry for _, entry in canonical],
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
