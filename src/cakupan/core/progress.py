"""A terminal progress line for long work (imports, generation, refresh)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from cakupan.core.formatting import number


class TerminalProgress:
    def __init__(self, label: str, stream: TextIO | None = None):
        self.total = 1
        self.label = label
        self.done = 0
        self.finished = False
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()

    def __call__(self, increment: int, total: int) -> None:
        self.total = max(total, 1)
        self.done += increment
        share = min(self.done / self.total, 1.0)
        filled = int(share * 30)
        elapsed = time.perf_counter() - self.started
        self.stream.write(
            f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {share:6.1%} "
            f"{number(self.done)}/{number(self.total)} baris · {elapsed:,.1f} dtk"
        )
        if self.done >= self.total and not self.finished:
            self.finished = True
            self.stream.write("\n")
        self.stream.flush()
