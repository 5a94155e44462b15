"""A byte-counting reader and a small progress bar for long-running commands."""

from __future__ import annotations

import time
from typing import BinaryIO, TextIO


class ProgressBar:
    """Draws `[#####.....]  52%  5,200 articles` on a terminal; on a pipe, a line every 10%."""

    def __init__(self, out: TextIO, total_bytes: int, unit: str = "records") -> None:
        self.out = out
        self.total = max(total_bytes, 1)
        self.unit = unit
        self.done_bytes = 0
        self.count = 0
        self.tty = out.isatty()
        self._last_decile = -1
        self._last_draw = 0.0

    def advance(self, nbytes: int) -> None:
        self.done_bytes += nbytes
        self.draw()

    def records(self, count: int) -> None:
        self.count = count
        self.draw()

    def draw(self, *, final: bool = False) -> None:
        fraction = min(self.done_bytes / self.total, 1.0)
        if self.tty:
            now = time.monotonic()
            if not final and now - self._last_draw < 0.1:
                return
            self._last_draw = now
            filled = int(fraction * 30)
            bar = "#" * filled + "." * (30 - filled)
            self.out.write(f"\r[{bar}] {fraction:4.0%}  {self.count:,} {self.unit}")
            if final:
                self.out.write("\n")
            self.out.flush()
        else:
            decile = int(fraction * 10)
            if decile != self._last_decile or final:
                self._last_decile = decile
                self.out.write(f"{fraction:4.0%}  {self.count:,} {self.unit}\n")
                self.out.flush()


class CountingReader:
    """Wraps a binary file and reports every byte read to a ProgressBar."""

    def __init__(self, raw: BinaryIO, progress: ProgressBar) -> None:
        self.raw = raw
        self.progress = progress

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.progress.advance(len(data))
        return data

    def readline(self, size: int = -1) -> bytes:
        data = self.raw.readline(size)
        self.progress.advance(len(data))
        return data

    def __getattr__(self, name: str) -> object:
        return getattr(self.raw, name)
