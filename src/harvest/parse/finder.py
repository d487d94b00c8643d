"""Whole-page CSS queries that search only where their matches can be.

lexbor matches a selector from its right end: for ``ul.related-topics li a`` it
tests every ``a`` of the page and climbs its ancestors, and a miss always walks the
whole tree. Most selectors the parsers use start with a container that every
match lies in (its *anchor*); ``Finder`` looks for the anchors once a page and
queries inside them, which gives the same nodes, in the same order, for less.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from selectolax.lexbor import LexborHTMLParser, LexborNode

__all__ = ["Finder", "Subtree", "anchor_of", "unique"]

# A selector's first compound (tag, classes, id), then a descendant or a child
# combinator: every match of the selector lies inside an element matching that
# compound. (After a sibling combinator, + or ~, matches would lie beside it.)
_ANCHORED = re.compile(r"([\w.#-]+)(?:\s*>\s*|\s+)(?![\s>+~])")
# One compound selector with a tag: every match is an element of that tag.
_TAGGED = re.compile(r"([a-zA-Z][\w-]*)[.#\[][^\s,>+~]*")
# What ``Subtree`` answers itself: one compound of an optional tag, classes, and an
# optional attribute that must be present ("h3", ".date", "h3.title", "a[href]").
_COMPOUND = re.compile(r"([a-z][a-z0-9]*)?((?:\.[a-z_][a-z0-9_-]*)*)(?:\[([a-z][a-z0-9_-]*)\])?")
_CLASS_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
# Where lexbor matches otherwise than a plain reading of tags and attributes: in SVG and
# MathML ("a[href]" matches <a xlink:href>, "foreignobject" <foreignObject>).
_READ_BY_LEXBOR = frozenset({"svg", "math"})


class Finder:
    """Whole-page queries for one page: ``css`` and ``css_first``, as on its tree.

    A selector whose matches all lie inside its first compound (``anchor_of``) is
    answered by querying inside that compound's elements, found once a page: lexbor
    checks a candidate's ancestors and siblings in the whole document even when the
    query starts from an element, so the matches are exactly the tree's. Other
    selectors go to the tree; every whole-tree answer is kept, as classify and the
    parsers ask for some of the same ones.
    """

    def __init__(self, tree: LexborHTMLParser) -> None:
        self.tree = tree
        # Whole-tree answers, by selector: anchors, and what classify and the
        # parsers both ask for, are looked for once a page.
        self._all: dict[str, list[LexborNode]] = {}
        self._first: dict[str, LexborNode | None] = {}
        self._classes_case_sensitive: bool | None = None

    def classes_case_sensitive(self, node: LexborNode, name: str) -> bool | None:
        """Whether lexbor matches class names case-sensitively on this page (it does
        not in quirks mode), asked once a page of an element with a class ``name`` that
        has a capital letter: does the name in lower case match it? None when ``name``
        cannot be written as a plain class selector."""
        if self._classes_case_sensitive is None:
            if _CLASS_NAME.fullmatch(name) is None or name == name.lower():
                return None
            found = node.css_first("." + name.lower())
            self._classes_case_sensitive = found is None or found.mem_id != node.mem_id
        return self._classes_case_sensitive

    def css(self, selector: str) -> list[LexborNode]:
        """Like ``tree.css``: every match in document order, repeats included."""
        anchor = anchor_of(selector)
        if anchor is None:
            return [] if self._lacks_tag_of(selector) else list(self._tree_css(selector))
        found: list[LexborNode] = []
        searched: set[int] = set()
        for node in self._tree_css(anchor):
            # An anchor inside one already searched (or listed twice): its matches are in.
            if not _inside_any(node, searched):
                searched.add(node.mem_id)
                found.extend(node.css(selector))
        return found

    def css_first(self, selector: str) -> LexborNode | None:
        """Like ``tree.css_first``: the first match in document order."""
        anchor = anchor_of(selector)
        if anchor is None:
            if self._lacks_tag_of(selector):
                return None
            return self._tree_css_first(selector)
        # The anchors come in document order, and all of an anchor's subtree comes
        # before the next anchor that is not inside it: the first hit is the first match.
        # The first anchor alone (a partial walk) is enough when it holds a match.
        node = self._tree_css_first(anchor)
        if node is None:
            return None
        found = node.css_first(selector)
        if found is not None:
            return found
        for node in self._tree_css(anchor)[1:]:
            found = node.css_first(selector)
            if found is not None:
                return found
        return None

    def _lacks_tag_of(self, selector: str) -> bool:
        """Whether the page is known (from an earlier query) to have no element of the
        tag that a selector such as "article.blog" requires."""
        match = _TAGGED.fullmatch(selector)
        if match is None:
            return False
        tag = match.group(1)
        return self._all.get(tag) == [] or (tag in self._first and self._first[tag] is None)

    def _tree_css(self, selector: str) -> list[LexborNode]:
        if selector not in self._all:
            self._all[selector] = self.tree.css(selector)
        return self._all[selector]

    def _tree_css_first(self, selector: str) -> LexborNode | None:
        if selector not in self._first:
            found = self._all.get(selector)
            self._first[selector] = (
                self.tree.css_first(selector) if found is None else found[0] if found else None
            )
        return self._first[selector]


Compound = tuple[str | None, tuple[str, ...], str | None]  # tag, classes, attribute
Element = tuple[LexborNode, str, list[str], dict[str, str | None]]  # node, tag, classes, attributes


class Subtree:
    """``css_first`` for a small subtree that is asked many simple questions.

    lexbor spends ~3 µs on any query, however few elements it searches: it parses the
    selector each time. A listing entry is asked about ten ("h3.title", "a[href]",
    ".date", "img", ...); reading its dozen elements once costs about as much as two
    queries and answers all of them. Only selectors of compounds (``_COMPOUND``, in a
    list or alone) are answered here, and only where a plain reading of tags, classes
    and attributes matches as lexbor does; anything else is asked of lexbor:

    * a class with a capital letter in a quirks-mode document (it matches classes in
      any case; the page's ``Finder`` asks lexbor which mode a page is in, once);
    * a class split by anything but spaces;
    * SVG and MathML (``_READ_BY_LEXBOR``).

    As with lexbor, the root is searched too, and matches come in document order.
    """

    __slots__ = ("_by_class", "_by_tag", "_elements", "_position", "root")

    def __init__(self, root: LexborNode, find: Finder) -> None:
        self.root = root
        self._elements = _read_elements(root, find)
        self._by_class: dict[str, list[int]] = {}
        self._by_tag: dict[str, list[int]] = {}
        self._position: dict[int, int] = {}
        for i, (node, tag, classes, _) in enumerate(self._elements or ()):
            self._by_tag.setdefault(tag, []).append(i)
            for name in classes:
                self._by_class.setdefault(name, []).append(i)
            self._position[node.mem_id] = i

    def css_first(self, selector: str, within: LexborNode | None = None) -> LexborNode | None:
        """Like ``node.css_first(selector)`` on the root, or on ``within``, an element
        of this subtree (its own subtree searched, itself included)."""
        compounds = _compounds(selector)
        start = 0 if within is None else self._position.get(within.mem_id)
        if compounds is None or self._elements is None or start is None:
            return (within or self.root).css_first(selector)
        best: int | None = None
        for compound in compounds:
            found = self._first(compound, start, within)
            if found is not None and (best is None or found < best):
                best = found
        return None if best is None else self._elements[best][0]

    def _first(self, compound: Compound, start: int, within: LexborNode | None) -> int | None:
        tag, classes, attribute = compound
        elements = self._elements or []
        candidates: Iterable[int]
        if classes:
            candidates = self._by_class.get(classes[0], ())
        elif tag is not None:
            candidates = self._by_tag.get(tag, ())
        else:
            candidates = range(len(elements))
        for i in candidates:
            if i < start:
                continue
            node, node_tag, node_classes, attributes = elements[i]
            if (
                (tag is None or node_tag == tag)
                and all(name in node_classes for name in classes[1:])
                and (attribute is None or attribute in attributes)
                and (within is None or _is_within(node, within, self.root))
            ):
                return i
        return None


def _read_elements(root: LexborNode, find: Finder) -> list[Element] | None:
    """The root and its descendant elements in document order; None where a plain
    reading could match otherwise than lexbor (see ``Subtree``)."""
    elements: list[Element] = []
    for node in root.traverse():
        if not node.is_element_node:
            continue
        tag = node.tag or ""
        if tag in _READ_BY_LEXBOR:
            return None
        attributes = node.attributes
        names = attributes.get("class")
        if names:
            if not (names.isascii() and names.isprintable()):
                return None
            classes = names.split(" ")
            if names != names.lower() and not all(
                name == name.lower() or find.classes_case_sensitive(node, name) for name in classes
            ):
                return None
            elements.append((node, tag, classes, attributes))
        else:
            elements.append((node, tag, [], attributes))
    return elements


def _is_within(node: LexborNode, ancestor: LexborNode, root: LexborNode) -> bool:
    """Whether ``node`` is ``ancestor`` or lies inside it (both inside ``root``)."""
    current: LexborNode | None = node
    while current is not None:
        if current.mem_id == ancestor.mem_id:
            return True
        if current.mem_id == root.mem_id:
            return False
        current = current.parent
    return False


@lru_cache(maxsize=256)
def _compounds(selector: str) -> tuple[Compound, ...] | None:
    """A selector list of compounds as (tag, classes, attribute) each; None otherwise.

    >>> _compounds("h3.title, a[href]")
    (('h3', ('title',), None), ('a', (), 'href'))
    >>> _compounds("li a") is None, _compounds(".Title") is None
    (True, True)
    """
    parts = _selector_list(selector)
    if parts is None:
        return None
    compounds = []
    for part in parts:
        match = _COMPOUND.fullmatch(part.strip())
        if match is None or not part.strip():
            return None
        tag, classes, attribute = match.groups()
        compounds.append((tag, tuple(classes.split(".")[1:]), attribute))
    return tuple(compounds)


@lru_cache(maxsize=256)
def anchor_of(selector: str) -> str | None:
    """What every match of a selector (or selector list) lies inside; None if not known.

    >>> anchor_of(".product-header .published")
    '.product-header'
    >>> anchor_of("#document-details li, .document-details li")
    '#document-details, .document-details'
    >>> anchor_of("p.published") is None, anchor_of(".post-heading + .photo") is None
    (True, True)
    """
    parts = _selector_list(selector)
    if parts is None:
        return None
    anchors = []
    for part in parts:
        match = _ANCHORED.match(part.strip())
        if match is None:
            return None
        anchors.append(match.group(1))
    return ", ".join(dict.fromkeys(anchors))


def _selector_list(selector: str) -> list[str] | None:
    """The selectors of a list, split at its top-level commas; None with escapes."""
    if "\\" in selector:
        return None
    parts, start, depth, quote = [], 0, 0, ""
    for i, char in enumerate(selector):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(selector[start:i])
            start = i + 1
    parts.append(selector[start:])
    return parts


def _inside_any(node: LexborNode, mem_ids: set[int]) -> bool:
    """Whether the node, or one of its ancestors, is one of these nodes."""
    current: LexborNode | None = node
    while current is not None and mem_ids:
        if current.mem_id in mem_ids:
            return True
        current = current.parent
    return False


def unique(nodes: list[LexborNode]) -> list[LexborNode]:
    """The nodes without their repeats: lexbor lists a node once for each selector of a
    list that it matches ("#indicia p, .indicia p" lists each paragraph twice)."""
    seen: set[int] = set()
    kept = []
    for node in nodes:
        if node.mem_id not in seen:
            seen.add(node.mem_id)
            kept.append(node)
    return kept
