"""Example questions built from what is indexed: its speakers, people, abbreviations and titles,
so a user who loads their own documents is offered questions about them."""

from __future__ import annotations

from collections import Counter

from ..text.terms import STOPWORDS


def example_questions(engine, limit: int = 4) -> list[str]:
    """Up to ``limit`` questions the extractive engine can answer from the loaded index (``engine``:
    an ExtractiveEngine): what the most quoted person said, who another person is, what an
    abbreviation stands for, and a summary of the first document."""
    index = engine.index
    out: list[str] = []
    quoted: Counter[str] = Counter()  # full name -> statements
    for doc_id, statements in index.statements.items():
        links = index.links.get(doc_id)
        for st in statements:
            names = {links.names[w] for w in st.speaker if links and w in links.names}
            quoted.update(names)
    ranked = [name for name, _ in quoted.most_common()]
    if ranked:
        out.append(f"What did {engine.view.short_name(ranked[0]).split()[-1]} say?")
    for name in ranked[1:2]:
        out.append(f"Who is {engine.view.short_name(name)}?")
    # an abbreviation the text spells out, not one that is also an English word ("IS")
    acronym = next(
        (
            k
            for lk in index.links.values()
            for k, v in lk.acronyms.items()
            if v and len(k) >= 2 and k.lower() not in STOPWORDS
        ),
        None,
    )
    if acronym:
        out.append(f"What does {acronym} stand for?")
    titles = [d.title for d in list(index.documents.values())[:50] if d.title]
    if titles:
        out.append(
            f"Give me an overview of “{titles[0]}”." if len(index.documents) > 1 else "Summarize the main points."
        )
    return out[:limit]
