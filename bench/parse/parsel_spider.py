"""The parsel baseline: the fields a Scrapy spider's callbacks would take from each kind.

Written as a competent Scrapy user writes a spider for both rand.org layouts: one class
selector per field, text through XPath ``normalize-space()``, links through ``urljoin``.
Values stay as the page shows them (no date, size or price parsing) and nothing is
validated: less than harvest does, never more. The page kind picks the callback, as
the link a spider followed would.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin

from parsel import Selector, SelectorList

Item = dict[str, Any]

_BYLINE = re.compile(r"^(?:edited\s+)?by\s+", re.I)
_NAME_SEPARATORS = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")
_DATE_LABEL = re.compile(r"^published\s+", re.I)


def extract(kind: str, url: str, body: bytes) -> Item:
    """One item from a page; like ``response.text``, the body is decoded first."""
    return CALLBACKS[kind](Selector(text=body.decode("utf-8")), url)


def product(sel: Selector, url: str) -> Item:
    """Title, subtitle, date, authors, summary, download and print tables."""
    header = sel.css(".product-header")
    return {
        "title": _text(header.css("h1")),
        "subtitle": _text(header.css(".subtitle")),
        "date": _DATE_LABEL.sub("", _text(header.css(".published")) or "") or None,
        "authors": _names(_text(header.css(".authors"))),
        "summary": _paragraphs(sel.css(".product-page-abstract p")),
        "downloads": _downloads(sel, url),
        "print_offers": [
            {
                "format": row.css("td.format::text").get("").strip(),
                "pages": _text(row.css("td.format .pages")),
                "price": _text(row.css("td.price")),
            }
            for row in sel.css("table.purchase-formats tbody tr")
        ],
    }


def _downloads(sel: Selector, url: str) -> list[Item]:
    rows = sel.css("table.ebook-formats tbody tr")
    if not rows:  # the late-2025 layout: one "Download PDF" button
        hrefs = sel.css("#buybox .btn-download a::attr(href)").getall()
        return [{"format": h.rsplit(".", 1)[-1].upper(), "url": urljoin(url, h)} for h in hrefs]
    return [
        {
            "format": _text(row.css("td.dl")),
            "url": urljoin(url, row.css("td.dl a::attr(href)").get("")),
            "size": _text(row.css("td.size")),
            "notes": _text(row.css("td.notes")),
        }
        for row in rows
    ]


def commentary(sel: Selector, url: str) -> Item:
    """Title, date, authors, the description as summary, and the body paragraphs."""
    return {
        "title": _text(sel.css(".post-heading h1")),
        "date": _text(sel.css(".type-date .date")),
        "authors": _names(_text(sel.css(".author-wrap .authors"))),
        "summary": sel.css('meta[name="description"]::attr(content)').get("").strip() or None,
        "body": _paragraphs(sel.css(".body-text > p")),
    }


def listing(sel: Selector, url: str) -> Item:
    """The listing's name and every teaser: type, title, URL, date, summary."""
    entries = []
    for item in sel.css("main ul.teasers > li"):
        title, href = _text(item.css(".title")), item.css("a::attr(href)").get()
        if title and href:
            entries.append(
                {
                    "type": _text(item.css(".type")),
                    "title": title,
                    "url": urljoin(url, href),
                    "date": _text(item.css(".date")),
                    "summary": _text(item.css(".desc")),
                }
            )
    return {"title": _text(sel.css("main h1")), "entries": entries}


CALLBACKS: dict[str, Callable[[Selector, str], Item]] = {
    "product": product,
    "commentary": commentary,
    "listing": listing,
}


def _text(nodes: SelectorList[Selector]) -> str | None:
    return nodes.xpath("normalize-space()").get() or None


def _paragraphs(nodes: SelectorList[Selector]) -> str | None:
    return "\n\n".join(p for p in nodes.xpath("normalize-space()").getall() if p) or None


def _names(byline: str | None) -> list[str]:
    """ "by A, B, and C" -> ["A", "B", "C"]."""
    return [name for name in _NAME_SEPARATORS.split(_BYLINE.sub("", byline or "")) if name]
