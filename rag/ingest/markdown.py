"""Markdown as a reader sees it: the text of each block, without the markup.

Parsed with markdown-it-py (CommonMark, with tables). Headings keep their level; a paragraph's
wrapped lines join with spaces; links and images give their text; inline code keeps its code
without the backticks; a code block keeps its lines; a table gives one line per row, its cells
joined by " | "; HTML comments and other raw HTML blocks are dropped. YAML front matter is
skipped.
"""

from __future__ import annotations

import re

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n---[ \t]*(?:\n|\Z)", re.S)


# the marker of an item of an unordered list in a document's text (HTML and Markdown lists)
LIST_BULLET = "•"


def _inline_text(token) -> str:
    """The plain text of an inline token: text, code and the text of links and images."""
    out: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" " if child.type == "softbreak" else "\n")
        elif child.type == "image":
            out.append(child.content or "")
    return "".join(out).strip()


def markdown_blocks(text: str) -> list[tuple[str, int | None]]:
    """(block text, heading level or None) for each block of a Markdown document, in order."""
    from markdown_it import MarkdownIt

    text = _FRONT_MATTER.sub("", text, count=1)
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    blocks: list[tuple[str, int | None]] = []
    heading: int | None = None
    row: list[str] = []
    rows: list[str] = []
    marker = ""  # a list item's marker, put before its first paragraph ("• ", "2. ")
    for i, tok in enumerate(tokens):
        if tok.type == "list_item_open":
            marker = f"{tok.info}{tok.markup} " if tok.info else f"{LIST_BULLET} "
        elif tok.type == "heading_open":
            heading = int(tok.tag[1])
        elif tok.type == "heading_close":
            heading = None
        elif tok.type in ("fence", "code_block") and tok.content.strip():
            blocks.append((tok.content.rstrip("\n"), None))
        elif tok.type == "tr_close":
            rows.append(" | ".join(row))
            row = []
        elif tok.type == "table_close":
            blocks.append(("\n".join(rows), None))
            rows = []
        elif tok.type == "inline":
            content = _inline_text(tok)
            if i and tokens[i - 1].type in ("th_open", "td_open"):
                row.append(content)
            elif content:
                blocks.append((marker + content, heading))
                marker = ""
    return blocks
