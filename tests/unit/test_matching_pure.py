"""The pure parts of matching: fusion of ranked lists, the title re-rank, and query clean-up."""

from __future__ import annotations

import pytest

from annotations.matching.fusion import Fused, FusionConfig, RerankConfig, fuse, rerank
from annotations.matching.text import clean_query


def test_rrf_rewards_agreement_between_sources() -> None:
    dense = [(1, 0.9), (2, 0.8), (3, 0.7)]
    lexical = [(3, 12.0), (1, 9.0), (4, 2.0)]
    ranking = fuse({"dense": dense, "lexical": lexical}, FusionConfig(k=60), top_k=4)
    assert [f.claim_id for f in ranking] == [1, 3, 2, 4]
    assert ranking[0].fused_score == pytest.approx(1 / 61 + 1 / 62)
    assert ranking[0].scores == {"dense": 0.9, "lexical": 9.0}
    assert ranking[2].scores == {"dense": 0.8}  # a dense-only candidate keeps only its dense score
    assert [f.rank for f in ranking] == [1, 2, 3, 4]


def test_weights_shift_the_ranking() -> None:
    dense = [(1, 0.9), (2, 0.1)]
    lexical = [(2, 5.0), (1, 1.0)]
    assert fuse({"dense": dense, "lexical": lexical}, FusionConfig(weights={"dense": 2.0}))[0].claim_id == 1
    assert fuse({"dense": dense, "lexical": lexical}, FusionConfig(weights={"lexical": 2.0}))[0].claim_id == 2


def test_linear_fusion_normalises_each_list() -> None:
    dense = [(1, 0.80), (2, 0.79), (3, 0.10)]
    lexical = [(2, 30.0), (3, 29.0), (1, 0.0)]
    ranking = fuse({"dense": dense, "lexical": lexical}, FusionConfig(method="linear"))
    # dense: 1 -> 1.0, 2 -> 0.69/0.70, 3 -> 0; lexical: 2 -> 1.0, 3 -> 29/30, 1 -> 0
    assert [f.claim_id for f in ranking] == [2, 1, 3]
    assert ranking[0].fused_score == pytest.approx(0.69 / 0.70 + 1.0)
    assert ranking[2].fused_score == pytest.approx(29 / 30)


def test_ties_break_by_claim_id_and_duplicates_count_once() -> None:
    ranking = fuse({"dense": [(7, 0.5), (7, 0.4), (3, 0.5)]}, FusionConfig(), top_k=5)
    assert [f.claim_id for f in ranking] == [7, 3]
    equal = fuse({"a": [(9, 1.0)], "b": [(4, 1.0)]}, FusionConfig())
    assert [f.claim_id for f in equal] == [4, 9]


def test_empty_and_bad_arguments() -> None:
    assert fuse({"dense": [], "lexical": []}) == []
    with pytest.raises(ValueError, match="method"):
        fuse({}, FusionConfig(method="magic"))
    with pytest.raises(ValueError, match="top_k"):
        fuse({}, top_k=0)


def fused_list(*claim_ids: int) -> list[Fused]:
    return [Fused(claim_id=c, rank=r, fused_score=1.0 / r, scores={"dense": 0.5}) for r, c in enumerate(claim_ids, 1)]


def test_rerank_fuses_the_fused_rank_with_the_title_rank() -> None:
    # Fused order 1, 2, 3, 4; by title 3, 2, 4, 1. With k = 9: claim 3 1/12 + 1/10, claim 2 1/11 + 1/11,
    # claim 1 1/10 + 1/13, claim 4 1/13 + 1/12.
    ranking = rerank(fused_list(1, 2, 3, 4), {1: 0.1, 2: 0.5, 3: 0.9, 4: 0.3}, RerankConfig(k=9), top_k=3)
    assert [f.claim_id for f in ranking] == [3, 2, 1]
    assert ranking[0].fused_score == pytest.approx(1 / 12 + 1 / 10)
    assert [f.rank for f in ranking] == [1, 2, 3]
    assert ranking[0].scores == {"dense": 0.5, "title": 0.9}  # the title similarity joins the scores
    assert [f.fused_score for f in ranking] == sorted((f.fused_score for f in ranking), reverse=True)


def test_rerank_matches_the_experiments_formula_and_ties_keep_the_fused_order() -> None:
    # bench/title_rerank.py: 1/(10 + r) + w/(10 + r_title), ranks from 0, a stable sort. Claims 1 and 2 tie
    # (1/10 + 1/11 each) and keep their fused order.
    ranking = rerank(fused_list(1, 2, 3), {1: 0.2, 2: 0.8, 3: 0.1}, RerankConfig(k=9, weight=1.0), top_k=3)
    expected = {1: 1 / 10 + 1 / 11, 2: 1 / 11 + 1 / 10, 3: 1 / 12 + 1 / 12}
    assert [f.claim_id for f in ranking] == [1, 2, 3]
    assert {f.claim_id: f.fused_score for f in ranking} == pytest.approx(expected)


def test_rerank_weight_zero_keeps_the_fused_order_and_a_heavy_title_decides() -> None:
    similarities = {1: 0.1, 2: 0.2, 3: 0.9}
    assert [f.claim_id for f in rerank(fused_list(1, 2, 3), similarities, RerankConfig(weight=0.0))] == [1, 2, 3]
    assert [f.claim_id for f in rerank(fused_list(1, 2, 3), similarities, RerankConfig(weight=50.0))] == [3, 2, 1]


def test_rerank_only_the_head_and_candidates_without_a_title_get_no_share() -> None:
    # depth 2: claim 3 is outside the head and is not returned, however similar its title.
    head = rerank(fused_list(1, 2, 3), {2: 0.9, 3: 1.0}, RerankConfig(depth=2, k=9), top_k=2)
    assert [f.claim_id for f in head] == [2, 1]
    assert "title" not in head[1].scores  # claim 1 has no title similarity: its fused rank alone
    assert head[1].fused_score == pytest.approx(1 / 10)
    # top_k beyond depth re-ranks as many as are returned.
    assert len(rerank(fused_list(1, 2, 3), {}, RerankConfig(depth=1), top_k=3)) == 3
    assert rerank([], {}, RerankConfig()) == []
    with pytest.raises(ValueError, match="top_k"):
        rerank(fused_list(1), {}, top_k=0)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (
            "How are butterflies surviving the #AustralianFires? pic.twitter.com/0eJtwJyS1J "
            "\u2014 Center for Bio Div (@CenterForBioDiv) January 14, 2020",
            "How are butterflies surviving the Australian Fires? \u2014 Center for Bio Div (CenterForBioDiv) "
            "January 14, 2020",
        ),
        (
            "Read this https://t.co/abc @SenSanders says #Medicare for all",
            "Read this SenSanders says Medicare for all",
        ),
        ("plain   text\nwith  spaces", "plain text with spaces"),
    ],
)
def test_clean_query(raw: str, clean: str) -> None:
    assert clean_query(raw) == clean
