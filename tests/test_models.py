"""The record models: validation of the contract and the published schema."""

from __future__ import annotations

from datetime import UTC, datetime

import jsonschema
import pytest
from pydantic import ValidationError

from harvest.models import Money, Publication, Topic, TopicEntry, record_schema

COMMON = {
    "url": "https://www.rand.org/pubs/x.html",
    "content_sha256": "0" * 64,
    "fetched_at": datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
}


def test_minimal_publication_dumps_the_contract_keys() -> None:
    data = Publication(title="T", **COMMON).model_dump(mode="json")  # type: ignore[arg-type]
    for key in (
        "schema_version",
        "kind",
        "url",
        "fetched_at",
        "content_sha256",
        "content_type",
        "title",
        "subtitle",
        "published",
        "authors",
        "summary",
        "key_findings",
        "downloads",
        "print_offers",
        "topics",
        "doi",
        "document_number",
        "isbn",
        "series",
        "sponsor",
        "program",
        "division",
        "funding",
        "cover_image",
        "body",
    ):
        assert key in data
    assert data["kind"] == "publication"
    assert data["fetched_at"] == "2026-11-23T12:00:00Z"
    assert data["authors"] == [] and data["doi"] is None


@pytest.mark.parametrize("published", ["2004", "2004-08", "2004-08-15"])
def test_partial_dates_are_allowed(published: str) -> None:
    Publication(title="T", published=published, **COMMON)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("published", "Aug 15, 2004"),
        ("published", "2004-8-15"),
        ("url", "/pubs/x.html"),
        ("title", "  "),
        ("content_sha256", "abc"),
    ],
)
def test_bad_values_are_refused(field: str, value: str) -> None:
    data = {"title": "T", **COMMON, field: value}
    with pytest.raises(ValidationError):
        Publication(**data)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "currency"), [("20", "usd"), ("20.0.0", "USD"), ("-1", "USD"), ("20.00", "DOLLARS")]
)
def test_money_is_a_decimal_string_and_iso_code(amount: str, currency: str) -> None:
    with pytest.raises(ValidationError):
        Money(amount=amount, currency=currency)


def test_dumped_records_validate_against_the_published_schema() -> None:
    schema = record_schema()
    topic = Topic(
        name="N", entries=[TopicEntry(title="E", url="https://www.rand.org/p.html")], **COMMON
    )  # type: ignore[arg-type]
    for record in (Publication(title="T", **COMMON), topic):  # type: ignore[arg-type]
        jsonschema.validate(record.model_dump(mode="json"), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**topic.model_dump(mode="json"), "kind": "nope"}, schema)
