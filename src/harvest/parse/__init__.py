"""Parsing: bytes of a page at a URL -> one validated record and the links to follow.

Parsers never do I/O. ``parse_page`` is the one entry point; it raises
``ParseError`` with a one-line reason and never returns a half-filled record.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import ValidationError
from selectolax.lexbor import LexborHTMLParser

from harvest.errors import ParseError, ParseTimeoutError
from harvest.models import Publication, Topic
from harvest.parse._base import Provenance
from harvest.parse._classify import classify
from harvest.parse._commentary import CommentaryPage
from harvest.parse._depth import MAX_DEPTH, too_deep
from harvest.parse._doubts import Suspect, Unmapped
from harvest.parse._finder import Finder
from harvest.parse._html import drop_site_chrome, load_html
from harvest.parse._listing import ListingPage
from harvest.parse._product import ProductPage
from harvest.parse._suspects import suspects
from harvest.parse._unmapped import HEADINGS, header_facts, unmapped
from harvest.sites import PageKind, canonical_url

__all__ = [
    "PageKind",
    "Parsed",
    "Provenance",
    "Suspect",
    "Unmapped",
    "classify",
    "page_address",
    "parse_page",
]


@dataclass(frozen=True)
class Parsed:
    """A page's record, the URLs it leads to, where each field came from, and its
    doubts: the labels it shows that no field took, and the values that break their
    field's plausibility rule (kept as read)."""

    kind: PageKind
    record: Publication | Topic
    links: tuple[str, ...] = ()
    provenance: dict[str, Provenance] = field(default_factory=dict)
    unmapped: tuple[Unmapped, ...] = ()  # what the page labels and no field took
    suspects: tuple[Suspect, ...] = ()  # values that broke a plausibility rule
    filled: frozenset[str] = frozenset()  # the record's fields that hold a value


def page_address(body: bytes | str) -> str | None:
    """The address a saved page gives itself: ``<link rel="canonical">``, else
    ``<meta property="og:url">``; None when it gives none (or not an http(s) URL).

    >>> page_address(b'<html><head><link rel="canonical" href="https://www.rand.org/a.html">')
    'https://www.rand.org/a.html'
    """
    if isinstance(body, str):
        body = body.encode("utf-8")
    try:
        tree = LexborHTMLParser(body[: 256 * 1024])  # the head is near the top
    except Exception:  # not HTML: no address
        return None
    for selector, attribute in (
        ('link[rel~="canonical"]', "href"),
        ('meta[property="og:url"]', "content"),
    ):
        node = tree.css_first(selector)
        value = (node.attributes.get(attribute) or "").strip() if node is not None else ""
        address = canonical_url(value) if value else None
        if address is not None:
            return address
    return None


def parse_page(
    url: str,
    body: bytes | str,
    *,
    fetched_at: datetime | None = None,
    content_type: str | None = None,
    content_sha256: str | None = None,
) -> Parsed:
    """Parse one page into its record; ParseError says why when it cannot.

    ``body`` is the page as fetched (bytes, in the charset its ``content_type`` or
    ``<meta charset>`` says), or already decoded text. ``content_sha256`` is the
    body's hash when the caller has it already.
    """
    if isinstance(body, str):  # text: its charset labels no longer apply
        body, content_type = body.encode("utf-8"), "text/html; charset=utf-8"
    canonical = canonical_url(url)
    if canonical is None:
        raise ParseError(f"not an absolute http(s) URL: {url!r}", url=url)
    depth = too_deep(body)
    if depth is not None:
        raise ParseTimeoutError(
            f"elements nested more than {MAX_DEPTH} deep: not parsed (it would take minutes)",
            url=url,
        )
    tree = load_html(body, content_type)
    drop_site_chrome(tree)
    find = Finder(tree)  # one for classifying and parsing: they share its anchors
    kind = classify(canonical, tree, find)
    common = {
        "url": canonical,
        "fetched_at": fetched_at or datetime.now(UTC),
        "content_sha256": content_sha256 or hashlib.sha256(body).hexdigest(),
    }
    try:
        if kind == "listing":
            return _listing_parsed(ListingPage(tree, canonical, find), common)
        page = (
            CommentaryPage(tree, canonical, find)
            if kind == "commentary"
            else ProductPage(tree, canonical, find)
        )
        return _publication_parsed(kind, page, common)
    except ValidationError as exc:
        raise ParseError(f"invalid {kind} record: {_first_error(exc)}", url=canonical) from exc


def _publication_parsed(
    kind: PageKind, page: ProductPage | CommentaryPage, common: dict[str, object]
) -> Parsed:
    title = page.title()
    if not title:
        raise ParseError(f"{kind} page without a title", url=page.url)
    fields: dict[str, object] = {
        "content_type": page.content_type(),
        "title": title,
        "subtitle": page.subtitle(),
        "published": page.published(),
        "published_raw": page.published_raw(),
        "authors": page.authors(),
        "summary": page.summary(),
        "topics": page.topics(),
    }
    if isinstance(page, ProductPage):
        fields |= {
            "key_findings": page.key_findings(),
            "recommendations": page.recommendations(),
            "downloads": page.downloads(),
            "print_offers": page.print_offers(),
            "doi": page.doi(),
            "document_number": page.document_number(),
            "isbn": page.isbn(),
            "series": page.series(),
            "sponsor": page.sponsor(),
            "program": page.program(),
            "division": page.division(),
            "funding": page.funding(),
            "cover_image": page.cover_image(),
        }
    else:
        fields |= {"body": page.body(), "image": page.image()}
    record = Publication.model_validate(common | fields)
    product = page if isinstance(page, ProductPage) else None
    filled = _filled(record)
    passed_over = unmapped(
        filled,
        details=product.details if product else {},
        tables=product.unread_tables() if product else [],
        headings=page.tree.css(HEADINGS),
        facts=header_facts(page.title_node),
        names=(title.lower(),),
    )
    provenance = dict(page.provenance)
    return Parsed(kind, record, (), provenance, passed_over, suspects(record), filled)


def _listing_parsed(page: ListingPage, common: dict[str, object]) -> Parsed:
    name, entries = page.name(), page.entries()
    if not name:
        raise ParseError("listing page without a name (no h1)", url=page.url)
    if not entries:
        raise ParseError("listing page without entries: no teaser list found", url=page.url)
    next_page = page.next_page()
    record = Topic.model_validate(
        common
        | {
            "name": name,
            "description": page.description(),
            "entries": entries,
            "next_page": next_page,
        }
    )
    links = tuple(
        dict.fromkeys([*(e["url"] for e in entries), *([next_page] if next_page else [])])
    )
    filled = _filled(record)
    passed_over = unmapped(
        filled,
        details={},
        tables=[],
        headings=page.tree.css(HEADINGS),
        facts=[],
        names=(name.lower(),),
    )
    provenance = dict(page.provenance)
    return Parsed("listing", record, links, provenance, passed_over, suspects(record), filled)


def _filled(record: Publication | Topic) -> frozenset[str]:
    """The record's fields that hold a value. Read from its ``__dict__`` (twice as fast
    as iterating the model), by truth: no top-level field is a number or a bool, so a
    false value is None, "" or an empty list."""
    return frozenset(name for name, value in record.__dict__.items() if value)


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "record"
    return f"{where}: {error['msg']}"
