"""Topic pages and other listings (``/topics/….html``, ``/pubs.html?start=N``).

An entry is a list item that links somewhere and has a title. Where the type,
date and teaser sit inside it varies between layouts, so they are selected as
descendants of the item. Entries in a "Featured" block are flagged as featured.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from harvest.normalize import clean_credit, parse_date, split_caption
from harvest.parse._base import Fields, PageParser
from harvest.parse._finder import Finder
from harvest.parse._html import (
    attr,
    first,
    first_element,
    is_heading,
    previous_elements,
    text_of,
)

LIST_SELECTORS = ("ul.teasers > li", "ul.teaser-list > li", "ul.teasers li", "ul.teaser-list li")
TITLE_SELECTORS = ("h3.title", ".title", "h3", "h2", "h4")
NAME_SELECTORS = ("h1#RANDTitleHeadingId", ".page-heading h1", "main h1", "h1")
DESCRIPTION_SELECTORS = (
    ".topic-desc",
    ".topic-intro p",
    ".page-heading p",
    ".page-heading .description",
    ".topic-header p",
    ".intro p",
    ".description p",
    "main h1 + p",
)
_ANY_DESCRIPTION = ", ".join(DESCRIPTION_SELECTORS)
NEXT_SELECTORS = (".pagination li.next a[href]", "a[rel~=next][href]", "link[rel~=next][href]")
_FEATURED_CLASS = re.compile(r"\bfeature(d)?\b|topic-featured|pubs-intro")
# Lists outside the page's own content: navigation, related items, footer.
OUTSIDE = "header, footer, nav, #related, .related-resources, .additional-info"


class ListingPage(PageParser):
    """A listing's name, description, entries and next page."""

    def __init__(self, tree: LexborHTMLParser, url: str, find: Finder | None = None) -> None:
        super().__init__(tree, url, find)
        # Whether an element is in a featured block, by mem_id: the items of a list
        # share their ancestors, which are judged once a page.
        self._featured: dict[int, bool] = {}

    def name(self) -> str | None:
        return self.pick(
            "name",
            ("dom h1", lambda: text_of(first(self.find, *NAME_SELECTORS))),
            ("meta og:title", lambda: self.meta("og:title")),
        )

    def description(self) -> str | None:
        return self.pick(
            "description",
            ("dom topic description", self._dom_description),
            ("meta description", lambda: self.meta("description")),
        )

    def _dom_description(self) -> str | None:
        # Eight places, and most pages have none of them: one walk for all eight tells
        # (a miss of each walks the whole page); it stops at the first, when there is one.
        if self.tree.css_first(_ANY_DESCRIPTION) is None:
            return None
        return text_of(first(self.find, *DESCRIPTION_SELECTORS))

    def entries(self) -> list[Fields]:
        return self.pick("entries", ("dom teaser lists", self._dom_entries)) or []

    def _dom_entries(self) -> list[Fields]:
        outside = {node.mem_id for area in self.tree.css(OUTSIDE) for node in area.css("li")}
        seen: set[tuple[str, bool]] = set()
        entries: list[Fields] = []
        for item in self._items():
            if item.mem_id in outside:
                continue
            entry = self._entry(item)
            if entry and (entry["url"], entry["featured"]) not in seen:
                seen.add((entry["url"], entry["featured"]))
                entries.append(entry)
        return entries

    def _items(self) -> list[LexborNode]:
        for selector in LIST_SELECTORS:
            items = self.find.css(selector)
            if items:
                return items
        return []

    def _entry(self, item: LexborNode) -> Fields | None:
        title_node = first(item, *TITLE_SELECTORS)
        link = (first_element(title_node, "a", "href") if title_node else None) or first_element(
            item, "a", "href"
        )
        title = text_of(title_node)
        url = self.link(link.attrs.get("href")) if link else None
        if not title or not url:
            return None
        date_raw = text_of(item.css_first(".date"))
        return {
            "content_type": text_of(item.css_first(".type")),
            "title": title,
            "url": url,
            "date": parse_date(date_raw),
            "date_raw": date_raw,
            "summary": text_of(first(item, ".desc", ".teaser", ".summary")),
            "image": self._image(item),
            "featured": self._is_featured(item),
        }

    def _image(self, item: LexborNode) -> Fields | None:
        img = first_element(item, "img")
        if img is None:
            return None
        alt = attr(img, "alt")
        caption_text = credit_text = None
        if item.css_first(".caption, .credit") is not None:  # one query for the usual none
            caption_text = text_of(item.css_first(".caption"))
            credit_text = text_of(item.css_first(".credit"))
        if caption_text or credit_text:
            caption, credit = caption_text, clean_credit(credit_text)
        else:
            caption, credit = split_caption(alt)
        return {
            "url": self.link(img.attrs.get("src")),
            "alt": alt,
            "caption": caption,
            "credit": credit,
        }

    def next_page(self) -> str | None:
        return self.pick(
            "next_page",
            ("dom pagination next", self._next_link),
        )

    def _next_link(self) -> str | None:
        node = first(self.find, *NEXT_SELECTORS)
        return self.link(node.attrs.get("href")) if node else None

    def _is_featured(self, item: LexborNode) -> bool:
        """True inside a block marked featured by class, or right after a "Featured" heading."""
        unknown: list[LexborNode] = []  # item's ancestors not judged yet, nearest first
        node = item.parent
        featured = False
        while node is not None and node.tag not in ("main", "body"):
            known = self._featured.get(node.mem_id)
            if known is not None:
                featured = known
                break
            unknown.append(node)
            if _marks_featured(node):
                featured = True
                break
            node = node.parent
        # Each of them is featured exactly when the walk from it would say so.
        for block in unknown:
            self._featured[block.mem_id] = featured
        return featured


def _marks_featured(node: LexborNode) -> bool:
    """A block marked featured by class, or right after a "Featured" heading."""
    if not node.is_element_node:  # the document, above an item outside <body>
        return False
    if _FEATURED_CLASS.search(node.attrs.get("class") or ""):
        return True
    heading = next((n for n in previous_elements(node) if is_heading(n)), None)
    return heading is not None and (text_of(heading) or "").lower() == "featured"
