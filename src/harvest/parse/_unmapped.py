"""What a page shows that no field took: its unmapped labels and section headings.

A parser reads what it knows; whatever else the page shows passes by in silence,
until a layout variant moves a value under a label no field reads. So each page is
read once more for what it *labels*:

- the "Document Details" items (``detail``): "Label: value";
- the product or post header's facts (``fact``): its ``<p>`` elements beyond the
  subtitle, date, type and authors;
- tables (``table``) that are not a download or a print-copy table;
- section headings of the content (``heading``): h2 to h4, not in a teaser, not in
  an article's body (those are the body's own), not the caption of a table
  (``HEADINGS``).

Each label is either *taken* (a field reads it and holds a value on this page) or
*ignored* (``IGNORED_DETAILS`` and ``IGNORED_SECTIONS``, each with its reason, as
``docs/parsing.md`` lists them); anything else is ``Unmapped``. A label a field
would read, on a page where that field came out empty, is unmapped too: the label is
there, and what the field reads from under it is not.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator

from selectolax.lexbor import LexborNode

from harvest.parse._doubts import Unmapped
from harvest.parse._html import Table, text_of

# A "Document Details" label (lowercased, no colon) -> the fields that read it.
DETAIL_FIELDS: dict[str, tuple[str, ...]] = {
    "doi": ("doi",),
    "isbn": ("isbn",),
    "isbn/ean": ("isbn",),
    "document number": ("document_number",),
    "series": ("series",),
    "year": ("published",),
    "print format": ("print_offers",),
}
# "<format> pages", "<format> price": a print offer's facts, as the purchase table shows.
_OFFER_DETAIL = re.compile(r"^[a-z][a-z -]{0,30} (?:pages|price)$")
IGNORED_DETAILS: dict[str, str] = {
    "copyright": "the copyright holder, the same publisher on every page",
    "availability": "sales status (Available, Web-Only): no print offer already says it",
}

# A section heading (lowercased) -> the fields that read the section under it.
SECTION_FIELDS: dict[str, tuple[str, ...]] = {
    "key findings": ("key_findings",),
    "recommendations": ("recommendations",),
    "topics": ("topics",),
    "related topics": ("topics",),
    "document details": ("doi", "isbn", "document_number", "series"),
    "research conducted by": ("division",),
    "download ebook for free": ("downloads",),
    "download": ("downloads",),
    "downloads": ("downloads",),
    "purchase print copy": ("print_offers",),
    "featured": ("entries",),
}
_EXPLORE = re.compile(r"^explore\b")  # a topic page's list: "Explore Security Cooperation"
# Headings no field reads, on purpose: (pattern on the lowercased heading, why).
IGNORED_SECTIONS: tuple[tuple[str, str], ...] = (
    (r"citation", "a citation, made from the fields the record already holds"),
    (r"rand style manual", "a citation style"),
    (r"chicago manual of style", "a citation style"),
    (r"related content", "teasers of other pages: each is a record of its own"),
    (r"more about this .+", "the box around the topics and related content"),
    (r"subscribe to .+", "a newsletter sign-up"),
    (r"error", "the listing filter's error message, hidden unless its script fails"),
    (r"oops! an unexpected error has occurred\.?", "the same error message"),
)
_IGNORED = re.compile("|".join(f"(?:{pattern})" for pattern, _ in IGNORED_SECTIONS))

# Header facts a field reads, by class.
_FACT_CLASSES = frozenset(
    {"subtitle", "published", "authors", "type-published", "type", "date", "type-date"}
)
_LABEL = re.compile(r"^([A-Z][\w /&-]{0,40}?)\s*:\s*\S")
# Section headings: not in a teaser (a list item) nor an article's body (a field reads
# those whole), not for screen readers only ("Site-wide navigation"). One whole-page
# query (~20 µs on a rand.org page): lexbor sorts them out faster than a walk up each
# heading's parents in Python.
HEADINGS = ":is(h2, h3, h4):not(li *, .body-text *, .article-body *, .access)"
# The header block around the title's h1, whose <p> are the header's facts: found by
# walking up from the h1 the title lookup already found, not by another whole-page query.
HEADER_CLASSES = ("product-header", "post-heading")
HEADER_LEVELS = 3
EXAMPLE_CHARS = 80


def unmapped(
    filled: Collection[str],
    *,
    details: dict[str, str],
    tables: list[Table],
    headings: list[LexborNode],
    facts: list[LexborNode],
    names: Collection[str] = (),
) -> tuple[Unmapped, ...]:
    """What a page labels that no field took. ``filled``: the record's filled fields.

    ``headings``: the page's (``HEADINGS``); ``facts``: its header's (``header_facts``);
    ``names``: the page's own title or name, lowercased (a heading that repeats it is
    the title's); ``tables``: the tables no field read.
    """
    found = [
        *_details(details, filled),
        *_facts(facts),
        *_tables(tables),
        *_headings(headings, filled, names),
    ]
    return tuple(dict.fromkeys(found))


def header_facts(title: LexborNode | None) -> list[LexborNode]:
    """The ``<p>`` of the header block (``HEADER_CLASSES``) that holds the title's h1."""
    block = title
    for _ in range(HEADER_LEVELS):
        block = block.parent if block is not None else None
        if block is None:
            return []
        classes = (block.attributes.get("class") or "").split()
        if any(name in classes for name in HEADER_CLASSES):
            return block.css("p")
    return []


def _details(details: dict[str, str], filled: Collection[str]) -> Iterator[Unmapped]:
    for label, value in details.items():
        if label in IGNORED_DETAILS:
            continue
        fields = DETAIL_FIELDS.get(label) or (
            ("print_offers",) if _OFFER_DETAIL.match(label) else ()
        )
        if not any(name in filled for name in fields):
            yield Unmapped("detail", label, _example(value))


def _facts(facts: list[LexborNode]) -> Iterator[Unmapped]:
    for node in facts:
        classes = (node.attributes.get("class") or "").split()
        if _FACT_CLASSES.intersection(classes):
            continue
        text = text_of(node)
        if not text:
            continue
        label = _LABEL.match(text)
        name = label.group(1) if label else " ".join(classes) or "(unlabelled)"
        yield Unmapped("fact", name.lower(), _example(text))


def _tables(tables: list[Table]) -> Iterator[Unmapped]:
    for _, headers, rows in tables:
        label = " | ".join(header for header in headers if header) or "(no header)"
        first = rows[0] if rows else {}
        example = " | ".join(filter(None, (text_of(cell) for cell in first.values())))
        yield Unmapped("table", label, _example(example))


def _headings(
    headings: list[LexborNode], filled: Collection[str], names: Collection[str]
) -> Iterator[Unmapped]:
    for node in headings:
        # The key from the raw text: cleaning it (entities, Unicode forms) is for the few
        # that are reported.
        key = " ".join(node.text(deep=True, separator=" ", strip=True).split()).lower()
        if not key:
            continue
        fields = SECTION_FIELDS.get(key) or (("entries",) if _EXPLORE.match(key) else ())
        if any(name in filled for name in fields) or key in names:
            continue
        if not fields and _IGNORED.fullmatch(key):
            continue
        if _captions_table(node):
            continue
        text = text_of(node)
        if text:
            yield Unmapped("heading", text)


def _captions_table(node: LexborNode) -> bool:
    """A heading right above a table: the table's caption (reported as the table)."""
    sibling = node.next
    while sibling is not None and not sibling.is_element_node:
        sibling = sibling.next
    return sibling is not None and sibling.tag == "table"


def _example(value: str | None) -> str | None:
    if not value:
        return None
    return value if len(value) <= EXAMPLE_CHARS else value[: EXAMPLE_CHARS - 1] + "…"
