"""Small helpers shared by the page parsers: loading, text, meta tags, JSON-LD, tables.

Nothing here knows a page kind; nothing here does I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from harvest.errors import ParseError
from harvest.normalize import clean_text

_CHARSET_HEADER = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_CHARSET_META = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_HTML_OPEN = re.compile(rb"<html[\s>]", re.I)
_HTML_CLOSE = re.compile(rb"</html\s*>", re.I)
_MARKUP = re.compile(rb"<(!doctype|html|head|body|div|p|a|main|title)[\s>]", re.I)
# Text nodes are joined with a space so block elements never glue words together;
# that space is wrong before closing punctuation after an inline element ("eBooks</a>.").
_SPACE_BEFORE_CLOSE = re.compile(r"(?<=\S) +(?=[.,;:!?%)\]}’”](?:\s|$))")
_SPACE_AFTER_OPEN = re.compile(r"(?<=[(\[{“‘]) +(?=\S)")
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def load_html(body: bytes, content_type: str | None = None) -> LexborHTMLParser:
    """Decode and parse a page, refusing what is not a whole HTML document.

    Raises ParseError (one line, for the user) for an empty body, binary data,
    a body with no HTML markup, and a document cut off before its end.
    """
    if not body.strip():
        raise ParseError("empty page: the body has no content")
    head = body[:4096]
    if b"\x00" in head or _control_ratio(head) > 0.05:
        raise ParseError("not an HTML page: the body is binary data")
    if not _MARKUP.search(body[:65536]):
        raise ParseError("not an HTML page: no HTML markup found")
    if _looks_truncated(body):
        raise ParseError("truncated HTML: the document ends before its closing tags")
    return LexborHTMLParser(body.decode(_charset(body, content_type), errors="replace"))


_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


def _control_ratio(data: bytes) -> float:
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    return controls / max(len(data), 1)


def _looks_truncated(body: bytes) -> bool:
    # A server always ends a page it sent whole with </html>; saved fragments
    # (no <html> at all) must at least end on a closed tag.
    if _HTML_OPEN.search(body[:65536]):
        return not _HTML_CLOSE.search(body[-4096:])
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
    return _SPACE_AFTER_OPEN.sub("", _SPACE_BEFORE_CLOSE.sub("", text))


def first(root: LexborHTMLParser | LexborNode, *selectors: str) -> LexborNode | None:
    """The first node matching any selector, trying selectors in order."""
    for selector in selectors:
        node = root.css_first(selector)
        if node is not None:
            return node
    return None


def texts(root: LexborHTMLParser | LexborNode, selector: str) -> list[str]:
    """Cleaned, non-empty texts of every node matching the selector, in order."""
    found = (text_of(node) for node in root.css(selector))
    return [text for text in found if text]


def attr(node: LexborNode | None, name: str) -> str | None:
    """An attribute's cleaned value, or None."""
    if node is None:
        return None
    return clean_text(node.attributes.get(name))


def meta(tree: LexborHTMLParser, name: str) -> str | None:
    """The content of the first ``<meta name=…>`` or ``<meta property=…>``."""
    values = meta_all(tree, name)
    return values[0] if values else None


def meta_all(tree: LexborHTMLParser, name: str) -> list[str]:
    """The contents of every ``<meta>`` with this name or property, in order."""
    found = []
    for node in tree.css("meta[name], meta[property]"):
        key = node.attributes.get("name") or node.attributes.get("property") or ""
        if key.lower() == name.lower():
            value = attr(node, "content")
            if value:
                found.append(value)
    return found


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
    header_row = next((row for row in rows if row.css_first("th")), rows[0])
    headers = [(text_of(cell) or "").lower() for cell in _cells(header_row)]
    body: list[dict[str, LexborNode]] = []
    for row in rows:
        if row == header_row or (row.css_first("th") and not row.css_first("td")):
            continue
        cells = _cells(row)
        body.append({headers[i]: cell for i, cell in enumerate(cells) if i < len(headers)})
    return headers, body


def tables_with_headers(
    root: LexborHTMLParser | LexborNode, *words: str
) -> Iterator[tuple[LexborNode, list[dict[str, LexborNode]]]]:
    """Tables having, for each word, a header cell that contains it: (table, rows)."""
    for table in root.css("table"):
        headers, rows = table_rows(table)
        if all(any(word in header for header in headers) for word in words):
            yield table, rows


def _cells(row: LexborNode) -> list[LexborNode]:
    return [child for child in row.iter() if child.tag in ("td", "th")]
