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
