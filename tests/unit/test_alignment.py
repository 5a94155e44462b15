"""Span alignment: hand-computed pairs and groups, and properties checked against brute force and greedy."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotations.agreement.alignment import (
    Group,
    MatchMode,
    SpanItem,
    align,
    disagreement,
    match_pairs,
    overlap_length,
    span_prf,
)

_ids = itertools.count(1)
MODES: tuple[MatchMode, ...] = ("exact", "overlap")


def span(reviewer: str, start: int, end: int, link: str | None = None, label: str = "", id: int | None = None):
    return SpanItem(
        id=next(_ids) if id is None else id, reviewer=reviewer, start=start, end=end, label=label, link=link
    )


def bounds(pairs: Sequence[tuple[SpanItem, SpanItem]]) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    return [((x.start, x.end), (y.start, y.end)) for x, y in pairs]


def total_overlap(pairs: Sequence[tuple[SpanItem, SpanItem]]) -> int:
    return sum(overlap_length(x, y) for x, y in pairs)


def total_displacement(pairs: Sequence[tuple[SpanItem, SpanItem]]) -> int:
    return sum(abs(x.start - y.start) + abs(x.end - y.end) for x, y in pairs)


def greedy_pairs(a: Sequence[SpanItem], b: Sequence[SpanItem]) -> list[tuple[SpanItem, SpanItem]]:
    """Largest overlap first, each span once: the approximation the optimum must never lose to."""
    candidates = sorted(
        ((overlap_length(x, y), x, y) for x in a for y in b if overlap_length(x, y) > 0),
        key=lambda c: -c[0],
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs = []
    for _, x, y in candidates:
        if x.id not in used_a and y.id not in used_b:
            used_a.add(x.id)
            used_b.add(y.id)
            pairs.append((x, y))
    return pairs


def edge_rank(x: SpanItem, y: SpanItem) -> tuple[tuple[int, int, int], ...]:
    """The documented position order of candidate pairs: the smaller span key, then the larger."""
    return tuple(sorted([(x.start, x.end, x.id), (y.start, y.end, y.id)]))


def objective(pairs: Sequence[tuple[SpanItem, SpanItem]], ranks: dict[tuple[int, int], int]) -> tuple[int, int, int]:
    """(total overlap, -total displacement, position tie-break) as the module doc states, larger is better.

    The tie-break is a bit per candidate pair, the earliest pair the highest bit: the larger sum is the
    matching that holds the earliest pair where two matchings differ.
    """
    bits = sum(1 << (len(ranks) - 1 - ranks[(x.id, y.id)]) for x, y in pairs)
    return (total_overlap(pairs), -total_displacement(pairs), bits)


def brute_force_best(a: Sequence[SpanItem], b: Sequence[SpanItem]) -> tuple[int, int, int]:
    """The best objective over every one-to-one matching of overlapping spans, by enumeration."""
    ranks = candidate_ranks(a, b)
    best = (0, 0, 0)

    def extend(i: int, used: frozenset[int], chosen: list[tuple[SpanItem, SpanItem]]) -> None:
        nonlocal best
        if i == len(a):
            best = max(best, objective(chosen, ranks))
            return
        extend(i + 1, used, chosen)
        for y in b:
            if y.id not in used and overlap_length(a[i], y) > 0:
                extend(i + 1, used | {y.id}, [*chosen, (a[i], y)])

    extend(0, frozenset(), [])
    return best


def candidate_ranks(a: Sequence[SpanItem], b: Sequence[SpanItem]) -> dict[tuple[int, int], int]:
    candidates = sorted(((x, y) for x in a for y in b if overlap_length(x, y) > 0), key=lambda e: edge_rank(*e))
    return {(x.id, y.id): rank for rank, (x, y) in enumerate(candidates)}


# --- match_pairs: hand-computed ---------------------------------------------------------------------------


def test_exact_pairs_identical_bounds_only_and_duplicates_pair_off_by_id() -> None:
    a = [span("A", 0, 5, id=1), span("A", 10, 20, id=2), span("A", 10, 20, id=3), span("A", 30, 31, id=4)]
    b = [span("B", 10, 20, id=12), span("B", 0, 5, id=11), span("B", 0, 6, id=13), span("B", 40, 50, id=14)]
    pairs = match_pairs(a, b, mode="exact")
    assert [(x.id, y.id) for x, y in pairs] == [(1, 11), (2, 12)]  # span 3 has no second [10, 20) to pair


def test_overlap_pairs_disjoint_spans_with_their_overlapping_partner() -> None:
    a = [span("A", 0, 10), span("A", 20, 30), span("A", 50, 60)]
    b = [span("B", 22, 35), span("B", 5, 12), span("B", 60, 70)]  # [60, 70) only touches [50, 60)
    assert bounds(match_pairs(a, b, mode="overlap")) == [((0, 10), (5, 12)), ((20, 30), (22, 35))]


def test_overlap_finds_the_optimum_where_largest_overlap_first_does_not() -> None:
    # a1 overlaps b1 by 5 and b2 by 4; a2 overlaps only b1, by 4. Greedy takes a1-b1 (5) and strands a2 and
    # b2; the optimum pairs a1-b2 and a2-b1 for 8 characters.
    a1, a2 = span("A", 0, 9), span("A", 8, 12)
    b1, b2 = span("B", 4, 12), span("B", 0, 4)
    assert total_overlap(greedy_pairs([a1, a2], [b1, b2])) == 5
    pairs = match_pairs([a1, a2], [b1, b2], mode="overlap")
    assert pairs == [(a1, b2), (a2, b1)]
    assert total_overlap(pairs) == 8


def test_overlap_with_nested_spans_beats_greedy() -> None:
    # a2 lies inside a1; b1 and b2 lie inside a1 too. a1-b1 is the largest overlap (9) but leaves a2 with
    # nothing; a1-b2 (6) plus a2-b1 (4) covers 10 characters.
    a1, a2 = span("A", 0, 10), span("A", 0, 4)
    b1, b2 = span("B", 0, 9), span("B", 4, 10)
    assert total_overlap(greedy_pairs([a1, a2], [b1, b2])) == 9
    assert match_pairs([a1, a2], [b1, b2], mode="overlap") == [(a2, b1), (a1, b2)]


def test_overlap_tie_on_characters_goes_to_the_smaller_boundary_displacement() -> None:
    # Both matchings cover 10 characters: {a1-b1} alone (same bounds, displacement 0) and {a1-b2, a2-b1}
    # (displacement 4 + 6). Criterion 2 keeps the exact pair, even though it is one pair instead of two.
    a1, a2 = span("A", 0, 10), span("A", 0, 4)
    b1, b2 = span("B", 0, 10), span("B", 4, 10)
    assert match_pairs([a1, a2], [b1, b2], mode="overlap") == [(a1, b1)]


def test_overlap_full_tie_goes_to_the_earliest_pair_and_is_the_same_both_ways() -> None:
    # One b span, two a spans it overlaps by 3 with displacement 3 each: the earlier a wins.
    left, right = span("A", 0, 6), span("A", 6, 12)
    middle = span("B", 3, 9)
    assert match_pairs([right, left], [middle], mode="overlap") == [(left, middle)]
    assert match_pairs([middle], [right, left], mode="overlap") == [(middle, left)]
    # Two same-bounds spans per side: four pairings tie fully on criteria 1 and 2; ids decide.
    a = [span("A", 0, 5, id=102), span("A", 0, 5, id=101)]
    b = [span("B", 0, 5, id=201), span("B", 0, 5, id=202)]
    pairs = match_pairs(a, b, mode="overlap")
    assert [(x.id, y.id) for x, y in pairs] == [(101, 201), (102, 202)]
    assert [(y.id, x.id) for y, x in match_pairs(b, a, mode="overlap")] == [(201, 101), (202, 102)]


def test_one_long_span_pairs_with_its_largest_overlap() -> None:
    long = span("A", 0, 100)
    b = [span("B", 0, 10), span("B", 20, 60), span("B", 70, 90)]
    assert bounds(match_pairs([long], b, mode="overlap")) == [((0, 100), (20, 60))]


def test_empty_inputs_match_nothing() -> None:
    some = [span("A", 0, 3)]
    for mode in MODES:
        assert match_pairs([], [], mode=mode) == []
        assert match_pairs(some, [], mode=mode) == []
        assert match_pairs([], some, mode=mode) == []


def test_unknown_mode_and_invalid_spans_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown match mode"):
        match_pairs([], [], mode="fuzzy")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="start < end"):
        span("A", 4, 4)
    with pytest.raises(ValueError, match="start < end"):
        span("A", -1, 2)


# --- span_prf ---------------------------------------------------------------------------------------------


def test_span_prf_treats_a_as_the_reference() -> None:
    a = [span("A", 0, 5), span("A", 10, 15)]
    b = [span("B", 0, 5), span("B", 11, 15), span("B", 20, 25), span("B", 30, 31)]
    exact = span_prf(a, b, mode="exact")
    assert (exact.precision, exact.recall, exact.matched) == (0.25, 0.5, 1)
    assert exact.f1 == pytest.approx(2 * 0.25 * 0.5 / 0.75)
    overlap = span_prf(a, b, mode="overlap")
    assert (overlap.precision, overlap.recall, overlap.matched) == (0.5, 1.0, 2)
    assert overlap.f1 == pytest.approx(2 / 3)


def test_span_prf_empty_sides() -> None:
    some = [span("A", 0, 3)]
    both_empty = span_prf([], [], mode="overlap")
    assert (both_empty.precision, both_empty.recall, both_empty.f1, both_empty.matched) == (1.0, 1.0, 1.0, 0)
    for a, b in ((some, []), ([], some)):
        scores = span_prf(a, b, mode="exact")
        assert (scores.precision, scores.recall, scores.f1, scores.matched) == (0.0, 0.0, 0.0, 0)


# --- align and disagreement -------------------------------------------------------------------------------


def test_align_kinds_each_of_the_four() -> None:
    groups = align(
        {
            "A": [
                span("A", 0, 5, link="claim:1", label="claim"),
                span("A", 10, 15, link="claim:2"),
                span("A", 20, 30, link="no_match"),
                span("A", 40, 45),
            ],
            "B": [
                span("B", 0, 5, link="claim:1", label="claim"),
                span("B", 10, 15, link="no_match"),
                span("B", 22, 30, link="no_match"),
            ],
        }
    )
    assert [(g.start, g.end, g.kind, g.missing) for g in groups] == [
        (0, 5, "agree", ()),
        (10, 15, "link_differs", ()),
        (20, 30, "overlap", ()),
        (40, 45, "missing", ("B",)),
    ]
    assert [s.end for s in groups[2].by_reviewer["B"]] == [30]
    assert groups[3].by_reviewer == {"A": groups[3].spans, "B": ()}


def test_align_label_difference_alone_is_link_differs() -> None:
    (group,) = align({"A": [span("A", 3, 8, label="claim")], "B": [span("B", 3, 8, label="opinion")]})
    assert group.kind == "link_differs"


def test_align_reviewer_with_several_spans_in_a_group_is_overlap() -> None:
    (group,) = align({"A": [span("A", 0, 10)], "B": [span("B", 0, 4), span("B", 6, 10)]})
    assert (group.start, group.end, group.kind) == (0, 10, "overlap")
    assert [(s.start, s.end) for s in group.by_reviewer["B"]] == [(0, 4), (6, 10)]


def test_align_reviewer_without_spans_is_missing_everywhere() -> None:
    groups = align({"A": [span("A", 0, 5), span("A", 9, 12)], "B": [span("B", 0, 5)], "C": []})
    assert [(g.kind, g.missing) for g in groups] == [("missing", ("C",)), ("missing", ("B", "C"))]
    assert list(groups[0].by_reviewer) == ["A", "B", "C"]
    assert align({"A": [], "B": []}) == []
    assert align({}) == []


def test_align_chain_is_one_group_and_touching_spans_are_not() -> None:
    # A [0, 10) overlaps B [8, 20) overlaps C [18, 30); A and C share nothing, still one group.
    groups = align({"A": [span("A", 0, 10)], "B": [span("B", 8, 20)], "C": [span("C", 18, 30), span("C", 30, 35)]})
    assert [(g.start, g.end, g.kind) for g in groups] == [(0, 30, "overlap"), (30, 35, "missing")]
    assert [s.reviewer for s in groups[0].spans] == ["A", "B", "C"]
    assert groups[1].missing == ("A", "B")


def test_align_rejects_a_span_under_another_reviewer() -> None:
    with pytest.raises(ValueError, match="belongs to reviewer"):
        align({"A": [span("B", 0, 3)]})


def test_align_works_with_integer_reviewers() -> None:
    (group,) = align({7: [SpanItem(id=1, reviewer=7, start=0, end=2)], 9: [SpanItem(id=2, reviewer=9, start=0, end=2)]})
    assert group.kind == "agree"
    assert group.missing == ()


def test_disagreement_is_the_fraction_of_groups_not_agreeing() -> None:
    groups = align(
        {
            "A": [span("A", 0, 5), span("A", 10, 15), span("A", 20, 25), span("A", 30, 35)],
            "B": [span("B", 0, 5), span("B", 10, 15), span("B", 20, 24)],
        }
    )
    assert [g.kind for g in groups] == ["agree", "agree", "overlap", "missing"]
    assert disagreement(groups, 2) == 0.5
    assert disagreement([], 2) == 0.0
    assert disagreement(align({"A": [span("A", 0, 5), span("A", 3, 8)]}), 1) == 0.0
    with pytest.raises(ValueError, match="at least 1"):
        disagreement(groups, 0)


# --- properties -------------------------------------------------------------------------------------------


@st.composite
def span_lists(draw: st.DrawFn, reviewer: str, *, max_size: int = 6, limit: int = 40) -> list[SpanItem]:
    intervals = draw(
        st.lists(
            st.tuples(st.integers(0, limit), st.integers(1, 12)).map(lambda t: (t[0], t[0] + t[1])),
            max_size=max_size,
        )
    )
    return [span(reviewer, start, end) for start, end in intervals]


@st.composite
def disjoint_span_lists(draw: st.DrawFn, reviewer: str) -> list[tuple[int, int, str | None]]:
    """Non-overlapping (start, end, link) triples: one reviewer's spans that never group with each other."""
    cuts = sorted(draw(st.sets(st.integers(0, 60), max_size=12)))
    layout = []
    for start, end in itertools.pairwise(cuts):
        if draw(st.booleans()):
            layout.append((start, end, draw(st.sampled_from([None, "no_match", "claim:1", "claim:2"]))))
    return layout


@given(span_lists("A"))
def test_identical_inputs_give_f1_one_in_both_modes(a: list[SpanItem]) -> None:
    b = [span("B", s.start, s.end, link=s.link) for s in a]
    for mode in MODES:
        scores = span_prf(a, b, mode=mode)
        assert scores.f1 == 1.0
        assert scores.matched == len(a)


@given(disjoint_span_lists("A"), st.integers(1, 4))
def test_identical_layouts_all_agree(layout: list[tuple[int, int, str | None]], n_reviewers: int) -> None:
    reviewers = [f"R{n}" for n in range(n_reviewers)]
    groups = align({r: [span(r, start, end, link=link) for start, end, link in layout] for r in reviewers})
    assert [(g.start, g.end) for g in groups] == [(start, end) for start, end, _ in layout]
    assert all(g.kind == "agree" for g in groups)
    assert disagreement(groups, n_reviewers) == 0.0


@settings(max_examples=300)
@given(span_lists("A"), span_lists("B"))
def test_match_pairs_is_symmetric_one_to_one_and_optimal(a: list[SpanItem], b: list[SpanItem]) -> None:
    exact = match_pairs(a, b, mode="exact")
    overlap = match_pairs(a, b, mode="overlap")
    for mode, pairs in zip(MODES, (exact, overlap), strict=True):
        swapped = match_pairs(b, a, mode=mode)
        assert sorted((x.id, y.id) for y, x in swapped) == sorted((x.id, y.id) for x, y in pairs)
        assert len({x.id for x, _ in pairs}) == len(pairs)
        assert len({y.id for _, y in pairs}) == len(pairs)
        assert all(overlap_length(x, y) > 0 for x, y in pairs)
    assert all((x.start, x.end) == (y.start, y.end) for x, y in exact)
    assert len(overlap) >= len(exact)
    assert total_overlap(overlap) >= total_overlap(greedy_pairs(a, b))
    assert objective(overlap, candidate_ranks(a, b)) == brute_force_best(a, b)


@given(st.integers(1, 3).flatmap(lambda n: st.tuples(*[span_lists(f"R{i}") for i in range(n)])))
def test_align_partitions_the_spans_into_disjoint_ordered_groups(lists: tuple[list[SpanItem], ...]) -> None:
    spans_by_reviewer = {f"R{i}": spans for i, spans in enumerate(lists)}
    groups = align(spans_by_reviewer)
    everything = sorted(s.id for spans in spans_by_reviewer.values() for s in spans)
    assert sorted(s.id for g in groups for s in g.spans) == everything
    for earlier, later in itertools.pairwise(groups):
        assert earlier.end <= later.start  # disjoint hulls, in order
    for group in groups:
        assert (group.start, group.end) == (min(s.start for s in group.spans), max(s.end for s in group.spans))
        assert group.missing == tuple(r for r, spans in group.by_reviewer.items() if not spans)
        assert (group.kind == "missing") == bool(group.missing)
        assert_connected(group)


def assert_connected(group: Group[str]) -> None:
    spans = list(group.spans)
    reached = {spans[0].id}
    frontier = [spans[0]]
    while frontier:
        current = frontier.pop()
        for other in spans:
            if other.id not in reached and overlap_length(current, other) > 0:
                reached.add(other.id)
                frontier.append(other)
    assert reached == {s.id for s in spans}
