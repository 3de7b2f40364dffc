"""Plain text as a reader sees it: a title underlined with one character repeated is a heading.

Release notes, RFC-style text and READMEs written as .txt mark their titles as Markdown's and
reStructuredText's setext titles do ("Git 2.27 Release Notes" over a row of "="). The rule
line goes, and the title is a heading, its level by the order its character first appears; an
overline of the same character goes too. A title stands after a blank line (or at the start),
is one line of at most ``MAX_TITLE`` characters, and its rule is at least ``RULE_SHARE`` of its
length: a row of dashes under a paragraph's last line, or under a table's header, is no title.
"""

from __future__ import annotations

import re

MAX_TITLE = 100
RULE_SHARE = 0.6
_RULE = re.compile(r"([=\-~^*#+])\1{2,}")


def _rule(line: str) -> str | None:
    """The character of a rule line ("=====", "-----"), else None."""
    m = _RULE.fullmatch(line.strip())
    return m.group(1) if m and not line[:1].isspace() else None


def _title_at(lines: list[str], i: int) -> str | None:
    """The rule's character when line ``i`` is a title underlined by line ``i + 1``."""
    title = lines[i].strip()
    if not title or len(title) > MAX_TITLE or _rule(lines[i]) or i + 1 >= len(lines):
        return None
    char = _rule(lines[i + 1])
    if char is None or len(lines[i + 1].strip()) < RULE_SHARE * len(title):
        return None
    before = lines[i - 1] if i > 0 else ""
    after_blank = not before.strip() or (_rule(before) == char and (i < 2 or not lines[i - 2].strip()))
    return char if after_blank else None


def text_blocks(text: str) -> list[tuple[str, int | None]]:
    """(block text, heading level or None): the text between titles as it is, each underlined title a heading."""
    lines = text.split("\n")
    styles: dict[str, int] = {}
    blocks: list[tuple[str, int | None]] = []
    body: list[str] = []

    def flush() -> None:
        joined = "\n".join(body)
        if joined.strip():
            blocks.append((joined.strip("\n"), None))
        body.clear()

    i = 0
    while i < len(lines):
        char = _title_at(lines, i)
        if char is None:
            body.append(lines[i])
            i += 1
            continue
        if body and _rule(body[-1]) == char:
            body.pop()  # the title's overline
        flush()
        blocks.append((lines[i].strip(), min(styles.setdefault(char, len(styles) + 1), 6)))
        i += 2
    flush()
    return blocks
