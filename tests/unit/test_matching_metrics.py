"""The CheckThat! metrics against hand-computed cases."""

from __future__ import annotations

import pytest

from annotations.matching.metrics import average_precision_at, recall_at, reciprocal_rank, score


def test_average_precision_divides_by_the_gold_pairs() -> None:
    ranking = ["a", "x", "b", "y", "z"]
    assert average_precision_at(ranking, {"a", "b"}, 5) == pytest.approx((1 / 1 + 2 / 3) / 2)
    assert average_precision_at(ranking, {"a", "b"}, 1) == pytest.approx(0.5)  # one of two gold found at 1
    assert average_precision_at(ranking, {"q"}, 5) == 0.0
    assert average_precision_at(ranking, {"z"}, 5) == pytest.approx(1 / 5)
    assert average_precision_at(ranking, {"z"}, 4) == 0.0


def test_recall_and_reciprocal_rank() -> None:
    assert recall_at(["a", "b", "c"], {"c", "d"}, 5) == 0.5
    assert reciprocal_rank(["x", "y", "a"], {"a"}) == pytest.approx(1 / 3)
    assert reciprocal_rank(["x"], {"a"}) == 0.0


def test_score_means_over_gold_queries_and_missing_rankings_count_as_misses() -> None:
    scores = score({"q1": ["a", "b"], "q2": ["c", "d"]}, {"q1": {"a"}, "q2": {"d"}, "q3": {"e"}})
    assert scores.queries == 3
    assert scores.map_at_1 == pytest.approx(1 / 3)
    assert scores.map_at_5 == pytest.approx((1 + 0.5 + 0) / 3)
    assert scores.mrr == pytest.approx((1 + 0.5) / 3)
    assert scores.recall_at_5 == pytest.approx(2 / 3)
