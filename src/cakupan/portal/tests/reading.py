"""What a reader sees of a page: its text without markup, style or script, optionally only inside one
data-testid, with a break where the browser shows one. Shared by the public pages' tests."""

from __future__ import annotations

import re
from html.parser import HTMLParser

VOID_TAGS = {"br", "input", "meta", "link", "img", "hr", "wbr", "source"}
# Where a reader sees a break between words; inline elements (strong, a, span) join their neighbours.
INLINE_TAGS = {"a", "strong", "span", "em", "b", "i", "abbr", "code"}


class _Text(HTMLParser):
    """The text a reader sees (no style or script content), optionally only inside one data-testid."""

    def __init__(self, testid: str | None = None) -> None:
        super().__init__()
        self.testid = testid
        self.parts: list[str] = []
        self.hidden = 0
        self.depth = 0
        self.capture_depth = None if testid else 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self.hidden += 1
        if tag in VOID_TAGS:
            self.parts.append(" ")
            return
        self.depth += 1
        if self.capture_depth is None and dict(attrs).get("data-testid") == self.testid:
            self.capture_depth = self.depth

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self.hidden -= 1
        if tag in VOID_TAGS:
            return
        if self.testid and self.capture_depth == self.depth:
            self.capture_depth = -1
        self.depth -= 1
        if tag not in INLINE_TAGS:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self.hidden and self.capture_depth is not None and self.capture_depth >= 0:
            self.parts.append(data)

    def text(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.parts)).strip()


def visible(response, testid: str | None = None) -> str:
    parser = _Text(testid)
    parser.feed(response.content.decode())
    return parser.text()
