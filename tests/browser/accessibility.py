"""Accessibility checks run inside a Playwright page: axe-core for WCAG 2.1 A/AA, and what axe does not
measure for a reader on a cheap phone (text size, target size, sideways scrolling).

axe-core comes from npm (package.json at the repository root; `make test` runs `npm ci`), pinned, so that
a new axe release with new rules never turns a green build red on its own.
"""

from __future__ import annotations

import functools
from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Body text on a phone; WCAG sets no size, 16 px is what phone browsers default to and what stays readable.
MIN_TEXT_PX = 16
# WCAG 2.2's minimum target size (2.5.8, AA).
MIN_TARGET_PX = 24


@functools.cache
def _axe_source() -> str:
    if not AXE.exists():
        raise FileNotFoundError(f"{AXE} is missing: run `make node` (npm ci) to install axe-core")
    return AXE.read_text(encoding="utf-8")


def axe_violations(page) -> list[str]:
    """WCAG 2.1 A and AA violations on the page as it stands, one readable line per offending element."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol, so the page's Content-Security-Policy (no inline or
        # foreign scripts) neither blocks axe nor has to be relaxed for the test.
        page.evaluate(f"() => {{ {_axe_source()}\n}}")
    found = page.evaluate(
        """async (tags) => {
            const options = {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']};
            const result = await axe.run(document, options);
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary || ''})),
            }));
        }""",
        WCAG_21_AA,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {node['target']}: {' '.join(node['summary'].split())}"
        for v in found
        for node in v["nodes"]
    ]


_PHONE_PROBLEMS = """([minText, minTarget]) => {
    const problems = [];
    const viewport = document.documentElement.clientWidth;
    const scrollWidth = document.documentElement.scrollWidth;
    if (scrollWidth > viewport) {
        problems.push(`scrolls sideways: ${scrollWidth} px wide in a ${viewport} px viewport`);
    }
    const describe = (el) => {
        const words = el.innerText || el.value || el.getAttribute('aria-label') || '';
        const text = words.trim().replace(/\\s+/g, ' ').slice(0, 40);
        const id = el.id ? '#' + el.id : '';
        const classes = [...el.classList].map(name => '.' + name).join('');
        return `<${el.tagName.toLowerCase()}${id}${classes}> "${text}"`;
    };
    const visible = (el) => {
        const style = getComputedStyle(el);
        const box = el.getBoundingClientRect();
        return style.visibility !== 'hidden' && style.display !== 'none' && box.width > 0 && box.height > 0;
    };
    // Text: every element that holds words of its own (a direct text node), not only <body>.
    for (const el of document.body.querySelectorAll('*')) {
        const ownText = [...el.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
        if (!ownText || !visible(el)) continue;
        const size = parseFloat(getComputedStyle(el).fontSize);
        if (size < minText) problems.push(`text ${size} px (< ${minText} px): ${describe(el)}`);
    }
    // Targets. A link inside a sentence is exempt, as WCAG 2.5.8 exempts it: its size is the line's.
    const inSentence = (el) => {
        if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
        let block = el.parentElement;
        while (block && getComputedStyle(block).display === 'inline') block = block.parentElement;
        return block && block.innerText.trim().length > el.innerText.trim().length;
    };
    const targets = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
    for (const el of document.body.querySelectorAll(targets)) {
        if (!visible(el) || inSentence(el)) continue;
        const box = el.getBoundingClientRect();
        if (box.width < minTarget || box.height < minTarget) {
            const size = `${box.width.toFixed(1)}×${box.height.toFixed(1)} px`;
            problems.push(`target ${size} (< ${minTarget}×${minTarget}): ${describe(el)}`);
        }
    }
    return problems;
}"""


def phone_problems(page) -> list[str]:
    """What makes the page hard to read or tap on a small screen: sideways scrolling, text under 16 px,
    links, buttons and fields under 24×24 px."""
    return page.evaluate(_PHONE_PROBLEMS, [MIN_TEXT_PX, MIN_TARGET_PX])
