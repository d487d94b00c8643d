"""The BeautifulSoup baseline: the same fields as ``parsel_spider``, in idiomatic bs4.

``BeautifulSoup(body, "lxml")`` on the bytes (bs4 finds the encoding itself), then
``select``/``select_one`` with the same class selectors and ``get_text`` with
whitespace collapsed; links through ``urljoin``. Values stay as the page shows them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

Item = dict[str, Any]

_BYLINE = re.compile(r"^(?:edited\s+)?by\s+", re.I)
_NAME_SEPARATORS = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")
_DATE_LABEL = re.compile(r"^published\s+", re.I)


def extract(kind: str, url: str, body: bytes) -> Item:
    """One item from a page."""
    return CALLBACKS[kind](BeautifulSoup(body, "lxml"), url)


def product(soup: BeautifulSoup, url: str) -> Item:
    """Title, subtitle, date, authors, summary, download and print tables."""
    header = soup.select_one(".product-header")
    if header is None:
        return {}
    return {
        "title": _text(header.select_one("h1")),
        "subtitle": _text(header.select_one(".subtitle")),
        "date": _DATE_LABEL.sub("", _text(header.select_one(".published")) or "") or None,
        "authors": _names(_text(header.select_one(".authors"))),
        "summary": _paragraphs(soup.select(".product-page-abstract p")),
        "downloads": _downloads(soup, url),
        "print_offers": [
            _print_offer(row) for row in soup.select("table.purchase-formats tbody tr")
        ],
    }


def _downloads(soup: BeautifulSoup, url: str) -> list[Item]:
    rows = soup.select("table.ebook-formats tbody tr")
    if not rows:  # the late-2025 layout: one "Download PDF" button
        hrefs = [str(a["href"]) for a in soup.select("#buybox .btn-download a[href]")]
        return [{"format": h.rsplit(".", 1)[-1].upper(), "url": urljoin(url, h)} for h in hrefs]
    items = []
    for row in rows:
        link = row.select_one("td.dl a[href]")
        items.append(
            {
                "format": _text(row.select_one("td.dl")),
                "url": urljoin(url, str(link["href"])) if link else None,
                "size": _text(row.select_one("td.size")),
                "notes": _text(row.select_one("td.notes")),
            }
        )
    return items


def _print_offer(row: Tag) -> Item:
    cell = row.select_one("td.format")
    name = cell.find(string=True, recursive=False) if cell else None  # "Paperback", not pages
    return {
        "format": name.strip() if name else None,
        "pages": _text(row.select_one("td.format .pages")),
        "price": _text(row.select_one("td.price")),
    }


def commentary(soup: BeautifulSoup, url: str) -> Item:
    """Title, date, authors, the description as summary, and the body paragraphs."""
    description = soup.select_one('meta[name="description"]')
    return {
        "title": _text(soup.select_one(".post-heading h1")),
        "date": _text(soup.select_one(".type-date .date")),
        "authors": _names(_text(soup.select_one(".author-wrap .authors"))),
        "summary": str(description["content"]).strip() if description else None,
        "body": _paragraphs(soup.select(".body-text > p")),
    }


def listing(soup: BeautifulSoup, url: str) -> Item:
    """The listing's name and every teaser: type, title, URL, date, summary."""
    entries = []
    for item in soup.select("main ul.teasers > li"):
        title, link = _text(item.select_one(".title")), item.select_one("a[href]")
        if title and link:
            entries.append(
                {
                    "type": _text(item.select_one(".type")),
                    "title": title,
                    "url": urljoin(url, str(link["href"])),
                    "date": _text(item.select_one(".date")),
                    "summary": _text(item.select_one(".desc")),
                }
            )
    return {"title": _text(soup.select_one("main h1")), "entries": entries}


CALLBACKS: dict[str, Callable[[BeautifulSoup, str], Item]] = {
    "product": product,
    "commentary": commentary,
    "listing": listing,
}


def _text(node: Tag | None) -> str | None:
    if node is None:
        return None
    return " ".join(node.get_text(" ").split()) or None


def _paragraphs(nodes: list[Tag]) -> str | None:
    return "\n\n".join(p for p in (_text(node) for node in nodes) if p) or None


def _names(byline: str | None) -> list[str]:
    """ "by A, B, and C" -> ["A", "B", "C"]."""
    return [name for name in _NAME_SEPARATORS.split(_BYLINE.sub("", byline or "")) if name]
