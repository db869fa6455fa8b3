"""Plain-text tables in rich's default look (heavy head, light body), drawn directly.

rich's Table measures and renders every cell through its segment machinery: for a 2,000-entry config the
text plan took 5x as long as the JSON one. Plans hold plain text only (no markup, no colour), so
widths are measured once per cell and long cells are folded at word boundaries here.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from rich.cells import cell_len


def _len(text: str) -> int:
    return len(text) if text.isascii() else cell_len(text)


def _wrap(text: str, width: int) -> list[str]:
    if _len(text) <= width:
        return [text]
    out: list[str] = []
    for line in textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]:
        out.append(line)
    return out


def _widths(headers: Sequence[str], rows: Sequence[Sequence[str]], width: int) -> list[int]:
    natural = [_len(h) for h in headers]
    longest_word = [max((_len(w) for w in h.split()), default=1) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            n = _len(cell)
            if n > natural[i]:
                natural[i] = n
    # the frame takes 3 characters per column and 1 more
    room = width - (3 * len(headers) + 1)
    widths = list(natural)
    floor = [max(4, min(w, 10), longest_word[i]) for i, w in enumerate(natural)]
    excess = sum(widths) - room
    while excess > 0:
        # shrink the widest column that can still shrink, to the next widest one's width at most
        order = sorted(range(len(widths)), key=lambda i: widths[i], reverse=True)
        shrinkable = [i for i in order if widths[i] > floor[i]]
        if not shrinkable:
            break
        i = shrinkable[0]
        others = [widths[j] for j in shrinkable[1:]]
        target = max(floor[i], others[0] if others else floor[i], widths[i] - excess)
        if target >= widths[i]:
            target = widths[i] - 1
        excess -= widths[i] - target
        widths[i] = target
    return widths


def render_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]], width: int) -> str:
    """The table as text lines, each ending in a newline; cells wrap within their column."""
    widths = _widths(headers, rows, width)
    out = [title + "\n"]

    def rule(left: str, fill: str, mid: str, right: str) -> str:
        return left + mid.join(fill * (w + 2) for w in widths) + right + "\n"

    def lines(cells: Sequence[str], bar: str) -> None:
        wrapped = [_wrap(c, w) for c, w in zip(cells, widths, strict=True)]
        for k in range(max(len(c) for c in wrapped)):
            parts = []
            for c, w in zip(wrapped, widths, strict=True):
                text = c[k] if k < len(c) else ""
                parts.append(" " + text + " " * (w - _len(text)) + " ")
            out.append(bar + bar.join(parts) + bar + "\n")

    out.append(rule("┏", "━", "┳", "┓"))
    lines(headers, "┃")
    out.append(rule("┡", "━", "╇", "┩"))
    for row in rows:
        lines(row, "│")
    out.append(rule("└", "─", "┴", "┘"))
    return "".join(out)
