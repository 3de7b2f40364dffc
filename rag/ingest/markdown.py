"""Markdown as a reader sees it: the text of each block, without the markup.

Parsed with markdown-it-py (CommonMark, with tables). Headings keep their level; a paragraph's
wrapped lines join with spaces; links and images give their text; inline code keeps its code
without the backticks; a code block keeps its lines; a table gives one line per row, its cells
joined by " | "; a paragraph of images alone (a README's row of badges) is dropped. A raw HTML
block gives the text of its headings and paragraphs (a README's ``<h1 align="center">``); its
images, comments and scripts go. YAML front matter is skipped.
"""

from __future__ import annotations

import re

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n---[ \t]*(?:\n|\Z)", re.S)


# the marker of an item of an unordered list in a document's text (HTML and Markdown lists)
LIST_BULLET = "•"


def _inline_text(token) -> str:
    """The plain text of an inline token: text, code and the text of links and images; nothing when it is
    images alone (badges, a logo: a reader sees pictures, not their alt texts as a sentence)."""
    out: list[str] = []
    said = False
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
            said = said or bool(child.content.strip())
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" " if child.type == "softbreak" else "\n")
        elif child.type == "image":
            out.append(child.content or "")
    return "".join(out).strip() if said else ""


_HTML_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# the blocks of a raw HTML block whose text is read, each a paragraph (a block inside another is part of it)
_HTML_TEXT_BLOCKS = (*_HTML_HEADINGS, "p", "li", "dt", "dd", "th", "td", "pre", "blockquote", "figcaption")


def html_block_text(html: str) -> list[tuple[str, int | None]]:
    """(text, heading level or None) of the headings and paragraphs of a raw HTML block, without its images,
    comments, scripts and styles."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "img", "svg", "picture", "video"]):
        tag.decompose()
    blocks: list[tuple[str, int | None]] = []
    for tag in soup.find_all(_HTML_TEXT_BLOCKS):
        if tag.find_parent(_HTML_TEXT_BLOCKS) is not None:
            continue
        text = " ".join(tag.get_text(" ").split())
        if text:
            blocks.append((text, int(tag.name[1]) if tag.name in _HTML_HEADINGS else None))
    return blocks


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
        elif tok.type == "html_block":
            blocks.extend(html_block_text(tok.content))
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
