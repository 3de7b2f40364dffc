"""reStructuredText as a reader sees it: the text of each block, without the markup.

Read line by line rather than with docutils: Sphinx's documents, the commonest reStructuredText,
use directives and roles docutils does not know (``.. tab::``, ``:ref:``), whose content it turns
into error messages. Here a section title (underlined, or over- and underlined, with punctuation)
is a heading, its level by the order its style first appears, as reStructuredText defines it; a
directive's line goes and its indented content stays, a comment and a link target go whole;
roles, links and inline literals keep their text; a paragraph's wrapped lines join with spaces and
a literal block keeps its lines. A substitution (``|name|``, defined by ``.. |name| replace:: text``
or ``.. |name| image:: url``) is its replacement text, or an image's alt text, or nothing: the rows of
badges a README opens with are images, not sentences.
"""

from __future__ import annotations

import re
import textwrap

from .markdown import LIST_BULLET

_ADORNMENT = re.compile(r"([=\-~^\"'`#*+:._])\1{2,}\s*")
_EXPLICIT = re.compile(r"\.\.(?:\s|$)")
_DIRECTIVE = re.compile(r"\.\.\s+([\w:.+-]+)::")
# directives whose content is code or other text kept line by line
_LITERAL_DIRECTIVES = {
    "code",
    "code-block",
    "sourcecode",
    "parsed-literal",
    "doctest",
    "highlight",
    "math",
    "literalinclude",
}
# a list item's marker: "* ", "- ", "+ ", "1. ", "(a) ", "#. "
_ITEM = re.compile(r"(?:[*+\-•]|\(?(?:\d+|[A-Za-z]|#)[.)])\s+\S")
# :role:`text <target>` or :role:`text`, `text <url>`_, `text`_, `text`, ``literal``, **strong**, *emphasis*
_ROLE = re.compile(r":[\w:.+-]+:`([^`<]*?)\s*(?:<[^`>]*>)?`")
_LINK = re.compile(r"`([^`<]*?)\s*(?:<[^`>]*>)?`(?:__?)?")  # a link, or interpreted text of the default role
_LITERAL = re.compile(r"``(.+?)``")
_STRONG = re.compile(r"\*\*(.+?)\*\*|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")


def inline_text(text: str) -> str:
    """A paragraph's text without inline markup: roles, links and literals keep their text."""
    text = _LITERAL.sub(r"\1", text)
    text = _ROLE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    return _STRONG.sub(lambda m: m.group(1) or m.group(2), text)


def _is_title(lines: list[str], i: int) -> tuple[str, int] | None:
    """(style, lines used) when a section title starts at line ``i``: a line underlined (or over- and
    underlined) with one punctuation character, at least as long as the title."""

    def rule(k: int) -> str | None:
        m = _ADORNMENT.fullmatch(lines[k]) if 0 <= k < len(lines) else None
        return m.group(1) if m else None

    over = rule(i)
    if over and i + 2 < len(lines) and lines[i + 1].strip() and rule(i + 2) == over:
        return "over" + over, 3
    under = rule(i + 1) if lines[i].strip() and not lines[i].startswith((" ", "\t")) else None
    if under and len(lines[i + 1].rstrip()) >= len(lines[i].rstrip()) and rule(i) is None:
        return under, 2
    return None


def _indented_end(lines: list[str], i: int) -> int:
    """The end of the indented block (blank lines inside it included) that starts after line ``i``."""
    end = i + 1
    while end < len(lines) and (not lines[end].strip() or lines[end].startswith((" ", "\t"))):
        end += 1
    while end > i + 1 and not lines[end - 1].strip():
        end -= 1
    return end


# blocks nested deeper than this (directives in directives, quotes in quotes) are read as they are written
MAX_DEPTH = 20


def rst_blocks(text: str) -> list[tuple[str, int | None]]:
    """(block text, heading level or None) for each block of a reStructuredText document, in order."""
    return _blocks(substituted(text.expandtabs(8).split("\n")), {}, 0)


# ".. |name| image:: url" (its options on the indented lines after it)
_SUBSTITUTION_DEF = re.compile(r"\.\.\s+\|([^|\s](?:[^|]*[^|\s])?)\|\s+([\w:.+-]+)::\s*(.*)")
# "|name|", "|name|_" or "|name|__", not inside a word nor a table's "| a | b |"
_SUBSTITUTION_REF = re.compile(r"(?<![\w|])\|([^|\s](?:[^|]*[^|\s])?)\|(?:__?)?(?![\w|])")
_ALT = re.compile(r":alt:\s*(.*)")


def _key(name: str) -> str:
    return " ".join(name.lower().split())  # substitution names match whatever their case and spacing


def substitutions(lines: list[str]) -> dict[str, str]:
    """Substitution name -> its text: a ``replace::``'s text, an image's alt text, else nothing."""
    found: dict[str, str] = {}
    for i, line in enumerate(lines):
        m = _SUBSTITUTION_DEF.match(line)
        if m is None:
            continue
        name, kind, arg = m.groups()
        more = [b.strip() for b in lines[i + 1 : _indented_end(lines, i)]]
        if kind == "replace":
            found[_key(name)] = inline_text(" ".join([arg, *(b for b in more if b and not b.startswith(":"))]))
        else:
            alt = next((a.group(1) for b in more if (a := _ALT.match(b))), "")
            found[_key(name)] = alt if kind in ("image", "figure") else ""
    return found


def substituted(lines: list[str]) -> list[str]:
    """The lines with each defined substitution reference replaced by its text (``substitutions``)."""
    found = substitutions(lines)
    if not found:
        return lines

    def text(m: re.Match) -> str:
        return found.get(_key(m.group(1)), m.group(0))

    return [line if _SUBSTITUTION_DEF.match(line) else _SUBSTITUTION_REF.sub(text, line) for line in lines]


def _blocks(lines: list[str], styles: dict[str, int], depth: int) -> list[tuple[str, int | None]]:
    out: list[tuple[str, int | None]] = []
    paragraph: list[str] = []
    literal = False  # the paragraph before ended with "::": the indented block after it is literal

    def flush() -> None:
        nonlocal literal
        if paragraph:
            joined = inline_text(" ".join(line.strip() for line in paragraph))
            # an unordered item's marker, as Markdown's; an auto-numbered one ("#.") too, its number not written
            joined = re.sub(r"^(?:[*+\-]|#\.)(?=\s)", LIST_BULLET, joined)
            literal = joined.endswith("::")
            out.append((joined[:-1] if literal else joined, None))
            paragraph.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        title = _is_title(lines, i) if not paragraph else None
        if title is not None:
            style, used = title
            level = styles.setdefault(style, len(styles) + 1)
            out.append((inline_text(lines[i + (1 if used == 3 else 0)].strip()), min(level, 6)))
            i += used
        elif _EXPLICIT.match(line):
            flush()
            end = _indented_end(lines, i)
            directive = _DIRECTIVE.match(line)
            if directive:  # its content is text of the document; its options (":key: value") are not
                body = [b for b in textwrap.dedent("\n".join(lines[i + 1 : end])).split("\n") if not b.startswith(":")]
                if directive.group(1) in _LITERAL_DIRECTIVES or depth >= MAX_DEPTH:
                    out.append(("\n".join(body).strip("\n"), None))
                else:
                    out.extend(_blocks(body, styles, depth + 1))
            i = end
        elif paragraph and line.strip() and line.startswith((" ", "\t")):  # a list item's or a definition's lines
            paragraph.append(line)
            i += 1
        elif line.startswith((" ", "\t")) and line.strip():
            flush()
            end = _indented_end(lines, i)
            block = textwrap.dedent("\n".join(lines[i:end]))
            nested = literal or depth >= MAX_DEPTH
            out.extend([(block, None)] if nested else _blocks(block.split("\n"), styles, depth + 1))
            literal = False
            i = end
        elif not line.strip():
            flush()
            i += 1
        else:
            if _ITEM.match(line):  # each item of a list is a paragraph of its own
                flush()
            paragraph.append(line)
            i += 1
    flush()
    return [(t, level) for t, level in out if t.strip()]
