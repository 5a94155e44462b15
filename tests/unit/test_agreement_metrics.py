"""Agreement metrics: hand-computed coefficients, Krippendorff's worked example, and properties checked
against brute force (per-character boundaries, per-pair matching, duplicated-article resamples)."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from annotations.agreement import metrics
from annotations.agreement.alignment import MatchMode, SpanItem, match_pairs
from annotations.agreement.metrics import (
    Estimate,
    LinkUnit,
    SpanTotals,
    agreement_report,
    bootstrap_weights,
    boundary_alpha,
    cohen_kappa,
    cohen_kappa_table,
    coincidence_matrix,
    fleiss_kappa,
    fleiss_kappa_counts,
    inputs_fingerprint,
    krippendorff_alpha_nominal,
    link_ratings,
    link_units,
    pairwise_matches,
    percent_agreement,
    percentile_interval,
    span_agreement,
)

_ids = itertools.count(1)
nan = math.nan


def span(reviewer: str, start: int, end: int, link: str | None = None, id: int | None = None) -> SpanItem:
    return SpanItem(id=next(_ids) if id is None else id, reviewer=reviewer, start=start, end=end, link=link)


# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the nominal example: 4 observers x 12
# units, '.' missing. As units x observers (A, B, C, D).
KRIPPENDORFF_2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
).T


# --- coefficients, by hand ------------------------------------------------------------------------------------


def test_krippendorff_worked_example_nominal_alpha():
    assert krippendorff_alpha_nominal(KRIPPENDORFF_2011) == pytest.approx(0.743, abs=5e-4)


def test_krippendorff_worked_example_coincidences():
    # The paper's coincidence matrix: n = 40 pairable values (unit 12 has one value and drops out).
    categories, o = coincidence_matrix(KRIPPENDORFF_2011)
    assert list(categories) == [1, 2, 3, 4, 5]
    assert o.sum() == pytest.approx(40)
    assert list(o.sum(axis=1)) == pytest.approx([9, 13, 10, 5, 3])
    # o_44 by hand: unit 7 (4, 4, 4, 4) gives 4 * 3 / 3 = 4; unit 6 (1, 2, 3, 4) puts the fifth 4 off-diagonal.
    assert np.diag(o) == pytest.approx([7, 10, 8, 4, 3])
    assert o == pytest.approx(o.T)


def test_cohen_kappa_by_hand():
    # p_o = 35/50 = 0.7; rows (25, 25), columns (30, 20): p_e = (750 + 500) / 2500 = 0.5; kappa = 0.4.
    assert cohen_kappa_table([[20, 5], [10, 15]]) == pytest.approx(0.4)
    a = ["x"] * 20 + ["x"] * 5 + ["y"] * 10 + ["y"] * 15
    b = ["x"] * 20 + ["y"] * 5 + ["x"] * 10 + ["y"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)


def test_cohen_kappa_leaves_out_missing_and_is_undefined_for_one_category():
    assert cohen_kappa(["x", None, "y", "x"], ["x", "y", "y", None]) == pytest.approx(1.0)
    assert cohen_kappa(["x", "x"], ["x", "x"]) is None  # p_e = 1
    assert cohen_kappa([], []) is None


def test_fleiss_kappa_by_hand():
    # Units (A A A), (A A B), (B B B): P_i = 1, 1/3, 1 -> P = 7/9; p = (5/9, 4/9) -> P_e = 41/81;
    # kappa = (63/81 - 41/81) / (40/81) = 0.55.
    assert fleiss_kappa_counts([[3, 0], [2, 1], [0, 3]]) == pytest.approx(0.55)
    assert fleiss_kappa([[0, 0, 0], [0, 0, 1], [1, 1, 1]]) == pytest.approx(0.55)


def test_fleiss_kappa_wikipedia_example():
    # Fleiss (1971) as on Wikipedia: 10 units, 14 raters, 5 categories; P = 0.378, P_e = 0.213, kappa = 0.210.
    counts = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    assert fleiss_kappa_counts(counts) == pytest.approx(0.2099, abs=1e-4)


def test_fleiss_kappa_uses_only_units_rated_by_every_rater():
    ratings = np.array([[0, 0, 0], [0, 0, 1], [1, 1, 1], [0, nan, 1]])
    assert fleiss_kappa(ratings) == pytest.approx(0.55)
    with pytest.raises(ValueError, match="same number"):
        fleiss_kappa_counts([[2, 0], [1, 2]])


def test_percent_agreement_by_hand():
    assert percent_agreement([[0, 0], [1, 1], [0, 1], [2, 2]]) == pytest.approx(0.75)
    # Values (A, A, B): of the 6 ordered pairs, 2 agree.
    assert percent_agreement([[0, 0, 1]]) == pytest.approx(1 / 3)
    assert percent_agreement([[0, nan], [nan, 1]]) is None


def test_alpha_undefined_when_one_category_or_nothing_pairable():
    assert krippendorff_alpha_nominal(np.array([[1, 1], [1, 1], [1, nan]])) is None
    assert krippendorff_alpha_nominal(np.array([[1, nan], [nan, 2]])) is None
    assert krippendorff_alpha_nominal(np.zeros((0, 3))) is None


# --- span F1, exact and overlap --------------------------------------------------------------------------------


def test_span_agreement_exact_vs_overlap_with_nested_spans():
    # Article 1: a has [0, 10) with [2, 5) nested in it; b has [0, 10) and [3, 6). Exact: one pair. Overlap:
    # the maximum total overlap pairs [0,10)-[0,10) (10) and [2,5)-[3,6) (2), 12 > 3 + 3 crosswise.
    one = (
        [span("a", 0, 10), span("a", 2, 5), span("a", 20, 30)],
        [span("b", 0, 10), span("b", 3, 6), span("b", 40, 45)],
    )
    two: tuple[list[SpanItem], list[SpanItem]] = ([span("a", 0, 5)], [])
    exact = span_agreement({1: one, 2: two}, mode="exact")
    overlap = span_agreement({1: one, 2: two}, mode="overlap")
    assert exact.per_article[1].f1 == pytest.approx(1 / 3)
    assert overlap.per_article[1].f1 == pytest.approx(2 / 3)
    assert exact.per_article[2].f1 == 0.0
    # Micro: counts summed first. Exact: 1 matched of 4 (a) and 3 (b); overlap: 2 matched.
    assert (exact.micro.precision, exact.micro.recall, exact.micro.f1) == pytest.approx((1 / 3, 1 / 4, 2 / 7))
    assert (overlap.micro.precision, overlap.micro.recall, overlap.micro.f1) == pytest.approx((2 / 3, 2 / 4, 4 / 7))


def test_span_agreement_nothing_marked_is_perfect():
    assert span_agreement({1: ([], [])}, mode="overlap").micro.f1 == 1.0


# --- link units ---------------------------------------------------------------------------------------------------


def test_link_units_simple_and_missing():
    a1, b1, c1 = span("A", 0, 10, "claim:1"), span("B", 1, 10, "claim:1"), span("C", 0, 9, None)
    b2 = span("B", 30, 40, "no_match")
    units = link_units({"A": [a1], "B": [b1, b2], "C": [c1]})
    assert [dict(u.spans) for u in units] == [{"A": a1, "B": b1, "C": c1}, {"B": b2}]
    assert units[0].links == {"A": "claim:1", "B": "claim:1"}  # C's span has no link: a missing value
    matrix, categories = link_ratings(units, ["A", "B", "C"])
    assert categories == ["claim:1", "no_match"]
    assert np.array_equal(matrix, np.array([[0, 0, nan], [nan, 1, nan]]), equal_nan=True)


def test_link_units_chain_with_two_spans_of_one_reviewer():
    # A1-B1 (A1 overlaps B1 by 5, A2 by 3), B1-C1 (the only pair), C1-A2 (C1 misses A1): the component
    # A1-B1-C1-A2 holds two spans of A, each with one edge; the earlier, A1, stays, A2 is a unit alone.
    a1, a2 = span("A", 0, 10, "claim:1"), span("A", 12, 20, "claim:2")
    b1 = span("B", 5, 15, "claim:1")
    c1 = span("C", 11, 20, "claim:1")
    by_reviewer = {"A": [a1, a2], "B": [b1], "C": [c1]}
    matches = pairwise_matches(by_reviewer)
    assert matches[("A", "B")] == [(a1, b1)]
    assert matches[("A", "C")] == [(a2, c1)]
    assert matches[("B", "C")] == [(b1, c1)]
    units = link_units(by_reviewer)
    assert [dict(u.spans) for u in units] == [{"A": a1, "B": b1, "C": c1}, {"A": a2}]


spans_strategy = st.lists(
    st.tuples(
        st.integers(0, 30), st.integers(1, 8), st.sampled_from(["claim:1", "claim:2", "claim:3", "no_match", None])
    ),
    max_size=6,
)
article_strategy = st.dictionaries(st.sampled_from(["r1", "r2", "r3", "r4"]), spans_strategy, max_size=4)


def build_article(raw: Mapping[str, Sequence[tuple[int, int, str | None]]]) -> dict[str, list[SpanItem]]:
    return {r: [span(r, start, start + length, link) for start, length, link in items] for r, items in raw.items()}


@settings(max_examples=200, deadline=None)
@given(article_strategy)
def test_pairwise_matches_equal_match_pairs_per_pair(raw):
    by_reviewer = build_article(raw)
    matches = pairwise_matches(by_reviewer)
    reviewers = list(by_reviewer)
    assert list(matches) == [(a, b) for i, a in enumerate(reviewers) for b in reviewers[i + 1 :]]
    for (a, b), pairs in matches.items():
        assert pairs == match_pairs(by_reviewer[a], by_reviewer[b], mode="overlap")


@settings(max_examples=200, deadline=None)
@given(article_strategy)
def test_link_units_partition_the_spans_one_per_reviewer(raw):
    by_reviewer = build_article(raw)
    units = link_units(by_reviewer)
    placed = [s for unit in units for s in unit.spans.values()]
    assert sorted(s.id for s in placed) == sorted(s.id for spans in by_reviewer.values() for s in spans)
    for unit in units:
        assert all(s.reviewer == r for r, s in unit.spans.items())
    # A unit of several spans is held together by matches among its own spans.
    matched = {(x.id, y.id) for pairs in pairwise_matches(by_reviewer).values() for x, y in pairs}
    for unit in units:
        ids = [s.id for s in unit.spans.values()]
        reached, frontier = {ids[0]}, [ids[0]]
        while frontier:
            current = frontier.pop()
            for other in ids:
                if other not in reached and ((current, other) in matched or (other, current) in matched):
                    reached.add(other)
                    frontier.append(other)
        assert reached == set(ids)


# --- boundary alpha ------------------------------------------------------------------------------------------------


def per_character_ratings(by_reviewer: Mapping[str, Sequence[SpanItem]], length: int) -> np.ndarray:
    matrix = np.zeros((length, len(by_reviewer)))
    for j, spans in enumerate(by_reviewer.values()):
        for s in spans:
            matrix[s.start : s.end, j] = 1
    return matrix


def test_boundary_alpha_by_hand():
    perfect = {"a": [span("a", 0, 5)], "b": [span("b", 0, 5)]}
    assert boundary_alpha({1: perfect}, text_lengths={1: 10}).alpha == pytest.approx(1.0)
    # a: [0, 4), b: [0, 6) over 10 characters: 2 disagreeing units. n = 20, n_1 = 10, n_0 = 10;
    # D_o = 4 / 20, D_e = 2 * 10 * 10 / (20 * 19): alpha = 1 - 19 * 4 / 200 = 0.62.
    shifted = {"a": [span("a", 0, 4)], "b": [span("b", 0, 6)]}
    result = boundary_alpha({1: shifted}, text_lengths={1: 10})
    assert result.alpha == pytest.approx(0.62)
    assert result.per_article[1] == pytest.approx(0.62)
    # Nobody marked anything: all one category, undefined.
    assert boundary_alpha({1: {"a": [], "b": []}}, text_lengths={1: 10}).alpha is None


def test_boundary_alpha_rejects_a_span_past_the_text():
    with pytest.raises(ValueError, match="past its length"):
        boundary_alpha({1: {"a": [span("a", 0, 12)]}}, text_lengths={1: 10})


@settings(max_examples=150, deadline=None)
@given(st.lists(article_strategy, min_size=1, max_size=4), st.integers(38, 45))
def test_boundary_alpha_equals_per_character_alpha(raw_articles, length):
    articles = {i: build_article(raw) for i, raw in enumerate(raw_articles)}
    lengths = {i: length for i in articles}
    result = boundary_alpha(articles, text_lengths=lengths)
    blocks = []
    width = max((len(by_reviewer) for by_reviewer in articles.values()), default=0)
    for i, by_reviewer in articles.items():
        matrix = per_character_ratings(by_reviewer, length)
        expected = krippendorff_alpha_nominal(matrix) if by_reviewer else None
        assert _close(result.per_article[i], expected)
        padded = np.full((length, width), nan)
        padded[:, : matrix.shape[1]] = matrix
        blocks.append(padded)
    pooled = krippendorff_alpha_nominal(np.vstack(blocks)) if width else None
    assert _close(result.alpha, pooled)


def _close(value: float | None, expected: float | None, tolerance: float = 1e-9) -> bool:
    if value is None or expected is None:
        return value is None and expected is None
    return math.isclose(value, expected, rel_tol=tolerance, abs_tol=tolerance)


# --- properties of the coefficients --------------------------------------------------------------------------------

ratings_strategy = st.integers(1, 12).flatmap(
    lambda units: st.integers(2, 5).flatmap(
        lambda raters: st.lists(
            st.lists(st.one_of(st.none(), st.integers(0, 3)), min_size=raters, max_size=raters),
            min_size=units,
            max_size=units,
        )
    )
)


def as_matrix(rows: list[list[int | None]]) -> np.ndarray:
    return np.array([[nan if v is None else float(v) for v in row] for row in rows], dtype=float)


@settings(max_examples=300, deadline=None)
@given(ratings_strategy)
def test_alpha_matches_the_krippendorff_package(rows):
    krippendorff = pytest.importorskip("krippendorff")
    matrix = as_matrix(rows)
    mine = krippendorff_alpha_nominal(matrix)
    assume(mine is not None)
    theirs = krippendorff.alpha(reliability_data=matrix.T, level_of_measurement="nominal")
    assert mine == pytest.approx(theirs, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(ratings_strategy, st.permutations([0, 1, 2, 3]), st.sampled_from([1.0, 7.0, -3.0]))
def test_alpha_is_invariant_to_relabelling(rows, permutation, offset):
    matrix = as_matrix(rows)
    relabelled = np.where(
        np.isnan(matrix), nan, np.take(np.array(permutation, float), np.nan_to_num(matrix).astype(int))
    )
    assert _close(krippendorff_alpha_nominal(relabelled * 10 + offset), krippendorff_alpha_nominal(matrix))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("xyz"), st.sampled_from("xyz")), max_size=20))
def test_cohen_kappa_is_symmetric(pairs):
    a = [x for x, _ in pairs]
    b = [y for _, y in pairs]
    assert cohen_kappa(a, b) == cohen_kappa(b, a)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=1, max_size=15), st.integers(2, 5))
def test_perfect_agreement_gives_one_where_defined(values, raters):
    matrix = np.repeat(np.array(values, float)[:, None], raters, axis=1)
    defined = len(set(values)) > 1
    for coefficient in (krippendorff_alpha_nominal, fleiss_kappa, percent_agreement):
        result = coefficient(matrix)
        if coefficient is percent_agreement or defined:
            assert result == pytest.approx(1.0)
        else:
            assert result is None
    kappa = cohen_kappa(values, values)
    assert kappa == pytest.approx(1.0) if defined else kappa is None


# --- bootstrap -----------------------------------------------------------------------------------------------------


def test_bootstrap_weights_are_deterministic_draws_with_replacement():
    weights = bootstrap_weights(7, resamples=50, seed=3)
    assert weights.shape == (50, 7)
    assert np.all(weights.sum(axis=1) == 7)
    assert np.array_equal(weights, bootstrap_weights(7, resamples=50, seed=3))
    assert not np.array_equal(weights, bootstrap_weights(7, resamples=50, seed=4))


def test_percentile_interval_ignores_undefined_resamples():
    assert percentile_interval([nan, nan]) == (None, None)
    low, high = percentile_interval(np.arange(101.0), level=0.9)
    assert (low, high) == pytest.approx((5.0, 95.0))


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 40),
    st.lists(st.tuples(st.integers(0, 39), st.integers(0, 5), st.integers(1, 3)), max_size=40),
    st.lists(st.tuples(st.integers(0, 39), st.integers(0, 5), st.integers(1, 3)), max_size=40),
    st.sampled_from([1, 32, 10**6]),
)
def test_cross_sums_equal_dense_computation(n_articles, x_raw, y_raw, dense_share):
    x_raw = [(a % n_articles, c, v) for a, c, v in x_raw]
    y_raw = [(a % n_articles, c, v) for a, c, v in y_raw]
    x = ([a for a, _, _ in x_raw], [c for _, c, _ in x_raw], [float(v) for _, _, v in x_raw])
    y = ([a for a, _, _ in y_raw], [c for _, c, _ in y_raw], [float(v) for _, _, v in y_raw])
    weights = np.vstack([np.ones((1, n_articles)), bootstrap_weights(n_articles, resamples=5, seed=1)])

    def dense(entries):
        matrix = np.zeros((n_articles, 6))
        for a, c, v in zip(*entries, strict=True):
            matrix[a, c] += v
        return weights @ matrix

    previous = metrics._DENSE_SHARE
    metrics._DENSE_SHARE = dense_share  # 1: only categories in every article are dense; 10**6: all are
    try:
        sums = metrics._Sums(weights)
        sums.cross("xy", x, y)
        sums.cross("xx", x)
        result = sums.compute()
    finally:
        metrics._DENSE_SHARE = previous
    assert result["xy"] == pytest.approx((dense(x) * dense(y)).sum(axis=1))
    assert result["xx"] == pytest.approx((dense(x) ** 2).sum(axis=1))


# --- the report ----------------------------------------------------------------------------------------------------

project_strategy = st.lists(article_strategy, min_size=1, max_size=5)


def build_project(raw_articles) -> tuple[dict[int, dict[str, list[SpanItem]]], dict[int, int]]:
    articles = {i: build_article(raw) for i, raw in enumerate(raw_articles)}
    return articles, {i: 40 for i in articles}


@settings(max_examples=80, deadline=None)
@given(project_strategy)
def test_report_point_values_equal_the_plain_coefficients(raw_articles):
    articles, lengths = build_project(raw_articles)
    report = agreement_report(articles, text_lengths=lengths, resamples=20)
    reviewers = report.reviewers
    k = report.raters_per_unit

    # Links: alpha, percent agreement and Fleiss over the stacked units x reviewers matrices.
    all_units: list[LinkUnit[str]] = [u for by_reviewer in articles.values() for u in link_units(by_reviewer)]
    categories = sorted({link for u in all_units for link in u.links.values()})
    matrix, _ = link_ratings(all_units, [str(r) for r in reviewers], categories=categories)
    assert _close(report.link_alpha.value, krippendorff_alpha_nominal(matrix))
    assert _close(report.link_percent_agreement.value, percent_agreement(matrix))
    complete = matrix[(~np.isnan(matrix)).sum(axis=1) == k] if k >= 2 else np.zeros((0, 2))
    counts = np.zeros((len(complete), len(categories)))
    for u, row in enumerate(complete):
        for value in row[~np.isnan(row)]:
            counts[u, int(value)] += 1
    assert _close(report.link_fleiss_kappa.value, fleiss_kappa_counts(counts) if len(counts) else None)
    assert report.link_units == len(all_units)

    for pair in report.pairs:
        both = {
            i: (by_r[pair.reviewer_a], by_r[pair.reviewer_b])
            for i, by_r in articles.items()
            if pair.reviewer_a in by_r and pair.reviewer_b in by_r
        }
        assert pair.articles == len(both)
        modes: tuple[tuple[MatchMode, SpanTotals, Estimate], ...] = (
            ("exact", pair.exact, pair.f1_exact),
            ("overlap", pair.overlap, pair.f1_overlap),
        )
        for mode, totals, estimate in modes:
            expected = span_agreement(both, mode=mode).micro
            assert (totals.matched, totals.n_a, totals.n_b) == (expected.matched, expected.n_a, expected.n_b)
            assert totals.f1 == pytest.approx(expected.f1)
            assert estimate.value == pytest.approx(expected.f1)
        matched = [(x.link, y.link) for a, b in both.values() for x, y in match_pairs(a, b, mode="overlap")]
        linked = [(x, y) for x, y in matched if x is not None and y is not None]
        assert pair.link_pairs == len(linked)
        assert _close(pair.link_kappa.value, cohen_kappa([x for x, _ in linked], [y for _, y in linked]))

    for article in report.articles:
        by_reviewer = articles[int(article.article_id)]
        units = link_units(by_reviewer)
        unit_matrix, _ = link_ratings(units, list(by_reviewer), categories=categories)
        assert _close(article.link_alpha, krippendorff_alpha_nominal(unit_matrix))
    json.dumps(report.as_dict(), allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(project_strategy, st.integers(0, 7))
def test_report_resample_equals_the_report_on_duplicated_articles(raw_articles, which):
    """A bootstrap resample is the point estimate on the articles drawn: check one resample end to end."""
    articles, lengths = build_project(raw_articles)
    weights = bootstrap_weights(len(articles), resamples=8, seed=11)[which]
    drawn: dict[int, dict[str, list[SpanItem]]] = {}
    for i, count in enumerate(weights.astype(int)):
        for _ in range(count):
            drawn[len(drawn)] = {
                r: [span(r, s.start, s.end, s.link) for s in spans] for r, spans in articles[i].items()
            }
    direct = agreement_report(drawn, text_lengths={i: 40 for i in drawn}, resamples=1)

    captured: dict[str, np.ndarray] = {}

    def keep_figure(values: np.ndarray, level: float) -> metrics.Estimate:
        captured.setdefault(f"#{len(captured)}", values)
        return original(values, level)

    original = metrics._estimate
    metrics._estimate = keep_figure
    try:
        metrics.agreement_report(articles, text_lengths=lengths, resamples=8, seed=11)
    finally:
        metrics._estimate = original
    # _estimate is called per pair first (5 figures each), then for the 6 overall figures, in this order.
    overall = list(captured.values())[-6:]
    expected = [
        direct.span_f1_exact,
        direct.span_f1_overlap,
        direct.link_percent_agreement,
        direct.link_alpha,
        direct.link_fleiss_kappa,
        direct.boundary_alpha,
    ]
    full_k = max(len(by_reviewer) for by_reviewer in articles.values())
    for name, values, estimate in zip(
        ["f1e", "f1o", "pa", "alpha", "fleiss", "boundary"], overall, expected, strict=True
    ):
        if name == "fleiss" and direct.raters_per_unit != full_k:
            continue  # Fleiss' k is fixed by the full data; a resample without its widest article differs
        sample = values[1 + which]
        assert _close(None if math.isnan(sample) else float(sample), estimate.value, 1e-7), name


@settings(max_examples=30, deadline=None)
@given(project_strategy)
def test_report_bootstrap_is_deterministic_and_ordered(raw_articles):
    articles, lengths = build_project(raw_articles)
    first = agreement_report(articles, text_lengths=lengths, resamples=50, seed=5)
    again = agreement_report(articles, text_lengths=lengths, resamples=50, seed=5)
    assert first == again
    estimates = [first.span_f1_exact, first.span_f1_overlap, first.link_alpha, first.boundary_alpha]
    estimates += [p.link_kappa for p in first.pairs]
    for estimate in estimates:
        if estimate.low is not None:
            assert estimate.high is not None
            assert estimate.low <= estimate.high


def test_report_identical_reviewers_agree_perfectly():
    base = [(0, 5, "claim:1"), (10, 20, "no_match"), (25, 30, "claim:2")]
    articles = {
        1: {r: [span(r, s, e, link) for s, e, link in base] for r in ("r1", "r2", "r3")},
        2: {r: [span(r, 3, 9, "claim:1")] for r in ("r1", "r2", "r3")},
    }
    report = agreement_report(articles, text_lengths={1: 40, 2: 40}, resamples=30)
    for estimate in (report.span_f1_exact, report.span_f1_overlap, report.link_alpha, report.link_fleiss_kappa):
        assert estimate.value == pytest.approx(1.0)
    assert report.boundary_alpha.value == pytest.approx(1.0)
    assert all(p.link_kappa.value == pytest.approx(1.0) for p in report.pairs)
    assert report.articles[1].link_alpha is None  # one category throughout: undefined


def test_report_empty_input():
    report = agreement_report({}, resamples=10)
    assert report.articles_count == 0
    assert report.link_alpha.value is None
    assert report.span_f1_overlap.value is None  # no article with two reviewers: nothing measured
    both_silent = agreement_report({1: {"a": [], "b": []}}, resamples=10)
    assert both_silent.span_f1_overlap.value == 1.0  # a pair that marked nothing: the span_prf convention


def test_inputs_fingerprint_is_canonical_and_sensitive():
    a1, a2 = span("a", 0, 5, "claim:1", id=1), span("a", 7, 9, None, id=2)
    b1 = span("b", 0, 5, "claim:1", id=3)
    one: dict[int, dict[str, list[SpanItem]]] = {1: {"a": [a1, a2], "b": [b1]}, 2: {"a": []}}
    reordered: dict[int, dict[str, list[SpanItem]]] = {2: {"a": []}, 1: {"b": [b1], "a": [a2, a1]}}
    assert inputs_fingerprint(one, resamples=1000) == inputs_fingerprint(reordered, resamples=1000)
    changed: dict[int, dict[str, list[SpanItem]]] = {
        1: {"a": [a1, span("a", 7, 10, None, id=2)], "b": [b1]},
        2: {"a": []},
    }
    assert inputs_fingerprint(changed, resamples=1000) != inputs_fingerprint(one, resamples=1000)
    assert inputs_fingerprint(one, resamples=200) != inputs_fingerprint(one, resamples=1000)
    assert inputs_fingerprint(one, text_lengths={1: 40, 2: 9}) != inputs_fingerprint(one)
    as_text: dict[str, dict[str, list[SpanItem]]] = {"1": one[1]}
    assert inputs_fingerprint(as_text) != inputs_fingerprint({1: one[1]})


def test_a_resample_without_a_pairs_articles_leaves_its_span_f1_undefined() -> None:
    """Reviewers 1 and 3 share one article, where their F1 is 0; a resample that does not draw it measures
    nothing for them. It used to count as F1 = 1, so their interval always reached 1.0."""
    ids = iter(range(1, 1_000))

    def span(reviewer: int, start: int, end: int) -> SpanItem:
        return SpanItem(id=next(ids), reviewer=reviewer, start=start, end=end, link=None)

    articles = {a: {1: [span(1, 0, 5)], 2: [span(2, 0, 5)]} for a in range(20)}
    articles[99] = {1: [span(1, 0, 5)], 3: [span(3, 10, 15)]}
    report = agreement_report(articles, text_lengths=dict.fromkeys(articles, 50), resamples=500)
    (pair,) = [p for p in report.pairs if (p.reviewer_a, p.reviewer_b) == (1, 3)]
    assert (pair.f1_exact.value, pair.f1_exact.low, pair.f1_exact.high) == (0.0, 0.0, 0.0)
    drawn = 500 - round(500 * (1 - 1 / 21) ** 21)  # about 64 % of resamples draw article 99
    assert abs(pair.f1_exact.resamples_defined - drawn) < 40
    (agreeing,) = [p for p in report.pairs if (p.reviewer_a, p.reviewer_b) == (1, 2)]
    assert agreeing.f1_exact.value == 1.0
