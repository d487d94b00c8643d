"""Small helpers shared by the page parsers: loading, text, meta tags, JSON-LD, tables.

Nothing here knows a page kind; nothing here does I/O.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from harvest.errors import ParseError
from harvest.normalize import clean_text
from harvest.parse._finder import Finder

_CHARSET_HEADER = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_CHARSET_META = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_HTML_OPEN = re.compile(rb"<html[\s>]", re.I)
_HTML_CLOSE = re.compile(rb"</html\s*>", re.I)
_MARKUP = re.compile(rb"<(!doctype|html|head|body|div|p|a|main|title)[\s>]", re.I)
# Text nodes are joined with a space so block elements never glue words together;
# that space is wrong before closing punctuation after an inline element ("eBooks</a>.").
# Each starts with the space it removes, then looks behind it: the regex engine jumps
# from space to space. (Written "(?<=\S) +(?=…)" they try every position of a text,
# ~10 µs a paragraph.) The first space of a run, after a non-space, and the rest:
SPACE_BEFORE_CLOSE = re.compile(r" (?<=\S ) *(?=[.,;:!?%)\]}’”](?:\s|$))")
# The first space of a run after an opening mark, and the rest, before a non-space:
SPACE_AFTER_OPEN = re.compile(r" (?<=[(\[{“‘] ) *(?=\S)")
# What either of the two needs to find anything in clean text (one space a run): a
# space before a closing mark or after an opening one, looked for in one scan first.
SPACE_BY_MARK = re.compile(r" (?:[.,;:!?%)\]}’”]|(?<=[(\[{“‘] ))")
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# What a parser may read from anywhere in a page, outside its content as well: a block
# holding one of these is never site chrome.
_NOT_CHROME = "h1, main, article, meta, link, script[type='application/ld+json']"


def load_html(body: bytes, content_type: str | None = None) -> LexborHTMLParser:
    """Decode and parse a page, refusing what is not a whole HTML document.

    Raises ParseError (one line, for the user) for an empty body, binary data,
    a body with no HTML markup, and a document cut off before its end.
    """
    if not body or body.isspace():  # what strip() would leave empty, without copying
        raise ParseError("empty page: the body has no content")
    wide = _utf16(body, content_type)
    if wide is not None:  # UTF-16: its NUL bytes are text, not binary data
        body = body.decode(wide, errors="replace").lstrip("\ufeff").encode("utf-8")
        content_type = "text/html; charset=utf-8"  # over a <meta charset="utf-16">
    head = body[:4096]
    if b"\x00" in head or _control_ratio(head) > 0.05:
        raise ParseError("not an HTML page: the body is binary data")
    # pos/endpos instead of slices: a slice would copy up to 64 KiB for nothing.
    if not _MARKUP.search(body, 0, 65536):
        raise ParseError("not an HTML page: no HTML markup found")
    if _looks_truncated(body):
        raise ParseError("truncated HTML: the document ends before its closing tags")
    charset = _charset(body, content_type)
    if _is_utf8(charset):
        # lexbor parses UTF-8 bytes; a str would be encoded back to the same bytes
        # first (a quarter of the parse's cost), so the bytes go to it as they are.
        # Invalid sequences need no decode first: lexbor keeps them as they are and
        # selectolax reads every text and attribute with errors="replace", which gives
        # what bytes.decode("utf-8", "replace") would (a maximal invalid subpart never
        # holds an ASCII byte, so markup never splits one). A test holds it so.
        return LexborHTMLParser(body)
    return LexborHTMLParser(body.decode(charset, errors="replace"))


def drop_site_chrome(tree: LexborHTMLParser) -> int:
    """Take the site-wide banner and footer out of a parsed page; how many were taken.

    Site chrome is a ``<header>`` or ``<footer>`` that is a child of ``<body>`` (a
    ``<header>`` inside an article or ``<main>`` is the content's own) and holds
    nothing a parser reads from outside a page's content (``_NOT_CHROME``: an h1,
    ``<main>``, an article, meta and link tags, JSON-LD). No record field comes from
    it (listings already leave its lists out), and on rand.org it is over half of a
    page's elements: every whole-page query after this searches the content only.
    The elements are unlinked, not freed; they go with the tree.
    """
    body = tree.body
    if body is None:
        return 0
    chrome = [
        node
        for node in body.iter()
        if node.tag in ("header", "footer") and node.css_first(_NOT_CHROME) is None
    ]
    for node in chrome:
        node.decompose(recursive=False)
    return len(chrome)


_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}


def _utf16(body: bytes, content_type: str | None) -> str | None:
    """The UTF-16 codec a page is in, or None: by its byte order mark (which wins over
    any label, as in browsers), else by a ``charset=utf-16`` header or by its first
    markup, ``<`` beside a NUL, read in the byte order that NUL gives."""
    by_mark = _BOMS.get(body[:2])
    if by_mark is not None:
        return by_mark
    start = body[:64].lstrip(b" \t\r\n\x00")
    label = _CHARSET_HEADER.search(content_type or "")
    labelled = label is not None and label.group(1).lower().replace("_", "-").startswith("utf-16")
    if not (labelled or start[:1] == b"<"):
        return None
    first = body.find(b"<", 0, 64)
    if first < 0:
        return None
    if first % 2 == 0 and body[first + 1 : first + 2] == b"\x00":
        return "utf-16-le"  # "<" then its high byte
    if first % 2 == 1 and body[first - 1 : first] == b"\x00":
        return "utf-16-be"  # the high byte, then "<"
    return None


def _is_utf8(charset: str) -> bool:
    return codecs.lookup(charset).name == "utf-8"


_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


def _control_ratio(data: bytes) -> float:
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    return controls / max(len(data), 1)


def _looks_truncated(body: bytes) -> bool:
    # A server always ends a page it sent whole with </html>; saved fragments
    # (no <html> at all) must at least end on a closed tag.
    if _HTML_OPEN.search(body, 0, 65536):
        return not _HTML_CLOSE.search(body, max(len(body) - 4096, 0))
    return not body.rstrip().endswith(b">")


def _charset(body: bytes, content_type: str | None) -> str:
    for match in (
        _CHARSET_HEADER.search(content_type or ""),
        _CHARSET_META.search(body[:4096]),
    ):
        if match:
            name = match.group(1)
            name = name.decode("ascii", "replace") if isinstance(name, bytes) else name
            try:
                "".encode(name)
            except LookupError:
                continue
            return name
    return "utf-8"


def text_of(node: LexborNode | None) -> str | None:
    """The visible text of a node, cleaned; None when empty or absent."""
    if node is None:
        return None
    text = clean_text(node.text(deep=True, separator=" ", strip=False))
    if text is None:
        return None
    if SPACE_BY_MARK.search(text):
        text = SPACE_AFTER_OPEN.sub("", SPACE_BEFORE_CLOSE.sub("", text))
    return text


def join_paragraphs(parts: Iterable[str | None]) -> str | None:
    """``clean_paragraphs`` for texts from ``text_of``, without cleaning them twice.

    ``clean_text`` leaves what ``text_of`` gives as it is, except a text with an
    ``&``: removing a space before ``;`` can complete an entity ("&hellip ;"), so
    those are cleaned again.
    """
    kept = (clean_text(part) if "&" in part else part for part in parts if part)
    return "\n\n".join(part for part in kept if part) or None


Root = LexborHTMLParser | LexborNode | Finder


def first(root: Root, *selectors: str) -> LexborNode | None:
    """The first node matching any selector, trying selectors in order."""
    for selector in selectors:
        node = root.css_first(selector)
        if node is not None:
            return node
    return None


def texts(root: Root, selector: str) -> list[str]:
    """Cleaned, non-empty texts of every node matching the selector, in order."""
    found = (text_of(node) for node in root.css(selector))
    return [text for text in found if text]


def first_element(node: LexborNode, tag: str, attribute: str | None = None) -> LexborNode | None:
    """``node.css_first("tag")`` or ``node.css_first("tag[attribute]")``, walked in Python.

    For small subtrees (a table row, a list item, a cell): a lexbor query has a fixed
    cost (~1.5 µs, the selector parsed and its memory set up and freed) that a walk of
    a dozen nodes does not (~0.5 µs). The same node: the first in document order, the
    node itself included (as lexbor's query counts it), descendants of ``<template>``
    not (they are not its children). For a tag and an attribute name only; a class or an
    id would need the document's quirks mode to compare.
    """
    for candidate in node.traverse():
        if candidate.tag == tag and (attribute is None or attribute in candidate.attrs):
            return candidate
    return None


def elements(node: LexborNode, tag: str, attribute: str | None = None) -> list[LexborNode]:
    """``node.css("tag")`` or ``node.css("tag[attribute]")`` for a small subtree, in
    document order: ``first_element``'s walk, to the end."""
    return [
        candidate
        for candidate in node.traverse()
        if candidate.tag == tag and (attribute is None or attribute in candidate.attrs)
    ]


def attr(node: LexborNode | None, name: str) -> str | None:
    """An attribute's cleaned value, or None."""
    if node is None:
        return None
    return clean_text(node.attrs.get(name))


MetaTags = dict[str, list[str | None]]


def meta_all(tree: LexborHTMLParser, name: str) -> list[str]:
    """The contents of every ``<meta>`` with this name or property, in order."""
    return meta_values(meta_tags(tree), name)


def meta_tags(tree: LexborHTMLParser) -> MetaTags:
    """Every ``<meta>`` with a name or property: {lowercased name: raw contents, in order}.

    One walk of the tree, for all the lookups a parser makes (``meta_values``).
    """
    tags: MetaTags = {}
    for node in tree.css("meta"):  # cheaper than "meta[name], meta[property]"
        attributes = node.attributes
        if "name" not in attributes and "property" not in attributes:
            continue
        key = attributes.get("name") or attributes.get("property") or ""
        tags.setdefault(key.lower(), []).append(attributes.get("content"))
    return tags


def meta_values(tags: MetaTags, name: str) -> list[str]:
    """The cleaned, non-empty contents of the ``<meta>`` tags with this name, in order."""
    found = (clean_text(content) for content in tags.get(name.lower(), ()))
    return [content for content in found if content]


def json_ld(tree: LexborHTMLParser) -> list[dict[str, Any]]:
    """Every JSON-LD object on the page, ``@graph`` members flattened; bad JSON skipped."""
    objects: list[dict[str, Any]] = []
    for node in tree.css('script[type="application/ld+json"]'):
        try:
            data = json.loads(node.text(deep=True) or "null")
        except ValueError:
            continue
        objects.extend(_flatten_ld(data))
    return objects


def _flatten_ld(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _flatten_ld(item)
    elif isinstance(data, dict):
        yield data
        yield from _flatten_ld(data.get("@graph"))


def is_heading(node: LexborNode) -> bool:
    return node.tag in _HEADINGS


def previous_elements(node: LexborNode) -> Iterator[LexborNode]:
    """The element siblings before ``node``, nearest first."""
    sibling = node.prev
    while sibling is not None:
        if sibling.is_element_node:
            yield sibling
        sibling = sibling.prev


def table_rows(table: LexborNode) -> tuple[list[str], list[dict[str, LexborNode]]]:
    """Read a table by its header cells: (headers, rows as {header: cell}).

    Headers are lowercased cleaned texts ("" for an empty header cell); a table
    with no ``<th>`` row uses its first row as headers.
    """
    rows = table.css("tr")
    if not rows:
        return [], []
    has_th = [first_element(row, "th") is not None for row in rows]
    header_th = any(has_th)
    header_row = rows[has_th.index(True)] if header_th else rows[0]
    headers = [(text_of(cell) or "").lower() for cell in row_cells(header_row)]
    # A row equal to the header row is skipped: the same node or the same HTML (what
    # LexborNode's == compares). Only a row that has a <th> exactly when the header row
    # has one can serialize the same; the header row's HTML is serialized once, if asked.
    header_html: str | None = None
    body: list[dict[str, LexborNode]] = []
    for row, th in zip(rows, has_th, strict=True):
        if th and not first_element(row, "td"):
            continue
        if row.mem_id == header_row.mem_id:
            continue
        if th == header_th:
            if header_html is None:
                header_html = header_row.html
            if row.html == header_html:
                continue
        cells = row_cells(row)
        body.append({headers[i]: cell for i, cell in enumerate(cells) if i < len(headers)})
    return headers, body


Table = tuple[LexborNode, list[str], list[dict[str, LexborNode]]]


def read_tables(root: LexborHTMLParser | LexborNode) -> list[Table]:
    """Every table under ``root``, read by ``table_rows``: (table, headers, rows)."""
    return [(table, *table_rows(table)) for table in root.css("table")]


def tables_with_headers(
    root: LexborHTMLParser | LexborNode | list[Table], *words: str
) -> Iterator[tuple[LexborNode, list[dict[str, LexborNode]]]]:
    """Tables having, for each word, a header cell that contains it: (table, rows).

    ``root`` may be tables already read (``read_tables``), when a page looks
    for tables by their headers more than once.
    """
    tables = root if isinstance(root, list) else read_tables(root)
    for table, headers, rows in tables:
        if all(any(word in header for header in headers) for word in words):
            yield table, rows


def row_cells(row: LexborNode) -> list[LexborNode]:
    """The ``<td>`` and ``<th>`` children of a table row, in order."""
    return [child for child in row.iter() if child.tag in ("td", "th")]
