"""Product pages (one publication: report, brief, testimony, book), in both layouts.

The older layout has "Download eBook for Free" tables (Format | File Size | Notes,
zero, one or several, with or without a sub-heading) and a "Purchase Print Copy"
table (Format | Price). The late-2025 layout has a single "Download PDF" button.
Tables are read by their header cells, never by column position.
"""

from __future__ import annotations

import re
from functools import cached_property

from selectolax.lexbor import LexborNode

from harvest.normalize import (
    clean_text,
    parse_doi,
    parse_isbn,
    parse_price,
    parse_size,
)
from harvest.normalize._words import search_from_words
from harvest.parse._base import Fields
from harvest.parse._finder import unique
from harvest.parse._html import (
    Table,
    attr,
    first,
    first_element,
    is_heading,
    join_paragraphs,
    previous_elements,
    read_tables,
    tables_with_headers,
    text_of,
    texts,
)
from harvest.parse._indicia import Indicia, read_indicia
from harvest.parse._publication import PublicationPage

_BOILERPLATE = re.compile(
    r"^(this document and trademark|rand is a nonprofit institution|permission is required"
    r"|this (?:product|publication) is part of the rand|the research (?:reported here|described)"
    r"|this research was (?:sponsored|conducted|funded))",
    re.I,
)
_FORMAT_WORDS = re.compile(r"\s*\b(file|format|download|ebook)\b\s*", re.I)
_PAGES = re.compile(r"(\d[\d,]*)\s*(?:pages?|pp\.?)\b", re.I)
SERIES = re.compile(r"\bpart of the\s+(.+?\bseries)\b", re.I)
# A word every match of the pattern above begins with: the indicia sentences are
# searched from it (``search_from_words``), or not at all without it.
SERIES_WORDS = ("part of the",)
# The header words of the tables fields read: downloads (Format | File Size | Notes) and
# print offers (Format | Price).
DOWNLOAD_HEADERS = ("format", "size")
OFFER_HEADERS = ("format", "price")
_FILE_LINK = re.compile(r"\.(pdf|epub|mobi|zip)$", re.I)

_TEXT_OFFER = re.compile(
    r"^(?:buy\s+|purchase\s+)?(?P<format>paperback|hardcover|hardback|softcover"
    r"|spiral[- ]bound|print(?: copy)?)(?![a-z])(?P<rest>.*?)"
    r"(?P<price>(?:\b(?:US|USD|EUR|GBP|CA|AU)\s?)?[$€£¥]\s?\d[\d,.]*"
    r"|\d[\d,.]*\s?(?:[$€£]|USD|EUR|GBP))\s*$",
    re.I,
)
BUYBOX_OFFER_SELECTORS = (
    "#buybox option, #buybox li, #buybox .format, .buybox option, .buybox li, #purchase li"
)
ABSTRACT_SELECTORS = (".product-page-abstract", "div.abstract", ".print-abstract .short-abstract")


class ProductPage(PublicationPage):
    """One field a method; ``record`` in ``harvest.parse`` assembles them."""

    def summary(self) -> str | None:
        return self.pick(
            "summary",
            ("dom abstract", self._dom_abstract),
            ("json-ld description / meta description", self.description),
        )

    def _dom_abstract(self) -> str | None:
        node = first(self.find, *ABSTRACT_SELECTORS)
        if node is None:
            return None
        paragraphs = [text_of(p) for p in node.css("p")] or [text_of(node)]
        return join_paragraphs(p for p in paragraphs if p and not _BOILERPLATE.match(p))

    def key_findings(self) -> list[str]:
        return _unique(texts(self.find, ".key-findings li"))

    def recommendations(self) -> list[str]:
        return _unique(texts(self.find, ".recommendations li"))

    def downloads(self) -> list[Fields]:
        return self.pick_list(
            "downloads",
            ("dom download tables", self._table_downloads),
            ("dom download button", self._button_downloads),
            ("meta citation_pdf_url", self._meta_download),
        )

    def _table_downloads(self) -> list[Fields]:
        rows: list[Fields] = []
        for table, body in tables_with_headers(self.tables, *DOWNLOAD_HEADERS):
            section = _section_of(table)
            rows.extend(d for d in (self._download_row(row, section) for row in body) if d)
        return _unique_by_url(rows)

    def _download_row(self, row: dict[str, LexborNode], section: str | None) -> Fields | None:
        cell = row.get("format")
        if cell is None:
            return None
        name = _format_name(cell)
        if name is None:
            return None
        link = first_element(cell, "a", "href")
        size_text = _cell_text(row, "size")
        return {
            "section": section,
            "format": name,
            "url": self.link(link.attrs.get("href")) if link else None,
            "size_text": size_text,
            "size_bytes": parse_size(size_text),
            "notes": _cell_text(row, "notes"),
        }

    def _button_downloads(self) -> list[Fields]:
        rows = []
        # A link listed again (it matches two of the selectors) gives the same row again.
        links = unique(self.find.css("#buybox a[href], .buybox a[href], .btn-download a[href]"))
        for link in links:
            href = self.link(link.attrs.get("href"))
            label = text_of(link) or ""
            if href and _FILE_LINK.search(href) and "download" in label.lower():
                rows.append({"format": href.rsplit(".", 1)[1].upper(), "url": href})
        return _unique_by_url(rows)

    def _meta_download(self) -> list[Fields]:
        href = self.link(self.meta("citation_pdf_url"))
        return [{"format": "PDF", "url": href}] if href else []

    def print_offers(self) -> list[Fields]:
        return self.pick_list(
            "print_offers",
            ("dom purchase table", self._table_offers),
            ("dom buybox text", self._buybox_offers),
            ("dom document details", self._details_offers),
        )

    def _table_offers(self) -> list[Fields]:
        offers: list[Fields] = []
        for _, body in tables_with_headers(self.tables, *OFFER_HEADERS):
            offers.extend(o for o in (_print_row(row) for row in body) if o)
        return offers

    def _buybox_offers(self) -> list[Fields]:
        """Offers written as text, e.g. a select option "Paperback (96 pages): $20.00"."""
        offers: dict[str, Fields] = {}
        for node in unique(self.find.css(BUYBOX_OFFER_SELECTORS)):  # a repeat adds nothing
            offer = _text_offer(text_of(node))
            if offer is not None:
                offers.setdefault(offer["format"], offer)
        return list(offers.values())

    def _details_offers(self) -> list[Fields]:
        """Offers as "Document Details" lists them: "Print Format: Hardcover, Paperback",
        then "Paperback Pages: 424" and "Paperback Price: $49.95" for each format."""
        details = self.details
        offers = []
        for name in filter(None, map(clean_text, details.get("print format", "").split(","))):
            pages, price = (
                details.get(f"{name.lower()} pages"),
                details.get(f"{name.lower()} price"),
            )
            offers.append(_offer(name, f"{pages} pages" if pages else "", price or None))
        return offers

    def unread_tables(self) -> list[Table]:
        """The page's tables that neither downloads nor print offers read."""
        read = {
            table.mem_id
            for words in (DOWNLOAD_HEADERS, OFFER_HEADERS)
            for table, _ in tables_with_headers(self.tables, *words)
        }
        return [table for table in self.tables if table[0].mem_id not in read]

    def details_year(self) -> str | None:
        return self.details.get("year") or None

    @cached_property
    def tables(self) -> list[Table]:
        """Every table of the page, read once for downloads and print offers."""
        return read_tables(self.tree)

    @cached_property
    def details(self) -> dict[str, str]:
        """The "Document Details" list: {label: value}, labels lowercased (read once)."""
        found: dict[str, str] = {}
        items = unique(self.find.css("#document-details li, .document-details li"))
        for item in items:  # an item listed again would add nothing
            label = text_of(first_element(item, "strong"))
            text = text_of(item)
            if label and text:
                value = clean_text(text[len(label) :]) if text.startswith(label) else text
                found.setdefault(label.rstrip(":").strip().lower(), value or "")
        return found

    def doi(self) -> str | None:
        return self.pick(
            "doi",
            ("dom document details", lambda: parse_doi(self.details.get("doi"))),
            ("meta citation_doi", lambda: parse_doi(self.meta("citation_doi"))),
        )

    def isbn(self) -> str | None:
        details = self.details
        return self.pick(
            "isbn",
            (
                "dom document details",
                lambda: parse_isbn(details.get("isbn/ean") or details.get("isbn")),
            ),
            ("meta citation_isbn", lambda: parse_isbn(self.meta("citation_isbn"))),
        )

    def document_number(self) -> str | None:
        return self.pick(
            "document_number",
            ("dom document details", lambda: self.details.get("document number") or None),
        )

    @cached_property
    def indicia(self) -> list[str]:
        """The sentences about sponsor, program and series below the abstract (read once).

        Each paragraph once: they are searched for the first sentence that matches.
        """
        return [t for t in map(text_of, unique(self.find.css("#indicia p, .indicia p"))) if t]

    @cached_property
    def indicia_facts(self) -> Indicia:
        """What the indicia sentences say of sponsor, units and funding (read once)."""
        return read_indicia(self.indicia)

    def sponsor(self) -> str | None:
        return self.pick(
            "sponsor",
            ("dom indicia sentence", lambda: self.indicia_facts.sponsor),
            ("dom indicia funding sentence", lambda: self.indicia_facts.funder),
        )

    def program(self) -> str | None:
        return self.pick("program", ("dom indicia sentence", lambda: self.indicia_facts.program))

    def division(self) -> str | None:
        return self.pick(
            "division",
            ("dom research conducted by", lambda: text_of(first(self.find, ".conducted ul li"))),
            ("dom indicia sentence", lambda: self.indicia_facts.division),
        )

    def funding(self) -> str | None:
        return self.pick("funding", ("dom indicia sentence", lambda: self.indicia_facts.funding))

    def series(self) -> str | None:
        return self.pick(
            "series",
            ("dom indicia sentence", lambda: _match(SERIES, SERIES_WORDS, self.indicia)),
            ("dom document details", lambda: self.details.get("series") or None),
        )

    def cover_image(self) -> Fields | None:
        img = first(self.find, ".cover-image img", ".product-header img[alt^='Cover']")
        if img is None:
            return None
        return {"url": self.link(img.attrs.get("src")), "alt": attr(img, "alt")}


def _section_of(table: LexborNode) -> str | None:
    caption = text_of(table.css_first("caption"))
    if caption:
        return caption
    for node in previous_elements(table):
        if is_heading(node):
            # An h1/h2 is the block's own heading ("Download eBook for Free"), not a section.
            return text_of(node) if node.tag not in ("h1", "h2") else None
    return None


def _cell_text(row: dict[str, LexborNode], word: str) -> str | None:
    for header, cell in row.items():
        if word in header:
            return text_of(cell)
    return None


def _format_name(cell: LexborNode) -> str | None:
    # The cell, then its elements in document order: a cell is a few nodes, cheaper to
    # walk than to query ("[class*='format-']"), and a class without "format-" has no
    # name that starts with it.
    for node in cell.traverse():
        if not node.is_element_node:  # a comment
            continue
        for name in (node.attrs.get("class") or "").split():
            if name.startswith("format-") and len(name) > 7:
                return name[7:].upper()
    text = _FORMAT_WORDS.sub(" ", text_of(cell) or "")
    return clean_text(text.upper() if len(text.strip()) <= 5 else text)


def _print_row(row: dict[str, LexborNode]) -> Fields | None:
    text = text_of(row.get("format"))
    if not text:
        return None
    name = clean_text(_PAGES.sub(" ", text)) or text
    return _offer(name, text, text_of(row.get("price")))


def _text_offer(text: str | None) -> Fields | None:
    match = _TEXT_OFFER.match(text or "")
    if match is None:
        return None
    return _offer(match["format"].capitalize(), match["rest"], clean_text(match["price"]))


def _offer(name: str, pages_text: str, price_text: str | None) -> Fields:
    """A print offer from its format name, the text holding "N pages", and the price shown."""
    pages = _PAGES.search(pages_text)
    price = parse_price(price_text)
    return {
        "format": name,
        "pages": int(pages.group(1).replace(",", "")) if pages else None,
        "price": {"amount": price.amount, "currency": price.currency} if price else None,
        "price_text": price_text,
    }


def _match(pattern: re.Pattern[str], words: tuple[str, ...], sentences: list[str]) -> str | None:
    for sentence in sentences:
        match = search_from_words(pattern, sentence, words)
        if match:
            return clean_text(match.group(1))
    return None


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _unique_by_url(rows: list[Fields]) -> list[Fields]:
    seen: set[str] = set()
    unique = []
    for row in rows:
        key = row.get("url") or f"{row.get('section')}|{row['format']}|{row.get('size_text')}"
        if key not in seen:
            seen.add(key)
            unique.append(row)
    return unique
