"""Hypothesis strategies for valid records, built from the models' constraints.

One strategy per field, kept in ``FIELDS`` so a test can insist that every field of
every model has one: a field added to the models without a strategy here would
never be exercised by the property tests.
"""

from __future__ import annotations

import hashlib
import string
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, TypeVar, get_args

from hypothesis import strategies as st
from pydantic import BaseModel

from harvest.models import (
    SCHEMA_VERSION,
    Author,
    Change,
    Download,
    ErrorRecord,
    Image,
    Money,
    PrintOffer,
    Publication,
    Stage,
    Topic,
    TopicEntry,
)

T = TypeVar("T")


def optional(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    return st.none() | strategy


texts = st.text(min_size=1).filter(lambda text: bool(text.strip()))
strings = optional(st.text())
_LABEL = string.ascii_lowercase + string.digits
hosts = st.just("www.rand.org") | st.builds(
    lambda labels, tld: ".".join([*labels, tld]),
    st.lists(st.text(_LABEL, min_size=1, max_size=10), min_size=1, max_size=3),
    st.sampled_from(["org", "com", "example"]),
)
paths = st.lists(
    st.text(string.ascii_letters + string.digits + "._~%-", min_size=1, max_size=12), max_size=4
).map(lambda parts: "/" + "/".join(parts))
urls = st.builds(
    lambda scheme, host, path, query: f"{scheme}://{host}{path}{query}",
    st.sampled_from(["http", "https"]),
    hosts,
    paths,
    st.sampled_from(["", "?start=12", "?page=2&x=%C3%A9"]),
)
partial_dates = st.builds(
    lambda day, length: day.isoformat()[:length],
    st.dates(min_value=date(1000, 1, 1)),
    st.sampled_from([4, 7, 10]),
)
amounts = st.integers(min_value=0, max_value=10**9).map(str) | st.builds(
    "{}.{}".format,
    st.integers(min_value=0, max_value=10**6),
    st.text(string.digits, min_size=1, max_size=4),
)
currencies = st.text(string.ascii_uppercase, min_size=3, max_size=3)
sha256s = st.binary(max_size=32).map(lambda body: hashlib.sha256(body).hexdigest())
times = st.datetimes(
    min_value=datetime(1990, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.none()
    | st.sampled_from(
        [UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=30))]
    ),
)
counts = optional(st.integers(min_value=0, max_value=2**53))


def _lists(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[list[T]]:
    return st.lists(strategy, max_size=3)


FIELDS: dict[type[BaseModel], dict[str, st.SearchStrategy[Any]]] = {}
FIELDS[Author] = {
    "name": texts,
    "url": optional(urls),
    "role": st.sampled_from(["author", "editor"]),
}
FIELDS[Money] = {"amount": amounts, "currency": currencies}
FIELDS[Image] = {"url": optional(urls), "alt": strings, "caption": strings, "credit": strings}
FIELDS[Download] = {
    "section": strings,
    "format": texts,
    "url": optional(urls),
    "size_bytes": counts,
    "size_text": strings,
    "notes": strings,
}
FIELDS[PrintOffer] = {
    "format": texts,
    "pages": optional(st.integers(min_value=1, max_value=10**5)),
    "price": optional(st.builds(Money, **FIELDS[Money])),
    "price_text": strings,
}
images = optional(st.builds(Image, **FIELDS[Image]))
_COMMON = {
    "schema_version": st.just(SCHEMA_VERSION),
    "url": urls,
    "fetched_at": times,
    "content_sha256": sha256s,
    "change": optional(st.sampled_from(get_args(Change))),
}
FIELDS[Publication] = {
    **_COMMON,
    "kind": st.just("publication"),
    "content_type": strings,
    "title": texts,
    "subtitle": strings,
    "published": optional(partial_dates),
    "published_raw": strings,
    "authors": _lists(st.builds(Author, **FIELDS[Author])),
    "summary": strings,
    "key_findings": _lists(st.text()),
    "recommendations": _lists(st.text()),
    "downloads": _lists(st.builds(Download, **FIELDS[Download])),
    "print_offers": _lists(st.builds(PrintOffer, **FIELDS[PrintOffer])),
    "topics": _lists(st.text()),
    "doi": strings,
    "document_number": strings,
    "isbn": strings,
    "series": strings,
    "sponsor": strings,
    "program": strings,
    "division": strings,
    "funding": strings,
    "cover_image": images,
    "image": images,
    "body": strings,
}
FIELDS[TopicEntry] = {
    "content_type": strings,
    "title": texts,
    "url": urls,
    "date": optional(partial_dates),
    "date_raw": strings,
    "summary": strings,
    "image": images,
    "featured": st.booleans(),
}
FIELDS[Topic] = {
    **_COMMON,
    "kind": st.just("topic"),
    "name": texts,
    "description": strings,
    "entries": _lists(st.builds(TopicEntry, **FIELDS[TopicEntry])),
    "next_page": optional(urls),
}
FIELDS[ErrorRecord] = {
    "schema_version": st.just(SCHEMA_VERSION),
    "kind": st.just("error"),
    "url": st.text(),
    "stage": st.sampled_from(get_args(Stage)),
    "reason": st.text(),
    "outcome": strings,
    "status": optional(st.integers(min_value=100, max_value=599)),
    "attempts": counts,
    "at": times,
}

RECORDS: dict[str, st.SearchStrategy[BaseModel]] = {
    "publication": st.builds(Publication, **FIELDS[Publication]),
    "topic": st.builds(Topic, **FIELDS[Topic]),
    "error": st.builds(ErrorRecord, **FIELDS[ErrorRecord]),
}
