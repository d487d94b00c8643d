"""The values of a record that break their field's plausibility rule.

``suspects(record)`` runs ``harvest.normalize``'s plausibility rules over every field
that has one (``docs/records.md``, "Plausibility rules") and names each value that
breaks one: a ``Suspect`` of the field (dotted for a nested one: ``authors.name``),
the rule, and the value as the record holds it, cut short. The record is not
changed: a suspect value is kept as read, counted and warned about by the run.

It runs on every parsed page, so it only reads: a few regular expressions over short
strings, a handful of comparisons (a few microseconds a record).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from harvest.models import Publication, Topic
from harvest.normalize import (
    date_doubt,
    document_number_doubt,
    doi_doubt,
    org_name_doubt,
    pages_doubt,
    person_name_doubt,
    price_doubt,
    size_doubt,
)
from harvest.parse._doubts import Suspect
from harvest.sites import site_for

__all__ = ["suspects"]

VALUE_MAX_LENGTH = 120  # a suspect's value is cut to this many characters
_ORG_FIELDS = ("sponsor", "program", "division")
# A date may be a day past the fetch: the site's time zone may be ahead of UTC.
_DATE_SLACK = timedelta(days=1)


def suspects(record: Publication | Topic) -> tuple[Suspect, ...]:
    """Every value of ``record`` that breaks its field's plausibility rule, in field order.

    >>> from harvest.models import Publication
    >>> record = Publication(
    ...     url="https://www.rand.org/pubs/monographs/MG115.html",
    ...     fetched_at="2025-12-10T12:00:00Z", content_sha256="0" * 64, title="T",
    ...     published="2031-01-01", program="RAND Project AIR FORCE",
    ... )
    >>> suspects(record)
    (Suspect(field='published', rule='date-in-future', value='2031-01-01'),)
    """
    found: list[Suspect] = []
    if isinstance(record, Topic):
        _add_entry_dates(found, record)
        return tuple(found)
    if record.published is not None:
        earliest, latest = _date_bounds(record)
        rule = date_doubt(record.published, earliest_year=earliest, latest=latest)
        _add(found, "published", rule, record.published)
    for author in record.authors:
        _add(found, "authors.name", person_name_doubt(author.name), author.name)
    _add_offers(found, record)
    _add_identifiers(found, record)
    for name in _ORG_FIELDS:
        value = getattr(record, name)
        if value is not None:
            _add(found, name, org_name_doubt(value), value)
    return tuple(found)


def _add_entry_dates(found: list[Suspect], topic: Topic) -> None:
    dates = [entry.date for entry in topic.entries if entry.date is not None]
    if not dates:
        return
    earliest, latest = _date_bounds(topic)
    # A listing's dates break a bound only if its oldest or newest does (the record
    # holds valid ISO dates, and they sort as text in time order): two checks, not 20.
    if not any(
        date_doubt(extreme, earliest_year=earliest, latest=latest)
        for extreme in (min(dates), max(dates))
    ):
        return
    for value in dates:
        _add(found, "entries.date", date_doubt(value, earliest_year=earliest, latest=latest), value)


def _add_offers(found: list[Suspect], record: Publication) -> None:
    """The downloads' sizes, the print offers' prices and page counts."""
    for download in record.downloads:
        if download.size_bytes is not None:
            size = download.size_bytes
            _add(found, "downloads.size_bytes", size_doubt(size), str(size))
    for offer in record.print_offers:
        if offer.price is not None:
            price = offer.price
            rule = price_doubt(price.amount)
            _add(found, "print_offers.price", rule, f"{price.amount} {price.currency}")
        if offer.pages is not None:
            _add(found, "print_offers.pages", pages_doubt(offer.pages), str(offer.pages))


def _add_identifiers(found: list[Suspect], record: Publication) -> None:
    if record.doi is not None:
        _add(found, "doi", doi_doubt(record.doi), record.doi)
    number = record.document_number
    if number is not None:
        _add(found, "document_number", document_number_doubt(number), number)


def _add(found: list[Suspect], field: str, rule: str | None, value: str) -> None:
    if rule is not None:
        if len(value) > VALUE_MAX_LENGTH:
            value = value[: VALUE_MAX_LENGTH - 1] + "…"
        found.append(Suspect(field, rule, value))


def _date_bounds(record: Publication | Topic) -> tuple[int | None, date]:
    """The earliest year the record's site publishes in, and the last plausible day."""
    scheme, _, rest = record.url.partition("://")
    origin = f"{scheme}://{rest.partition('/')[0]}"
    return _earliest_year(origin), _day_of(record.fetched_at) + _DATE_SLACK


@lru_cache(maxsize=64)
def _earliest_year(origin: str) -> int | None:
    """The first year of the site serving ``origin`` ("https://www.rand.org"), if known.
    Cached: ``site_for`` parses the URL, and a crawl sees one or two origins."""
    site = site_for(origin)
    return site.earliest_year if site else None


def _day_of(moment: datetime) -> date:
    """The UTC day of ``moment`` (a naive time is UTC, as the records take it)."""
    return moment.astimezone(UTC).date() if moment.tzinfo is not None else moment.date()
