"""The records harvest emits: the analysts' contract.

Each JSONL line is one record. Field names are the JSON keys; they are a contract
with downstream tools, so fields may be added but never renamed or retyped without
a major ``SCHEMA_VERSION`` bump. A value the page does not show is ``None`` or
``[]``, never invented. This module imports nothing of harvest.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_serializer
from pydantic.json_schema import models_json_schema

SCHEMA_VERSION = "1.3.0"

_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_DECIMAL = re.compile(r"^\d+(\.\d+)?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_HTTP_URL = re.compile(r"^https?://[^/\s]+")


def _absolute_url(value: str) -> str:
    if not _HTTP_URL.match(value):
        raise ValueError(f"not an absolute http(s) URL: {value!r}")
    return value


def _partial_date(value: str) -> str:
    if not _PARTIAL_DATE.match(value):
        raise ValueError(f"not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD): {value!r}")
    return value


def _non_empty(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


Stage = Literal["fetch", "parse", "write"]
Change = Literal["new", "updated", "unchanged"]


def utc_text(value: datetime) -> str:
    """ISO 8601 in UTC with a Z; a naive time is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


AbsoluteUrl = Annotated[str, AfterValidator(_absolute_url)]
PartialDate = Annotated[
    str,
    AfterValidator(_partial_date),
    Field(description="ISO 8601 date, only as precise as the page: YYYY-MM-DD, YYYY-MM or YYYY."),
]
Text = Annotated[str, AfterValidator(_non_empty)]


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Author(_Value):
    """A person credited on a page."""

    name: Text
    url: AbsoluteUrl | None = Field(None, description="Profile page, when the name is a link.")
    role: Literal["author", "editor"] = "author"


class Money(_Value):
    """A price: decimal string amount (never a float) and ISO 4217 currency."""

    amount: Annotated[str, Field(pattern=_DECIMAL.pattern, examples=["20.00"])]
    currency: Annotated[str, Field(pattern=_CURRENCY.pattern, examples=["USD"])]


class Download(_Value):
    """One row of a free-download table (or a lone download button)."""

    section: str | None = Field(None, description='Sub-heading, e.g. "Full Document".')
    format: Text = Field(description='File format as shown, e.g. "PDF", "EPUB".')
    url: AbsoluteUrl | None = None
    size_bytes: int | None = Field(None, ge=0, description="From size_text; 1 KB = 1024 bytes.")
    size_text: str | None = Field(None, description='Size as shown, e.g. "0.3 MB".')
    notes: str | None = None


class PrintOffer(_Value):
    """One row of a print-purchase table."""

    format: Text = Field(description='Binding as shown, e.g. "Paperback".')
    pages: int | None = Field(None, ge=1)
    price: Money | None = None
    price_text: str | None = Field(None, description='Price as shown, e.g. "$20.00".')


class Image(_Value):
    """An image with its accessible text and, where shown, caption and credit."""

    url: AbsoluteUrl | None = None
    alt: str | None = None
    caption: str | None = None
    credit: str | None = None


class Record(BaseModel):
    """Fields every record carries."""

    model_config = ConfigDict(extra="forbid")

    schema_version: str = SCHEMA_VERSION
    url: AbsoluteUrl = Field(description="Canonical URL of the page.")
    fetched_at: datetime = Field(description="When the page was fetched, UTC.")
    content_sha256: Annotated[str, Field(pattern=_SHA256.pattern)]
    change: Change | None = Field(
        None,
        description='Against the last record emitted for this URL: "new" (none before), '
        '"updated" (it differs), "unchanged" (only with --full, which re-emits all). '
        "Null outside a crawl (harvest parse).",
    )

    @field_serializer("fetched_at")
    def _utc_iso(self, value: datetime) -> str:
        return utc_text(value)


class Publication(Record):
    """A product page (report, brief, testimony, ...) or a commentary article."""

    kind: Literal["publication"] = "publication"
    content_type: str | None = Field(None, description='The page\'s own label: "Research", ...')
    title: Text
    subtitle: str | None = None
    published: PartialDate | None = None
    published_raw: str | None = Field(None, description="The date text as shown on the page.")
    authors: list[Author] = []
    summary: str | None = None
    key_findings: list[str] = []
    recommendations: list[str] = []
    downloads: list[Download] = []
    print_offers: list[PrintOffer] = []
    topics: list[str] = []
    doi: str | None = Field(None, examples=["10.7249/MG115"])
    document_number: str | None = None
    isbn: str | None = None
    series: str | None = None
    sponsor: str | None = None
    program: str | None = None
    division: str | None = Field(None, description="RAND research division that did the work.")
    funding: str | None = Field(
        None,
        description="RAND's own money that paid for the work, as the page words it "
        '(e.g. "gifts from RAND supporters and income from operations"); an external '
        "funder is the sponsor.",
    )
    cover_image: Image | None = None
    image: Image | None = Field(None, description="Hero image of an article, with credit.")
    body: str | None = Field(None, description="Article text, paragraphs split by blank lines.")


class TopicEntry(_Value):
    """One item of a listing."""

    content_type: str | None = None
    title: Text
    url: AbsoluteUrl
    date: PartialDate | None = None
    date_raw: str | None = None
    summary: str | None = None
    image: Image | None = None
    featured: bool = False


class Topic(Record):
    """A topic page or another listing page such as ``/pubs.html?start=N``."""

    kind: Literal["topic"] = "topic"
    name: Text
    description: str | None = None
    entries: list[TopicEntry] = []
    next_page: AbsoluteUrl | None = None


class ErrorRecord(BaseModel):
    """A page that gave no record (a line of ``errors.jsonl``).

    ``outcome`` says why in one word: a failure (``http_error``, ``timeout``,
    ``network``, ``parse_error`` ...) or a page harvest chose to skip
    (``robots_disallowed``, ``redirect_offsite``, ``not_html``); ``attempts``
    counts the HTTP requests made for it.
    """

    model_config = ConfigDict(extra="forbid")

    schema_version: str = SCHEMA_VERSION
    kind: Literal["error"] = "error"
    url: str
    stage: Stage
    reason: str
    outcome: str | None = None
    status: int | None = None
    attempts: int | None = None
    at: datetime

    @field_serializer("at")
    def _utc_iso(self, value: datetime) -> str:
        return utc_text(value)


AnyRecord = Publication | Topic


def record_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of every record kind harvest writes."""
    _, defs = models_json_schema(
        [(Publication, "serialization"), (Topic, "serialization"), (ErrorRecord, "serialization")],
        title="harvest records",
    )
    defs["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    defs["oneOf"] = [
        {"$ref": f"#/$defs/{name}"} for name in ("Publication", "Topic", "ErrorRecord")
    ]
    defs["x-schema-version"] = SCHEMA_VERSION
    return defs
