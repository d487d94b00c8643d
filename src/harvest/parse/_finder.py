"""Whole-page CSS queries that search only where their matches can be.

lexbor matches a selector from its right end: for ``ul.related-topics li a`` it
tests every ``a`` of the page and climbs its ancestors, and a miss always walks the
whole tree. Most selectors the parsers use start with a container that every
match lies in (its *anchor*); ``Finder`` looks for the anchors once a page and
queries inside them, which gives the same nodes, in the same order, for less.
"""

from __future__ import annotations

import re
from functools import lru_cache

from selectolax.lexbor import LexborHTMLParser, LexborNode

__all__ = ["Finder", "anchor_of", "unique"]

# A selector's first compound (tag, classes, id), then a descendant or a child
# combinator: every match of the selector lies inside an element matching that
# compound. (After a sibling combinator, + or ~, matches would lie beside it.)
_ANCHORED = re.compile(r"([\w.#-]+)(?:\s*>\s*|\s+)(?![\s>+~])")
# One compound selector with a tag: every match is an element of that tag.
_TAGGED = re.compile(r"([a-zA-Z][\w-]*)[.#\[][^\s,>+~]*")


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
