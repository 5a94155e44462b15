"""Span alignment for one article: one-to-one pairs between two reviewers, and groups across all of them.

Pure (standard library only). Spans are half-open [start, end) code-point ranges; two spans overlap when
they share at least one character. Every function here works on the spans of ONE article: offsets of
different articles are not comparable, so callers align article by article.

Pairing two reviewers (`match_pairs`), used by span F1 (`span_prf`) and link agreement on matched pairs:

- mode "exact": a pair is two spans with identical (start, end). Spans with the same bounds on both sides
  are paired in (start, end, id) order, so duplicates pair off one to one.
- mode "overlap": a one-to-one assignment of overlapping spans chosen by a strict lexicographic objective:
    1. maximise the total overlap in characters (the sum of |x ∩ y| over the pairs);
    2. among those, minimise the total boundary displacement, the sum of |Δstart| + |Δend| (for two
       overlapping spans this is |x union y| - |x ∩ y|, so it prefers the pairing with the higher Jaccard);
    3. among those, prefer position: order the candidate pairs by their two spans' (start, end, id) keys
       (the smaller key first, so the order does not depend on which side is `a`) and take the matching
       that contains the earliest pair possible, then the next, and so on.
  Step 3 makes the optimum unique, so the result is deterministic and symmetric: match_pairs(b, a) is
  match_pairs(a, b) with each pair swapped. The optimum is exact, not greedy (greedy "largest overlap
  first" is not optimal for this weight; the tests hold a case). The three criteria are folded into one
  integer weight per candidate pair (overlap·K1 - displacement·K2 + 2^(rank from the end), with K1 and K2
  large enough that each criterion dominates the next), and each connected component of the overlap graph
  is solved on its own with the Hungarian algorithm (shortest augmenting paths, O(n²·m) for an n-by-m
  component, n ≤ m); Python integers keep the weights exact. Components with a single span on one side
  (the common case: one-to-one or one-to-few) skip the Hungarian step, since their matching is one pair.
  Each span is used at most once; nested and overlapping spans within one side are allowed.
  A maximum-overlap matching always has at least as many pairs as the exact matching (an augmenting path
  of exact pairs would raise the total overlap), so overlap-mode recall and precision are never lower.

Grouping all reviewers (`align`), for the curation view: groups are the connected components of the
overlap relation over every reviewer's spans (a chain A-B-C is one group, even where A and C don't touch;
one reviewer's own overlapping spans join too). See `Group` for the kinds and `disagreement` for the
queue score.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

Reviewer = str | int
# The reviewer key type of one `align` call (user ids or usernames), carried into its groups.
ReviewerT = TypeVar("ReviewerT", bound=Reviewer)
MatchMode = Literal["exact", "overlap"]
GroupKind = Literal["agree", "link_differs", "overlap", "missing"]

_SpanKey = tuple[int, int, int]


@dataclass(frozen=True)
class SpanItem:
    """One reviewer's span of one article, as plain data.

    `link` is the span's claim link as a category: "claim:<id>", "no_match" (an explicit "no matching
    claim"), or None when the span has no link yet. `id` identifies the span (e.g. the Span row's pk); ids
    should be unique within the spans passed to one call.
    """

    id: int
    reviewer: Reviewer
    start: int
    end: int
    label: str = ""
    link: str | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end:
            raise ValueError(f"span {self.id}: need 0 <= start < end, got [{self.start}, {self.end})")

    @property
    def length(self) -> int:
        return self.end - self.start


def overlap_length(x: SpanItem, y: SpanItem) -> int:
    """Characters shared by two half-open spans (0 when they are disjoint or only touch)."""
    return max(0, min(x.end, y.end) - max(x.start, y.start))


def _key(span: SpanItem) -> _SpanKey:
    return (span.start, span.end, span.id)


# --- pairing two reviewers -------------------------------------------------------------------------------


def match_pairs(a: Sequence[SpanItem], b: Sequence[SpanItem], *, mode: MatchMode) -> list[tuple[SpanItem, SpanItem]]:
    """One-to-one pairs (x from `a`, y from `b`) under `mode` ("exact" or "overlap"; see the module doc).

    Pairs come ordered by x's (start, end, id). Unpaired spans are simply absent.
    """
    if mode == "exact":
        pairs = _match_exact(a, b)
    elif mode == "overlap":
        pairs = _match_overlap(a, b)
    else:
        raise ValueError(f"unknown match mode {mode!r}; expected 'exact' or 'overlap'")
    pairs.sort(key=lambda pair: (_key(pair[0]), _key(pair[1])))
    return pairs


def _match_exact(a: Sequence[SpanItem], b: Sequence[SpanItem]) -> list[tuple[SpanItem, SpanItem]]:
    b_by_bounds: dict[tuple[int, int], list[SpanItem]] = defaultdict(list)
    for y in b:
        b_by_bounds[(y.start, y.end)].append(y)
    a_by_bounds: dict[tuple[int, int], list[SpanItem]] = defaultdict(list)
    for x in a:
        a_by_bounds[(x.start, x.end)].append(x)
    pairs: list[tuple[SpanItem, SpanItem]] = []
    for bounds, xs in a_by_bounds.items():
        ys = b_by_bounds.get(bounds)
        if ys:
            pairs.extend(zip(sorted(xs, key=_key), sorted(ys, key=_key), strict=False))
    return pairs


def _match_overlap(a: Sequence[SpanItem], b: Sequence[SpanItem]) -> list[tuple[SpanItem, SpanItem]]:
    edges = _overlap_edges(a, b)
    if not edges:
        return []
    # Union-find over a's indices 0..na-1 and b's na..na+nb-1: components of the overlap graph.
    na = len(a)
    parent = list(range(na + len(b)))

    def find(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for i, j in edges:
        root_i, root_j = find(i), find(na + j)
        if root_i != root_j:
            parent[root_i] = root_j
    components: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for i, j in edges:
        components[find(i)].append((i, j))

    pairs: list[tuple[SpanItem, SpanItem]] = []
    for component in components.values():
        pairs.extend(_match_component(a, b, component))
    return pairs


def _overlap_edges(a: Sequence[SpanItem], b: Sequence[SpanItem]) -> list[tuple[int, int]]:
    """Every (i, j) with a[i] and b[j] sharing a character, by a sweep over the starts."""
    order = sorted([(x.start, 0, i) for i, x in enumerate(a)] + [(y.start, 1, j) for j, y in enumerate(b)])
    sides = (a, b)
    active: tuple[list[int], list[int]] = ([], [])
    edges: list[tuple[int, int]] = []
    for start, side, index in order:
        other = 1 - side
        # Spans of the other side that started no later and are still open at `start` overlap this one.
        still_open = [k for k in active[other] if sides[other][k].end > start]
        active[other][:] = still_open
        if side == 0:
            edges.extend((index, k) for k in still_open)
        else:
            edges.extend((k, index) for k in still_open)
        active[side].append(index)
    return edges


def _match_component(
    a: Sequence[SpanItem], b: Sequence[SpanItem], edges: list[tuple[int, int]]
) -> list[tuple[SpanItem, SpanItem]]:
    rows = sorted({i for i, _ in edges})
    cols = sorted({j for _, j in edges})
    # The position order of criterion 3: by the smaller, then the larger, of the two spans' keys.
    ranked = sorted(edges, key=lambda e: tuple(sorted((_key(a[e[0]]), _key(b[e[1]])))))
    if len(rows) == 1 or len(cols) == 1:
        # A star: any matching is a single pair, so the best pair is the optimum.
        def preference(e: tuple[int, int]) -> tuple[int, int]:
            x, y = a[e[0]], b[e[1]]
            return (-overlap_length(x, y), _displacement(x, y))

        best = min(ranked, key=preference)  # min() keeps the first (earliest-ranked) of equals
        return [(a[best[0]], b[best[1]])]

    n_edges = len(ranked)
    max_displacement = max(_displacement(a[i], b[j]) for i, j in ranked)
    k2 = 1 << n_edges  # above any sum of the tie-break bits
    k1 = (min(len(rows), len(cols)) * max_displacement + 1) * k2  # above any spread of criteria 2 and 3
    row_of = {i: r for r, i in enumerate(rows)}
    col_of = {j: c for c, j in enumerate(cols)}
    weights = [[0] * len(cols) for _ in rows]
    for rank, (i, j) in enumerate(ranked):
        x, y = a[i], b[j]
        tie_bit = 1 << (n_edges - 1 - rank)
        weights[row_of[i]][col_of[j]] = overlap_length(x, y) * k1 - _displacement(x, y) * k2 + tie_bit

    transposed = len(rows) > len(cols)
    if transposed:
        weights = [list(column) for column in zip(*weights, strict=True)]
    assignment = _max_weight_assignment(weights)
    pairs: list[tuple[SpanItem, SpanItem]] = []
    for r, c in enumerate(assignment):
        row, col = (c, r) if transposed else (r, c)
        if weights[r][c] > 0:  # a zero cell is "no overlap": that row stays unpaired
            pairs.append((a[rows[row]], b[cols[col]]))
    return pairs


def _displacement(x: SpanItem, y: SpanItem) -> int:
    return abs(x.start - y.start) + abs(x.end - y.end)


def _max_weight_assignment(weights: list[list[int]]) -> list[int]:
    """Column for each row maximising the total weight (n rows <= m columns; Hungarian, potentials).

    Weights are non-negative integers, so a maximum assignment is a maximum-weight matching once its zero
    cells are dropped. Arithmetic stays in Python integers (exact for any size); only the "infinity"
    sentinel is a float, and it never enters a sum.
    """
    n, m = len(weights), len(weights[0])
    assert n <= m
    infinity = float("inf")
    # 1-based as in the textbook form: column 0 is a virtual start, p[j] the row on column j (0 = free).
    u: list[float] = [0] * (n + 1)
    v: list[float] = [0] * (m + 1)
    p = [0] * (m + 1)
    way = [0] * (m + 1)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        min_v: list[float] = [infinity] * (m + 1)
        used = [False] * (m + 1)
        while True:
            used[j0] = True
            i0 = p[j0]
            row = weights[i0 - 1]
            delta = infinity
            j1 = 0
            for j in range(1, m + 1):
                if not used[j]:
                    reduced = -row[j - 1] - u[i0] - v[j]  # minimising the negated weight
                    if reduced < min_v[j]:
                        min_v[j] = reduced
                        way[j] = j0
                    if min_v[j] < delta:
                        delta = min_v[j]
                        j1 = j
            assert delta != infinity  # n <= m leaves a free column
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    min_v[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
    assignment = [0] * n
    for j in range(1, m + 1):
        if p[j]:
            assignment[p[j] - 1] = j - 1
    return assignment


@dataclass(frozen=True)
class SpanScores:
    """Span-level agreement of `b` against the reference `a`; `matched` is the number of pairs."""

    precision: float
    recall: float
    f1: float
    matched: int


def span_prf(a: Sequence[SpanItem], b: Sequence[SpanItem], *, mode: MatchMode) -> SpanScores:
    """Precision (matched / |b|), recall (matched / |a|) and F1 of `b` against the reference `a`.

    F1 = 2·matched / (|a| + |b|), so it is symmetric in a and b even though P and R swap. Both empty:
    P = R = F1 = 1.0 (perfect agreement on saying nothing). Exactly one empty: P = R = F1 = 0.0 (the
    undefined ratio, 0/0, counts as 0: nothing the other said was confirmed).
    """
    if not a and not b:
        return SpanScores(precision=1.0, recall=1.0, f1=1.0, matched=0)
    matched = len(match_pairs(a, b, mode=mode))
    precision = matched / len(b) if b else 0.0
    recall = matched / len(a) if a else 0.0
    f1 = 2 * matched / (len(a) + len(b))
    return SpanScores(precision=precision, recall=recall, f1=f1, matched=matched)


# --- grouping all reviewers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group(Generic[ReviewerT]):
    """One cluster of overlapping spans across the reviewers of one article.

    `start`/`end`: the hull of the group's spans. `by_reviewer`: every reviewer passed to `align`, in the
    order given, with that reviewer's spans here sorted by (start, end, id) (empty tuple when none).
    `missing`: the reviewers with no span here, in the same order. `kind`:
      - "agree": every reviewer has exactly one span, all with the same (start, end), label and link;
      - "link_differs": every reviewer has exactly one span with the same (start, end), but labels or links
        differ;
      - "overlap": every reviewer has at least one span, but the boundaries differ (different bounds, or a
        reviewer with several spans here);
      - "missing": at least one reviewer has no span here (this wins over the other kinds).
    """

    start: int
    end: int
    kind: GroupKind
    by_reviewer: Mapping[ReviewerT, tuple[SpanItem, ...]] = field(hash=False)
    missing: tuple[ReviewerT, ...]

    @property
    def spans(self) -> tuple[SpanItem, ...]:
        """All spans of the group, sorted by (start, end, id)."""
        return tuple(sorted((s for spans in self.by_reviewer.values() for s in spans), key=_key))


def align(spans_by_reviewer: Mapping[ReviewerT, Sequence[SpanItem]]) -> list[Group[ReviewerT]]:
    """Groups of the spans of one article across all reviewers, ordered by (start, end).

    A reviewer passed with an empty list still counts: it is in every group's `missing`. Each span's
    `reviewer` must equal its key in the mapping (ValueError otherwise). No reviewers or no spans: [].
    """
    reviewers = list(spans_by_reviewer)
    spans: list[SpanItem] = []
    for reviewer, reviewer_spans in spans_by_reviewer.items():
        for span in reviewer_spans:
            if span.reviewer != reviewer:
                raise ValueError(f"span {span.id} belongs to reviewer {span.reviewer!r}, passed under {reviewer!r}")
            spans.append(span)
    spans.sort(key=_key)

    groups: list[Group[ReviewerT]] = []
    cluster: list[SpanItem] = []
    hull_end = 0
    for span in spans:
        # Sorted by start: a span joins the open cluster iff it starts before the cluster's furthest end.
        if cluster and span.start >= hull_end:
            groups.append(_group(cluster, reviewers))
            cluster = []
        if not cluster:
            hull_end = span.end
        cluster.append(span)
        hull_end = max(hull_end, span.end)
    if cluster:
        groups.append(_group(cluster, reviewers))
    return groups


def _group(cluster: list[SpanItem], reviewers: list[ReviewerT]) -> Group[ReviewerT]:
    collected: dict[Reviewer, list[SpanItem]] = {reviewer: [] for reviewer in reviewers}
    for span in cluster:  # already in (start, end, id) order
        collected[span.reviewer].append(span)
    by_reviewer = {reviewer: tuple(collected[reviewer]) for reviewer in reviewers}
    missing = tuple(reviewer for reviewer in reviewers if not by_reviewer[reviewer])
    kind: GroupKind
    if missing:
        kind = "missing"
    elif all(len(spans) == 1 for spans in by_reviewer.values()):
        only = [spans[0] for spans in by_reviewer.values()]
        if len({(s.start, s.end) for s in only}) > 1:
            kind = "overlap"
        elif len({(s.label, s.link) for s in only}) > 1:
            kind = "link_differs"
        else:
            kind = "agree"
    else:
        kind = "overlap"
    return Group(
        start=cluster[0].start,
        end=max(s.end for s in cluster),
        kind=kind,
        by_reviewer=by_reviewer,
        missing=missing,
    )


def disagreement(groups: Sequence[Group[Any]], n_reviewers: int) -> float:
    """Curation-queue score in [0, 1]: the fraction of groups whose kind is not "agree" (higher = curate first).

    Every non-agreeing group counts fully, whatever its kind. No groups (nobody marked anything): 0.0.
    One reviewer (n_reviewers == 1) cannot disagree with anyone: 0.0. n_reviewers < 1 is a ValueError.
    """
    if n_reviewers < 1:
        raise ValueError(f"n_reviewers must be at least 1, got {n_reviewers}")
    if n_reviewers == 1 or not groups:
        return 0.0
    return sum(1 for group in groups if group.kind != "agree") / len(groups)
