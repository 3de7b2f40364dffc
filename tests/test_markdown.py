"""Markdown blocks as a reader sees them."""

from rag.ingest.markdown import markdown_blocks

DOC = """---
title: front matter
---
# Setting `up`

<!-- a comment nobody reads -->
Install it with the [package manager][pm], then
run the ![tool](tool.png) once:

```sh
tool --init
```

| option | default |
|---|---|
| `--jobs` | 4 |

[pm]: https://example.org
"""


def test_blocks_without_markup():
    blocks = markdown_blocks(DOC)
    assert blocks[0] == ("Setting up", 1)
    assert ("Install it with the package manager, then run the tool once:", None) in blocks
    assert ("tool --init", None) in blocks
    assert ("option | default\n--jobs | 4", None) in blocks
    assert not any("comment" in b or "front matter" in b for b, _ in blocks)


README = """\
<h1 align="center">Gull <sup>tracker</sup></h1>

<p align="center">
  <sup>What I want is to count sea birds.</sup><br>
  <a href="https://example.org/ci"><img src="https://example.org/ci.svg" alt="build status"/></a>
</p>

[![PyPI version](https://example.org/pypi.svg)](https://pypi.org) ![coverage](https://example.org/cov.svg)

<div><script>track()</script></div>

Gull counts birds ![a gull](gull.png) on the shore.
"""


def test_a_readmes_html_headings_and_paragraphs_are_text_and_its_badges_go():
    blocks = markdown_blocks(README)
    assert blocks[0] == ("Gull tracker", 1)
    assert ("What I want is to count sea birds.", None) in blocks
    assert ("Gull counts birds a gull on the shore.", None) in blocks  # an image inside a sentence: its alt text
    assert len(blocks) == 3, blocks  # the badges' alt texts, the image links and the script are no text
