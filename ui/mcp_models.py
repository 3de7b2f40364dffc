"""The MCP tools' results as typed models, so clients see real JSON schemas of what each tool returns.

The fields are those of ``rag ask --json`` and of the OpenAI-compatible API's citations: a
tool result validated by these models dumps to exactly ``Answer.to_json()`` (ask) or the
citations' ``to_json()`` (search).
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class CitedPassage(BaseModel):
    """A passage of a document, with the sentence in it that supports the answer or the query."""

    n: int = Field(description="The citation's number: [n] in the answer, or the passage's rank in a search")
    doc_id: str = Field(description="The document's id (a hash of its text)")
    source: str = Field(description="The file the document was read from")
    title: str = Field(description="The document's title")
    start: int = Field(description="Character offset of the passage in the document's text")
    end: int = Field(description="Character offset where the passage ends")
    text: str = Field(description="The passage's text")
    score: float = Field(description="Retrieval score (higher is better)")
    sentence_start: int = Field(description="Character offset of the supporting sentence in the document's text")
    sentence_end: int = Field(description="Character offset where the supporting sentence ends")
    page: int | None = Field(None, description="PDF page the supporting sentence starts on (None: no pages)")
    page_end: int | None = Field(None, description="PDF page it ends on")
    section: str | None = Field(None, description="Headings above it, 'Safety › Fire' (None: no headings)")


class AnswerSentence(BaseModel):
    """One sentence of the answer with its citations and whether the sources back it."""

    text: str
    citations: list[int] = Field(description="The numbers n of the citations after the sentence")
    supported: bool = Field(description="False for a generated sentence the citation check could not back")


class AskResult(BaseModel):
    """A cited answer, as `rag ask --json` prints it."""

    answer: str = Field(description="The answer text with [n] markers (or the refusal)")
    refused: bool = Field(description="True when the sources do not answer the question")
    citations: list[CitedPassage]
    sentences: list[AnswerSentence]
    engine: str = Field(description="What wrote the answer: 'extractive' or the LLM")
    note: str = Field(description="What the citation check changed, or why a fallback answered ('' if nothing)")
    question_type: str = Field(
        description="factoid, who_said, what_said, definition, list, summary, why, how, yes_no, comparison or request"
    )
    short_answer: str | None = Field(description="The phrase that answers the question, if its type has one")


class SearchResult(BaseModel):
    """The passages that best match a query, best first."""

    passages: list[CitedPassage]


class IndexedDocument(BaseModel):
    """A document of the index, as the `documents` argument of ask and search can name it."""

    doc_id: str
    title: str
    source: str = Field(description="The file it was read from (its name and a glob over it select it too)")
    aliases: list[str] = Field(description="Other files with the same text")
    passages: int


class DocumentList(BaseModel):
    """Every indexed document."""

    documents: list[IndexedDocument]
