"""Shared helpers: a rule book built from the shipped data files with some text replaced, to show that a
correction is a data edit and to exercise rules the shipped figures never trigger."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cakupan.rules.engine.figures import DATA_DIR, RuleBook

BASE_FILE = "2019-12-02-pp82-2019.toml"
DISCOUNT_FILE = "2025-12-22-pp50-2025.toml"


def shipped_texts() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(DATA_DIR.glob("*.toml"))}


def edited_book(edits: dict[str, list[tuple[str, str]]], extra: dict[str, str] | None = None) -> RuleBook:
    texts = shipped_texts()
    for name, replacements in edits.items():
        for old, new in replacements:
            assert texts[name].count(old) == 1, f"{old!r} must occur exactly once in {name}"
            texts[name] = texts[name].replace(old, new)
    texts.update(extra or {})
    return RuleBook.from_texts(texts)


@pytest.fixture
def book_with() -> Callable[..., RuleBook]:
    return edited_book
