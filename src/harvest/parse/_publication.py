"""Fields every publication page has, whatever its layout: product or commentary.

Source order is chosen per field for reliability. Visible dates come first:
CMS metadata pads partial dates ("2004" becomes "2004/1/1"), and the contract
forbids an invented day. Authors come from the DOM first because only it has
profile links; the citation meta tags are the fallback.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

from selectolax.lexbor import LexborNode

from harvest.normalize import (
    clean_credit,
    clean_text,
    parse_author_list,
    parse_date,
    person_name,
    split_caption,
)
from harvest.parse._base import Fields, PageParser
from harvest.parse._html import attr, elements, first, first_element, text_of, texts

_WORK_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "BlogPosting",
        "ScholarlyArticle",
        "Report",
        "Book",
        "CreativeWork",
        "WebPage",
        "OpinionNewsArticle",
        "AnalysisNewsArticle",
    }
)
_SITE_SUFFIX = re.compile(r"\s*[|–—-]\s*RAND(?: Corporation)?\s*$")
_DATE_LABEL = re.compile(r"^\s*(published|posted|updated)\b[:\s]*", re.I)

TITLE_SELECTORS = ("h1#RANDTitleHeadingId", ".product-header h1", ".post-heading h1", "main h1")
DATE_SELECTORS = (
    ".type-published .published",
    ".product-header .published",
    ".post-heading .date",
    ".type-date .date",
    "p.published",
    "span.published",
)
AUTHOR_SELECTORS = (".product-header .authors", ".author-wrap .authors", "p.authors")
TYPE_SELECTORS = (
    ".type-published .type",
    ".type-date .type",
    ".post-heading .type",
    ".product-header .type",
)


class PublicationPage(PageParser):
    """Title, date, authors, type, topics: shared by product and commentary pages."""

    @cached_property
    def _work_ld(self) -> list[dict[str, Any]]:
        """The JSON-LD objects about the work itself (found once)."""
        return [obj for obj in self.ld if _ld_types(obj) & _WORK_TYPES]

    def _ld_value(self, key: str) -> Any:
        for obj in self._work_ld:
            value = obj.get(key)
            if value not in (None, "", []):
                return value
        return None

    @cached_property
    def title_node(self) -> LexborNode | None:
        """The title's h1 (found once: the title and the header's facts both need it)."""
        return first(self.find, *TITLE_SELECTORS)

    def title(self) -> str | None:
        dom = text_of(self.title_node)
        structured = self.pick(
            "title",
            ("meta citation_title", lambda: self.meta("citation_title")),
            (
                "json-ld headline",
                lambda: _ld_text(self._ld_value("headline") or self._ld_value("name")),
            ),
            ("meta og:title", lambda: _strip_site(self.meta("og:title"))),
            ("dom h1", lambda: dom),
            ("html title", lambda: _strip_site(text_of(self.tree.css_first("title")))),
        )
        # Metadata titles often carry the subtitle ("Title: Subtitle"); the h1 does not.
        if structured and dom and structured != dom and structured.startswith(dom):
            return dom
        return structured

    def subtitle(self) -> str | None:
        return self.pick(
            "subtitle",
            (
                "dom p.subtitle",
                lambda: text_of(first(self.find, ".product-header .subtitle", "p.subtitle")),
            ),
        )

    def published_raw(self) -> str | None:
        return self._published_raw

    @cached_property
    def _published_raw(self) -> str | None:
        """Read once: ``published`` needs it too."""
        return self.pick(
            "published_raw",
            (
                "dom date",
                lambda: (
                    _DATE_LABEL.sub("", text_of(first(self.find, *DATE_SELECTORS)) or "") or None
                ),
            ),
            ("json-ld datePublished", lambda: _ld_text(self._ld_value("datePublished"))),
            ("meta citation_publication_date", lambda: self.meta("citation_publication_date")),
            ("meta article:published_time", lambda: self.meta("article:published_time")),
            ("dom document details year", self.details_year),
        )

    def details_year(self) -> str | None:
        """The year a "Document Details" list gives (product pages have one)."""
        return None

    def published(self) -> str | None:
        return parse_date(self.published_raw())

    def authors(self) -> list[Fields]:
        return self.pick_list(
            "authors",
            ("dom p.authors", self._dom_authors),
            ("json-ld author", self._ld_authors),
            ("meta citation_author", self._meta_authors),
        )

    def _dom_authors(self) -> list[Fields]:
        node = first(self.find, *AUTHOR_SELECTORS)
        parsed = parse_author_list(text_of(node))
        if node is None or parsed is None:
            return []
        links = {text_of(a): self.link(a.attrs.get("href")) for a in elements(node, "a", "href")}
        role = "editor" if parsed.role == "editor" else "author"
        return [{"name": name, "url": links.get(name), "role": role} for name in parsed.names]

    def _ld_authors(self) -> list[Fields]:
        value = self._ld_value("author")
        items = value if isinstance(value, list) else [value] if value else []
        authors = []
        for item in items:
            raw = item.get("name") if isinstance(item, dict) else item
            name = person_name(raw) if isinstance(raw, str) else None
            if name:
                url = item.get("url") if isinstance(item, dict) else None
                authors.append({"name": name, "url": self.link(url) if url else None})
        return authors

    def _meta_authors(self) -> list[Fields]:
        names = (person_name(value) for value in self.meta_all("citation_author"))
        return [{"name": name} for name in names if name]

    def content_type(self) -> str | None:
        return self.pick(
            "content_type",
            ("dom type label", lambda: text_of(first(self.find, *TYPE_SELECTORS))),
            ("meta rand-content-category", lambda: _category(self.meta("rand-content-category"))),
        )

    def topics(self) -> list[str]:
        return self.pick_list(
            "topics",
            ("dom ul.related-topics", lambda: _unique(texts(self.find, "ul.related-topics li a"))),
            ("meta DC.Subject", lambda: _split_subjects(self.meta("DC.Subject"))),
        )

    def description(self) -> str | None:
        """The page's own short description, from metadata."""
        return self.pick(
            "description",
            ("json-ld description", lambda: _ld_text(self._ld_value("description"))),
            ("meta description", lambda: self.meta("description")),
            ("meta og:description", lambda: self.meta("og:description")),
        )

    def image_of(self, node: LexborNode | None) -> Fields | None:
        """An image element (or its wrapper) with caption and credit beside it."""
        if node is None:
            return None
        img = node if node.tag == "img" else first_element(node, "img")
        if img is None:
            return None
        alt = attr(img, "alt")
        caption = text_of(node.css_first(".caption")) if node.tag != "img" else None
        credit_text = text_of(node.css_first(".credit")) if node.tag != "img" else None
        if caption is None and credit_text is None:
            caption, credit = split_caption(alt)
        else:
            credit = clean_credit(credit_text)
        return {
            "url": self.link(img.attrs.get("src")),
            "alt": alt,
            "caption": caption,
            "credit": credit,
        }


def _ld_types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        return {item for item in kind if isinstance(item, str)}
    return set()


def _ld_text(value: Any) -> str | None:
    return clean_text(value) if isinstance(value, str) else None


def _strip_site(title: str | None) -> str | None:
    return clean_text(_SITE_SUFFIX.sub("", title)) if title else None


def _category(value: str | None) -> str | None:
    return value.strip().capitalize() if value and value.strip() else None


def _split_subjects(value: str | None) -> list[str]:
    parts = (clean_text(part) for part in (value or "").split(";"))
    return _unique([part for part in parts if part])


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
