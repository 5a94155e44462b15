"""What a reviewer does with the mouse, for the browser tests and bench/ui.py (no pytest here)."""

from __future__ import annotations

from playwright.sync_api import Page


def utf16(text: str, index: int) -> int:
    """A code point offset as the DOM counts it."""
    return len(text[:index].encode("utf-16-le")) // 2


def drag_select(page: Page, text: str, start: int, end: int) -> None:
    """Drag the mouse from code point `start` to `end` in the article text, like a reviewer."""
    points = page.evaluate(
        """([s, e]) => {
            const node = document.getElementById('article-text').firstChild;
            const box = (i) => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
                                  const rects = r.getClientRects(); return rects[rects.length - 1]; };
            // Bring the span into view first: the mouse only reaches what is on the screen.
            if (box(s).top < 0 || box(e - 1).bottom > innerHeight) window.scrollBy(0, box(s).top - innerHeight / 4);
            const a = box(s), b = box(e - 1);
            return [{x: a.left + 1, y: a.top + a.height / 2}, {x: b.right - 1, y: b.top + b.height / 2}];
        }""",
        [utf16(text, start), utf16(text, end)],
    )
    a, b = points
    page.mouse.move(a["x"], a["y"])
    page.mouse.down()
    page.mouse.move(b["x"], b["y"], steps=12)
    page.mouse.up()
