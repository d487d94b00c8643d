"""The base of every page parser: the parsed tree, its URL, and field provenance.

A field is read by trying sources in order (structured metadata, then the DOM,
then text patterns); the first that gives a value wins. Which source won and
which were tried is kept in ``provenance``, for whoever debugs a parser.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any, NamedTuple, TypeVar

from selectolax.lexbor import LexborHTMLParser

from harvest.parse._finder import Finder
from harvest.parse._html import MetaTags, json_ld, meta_tags, meta_values
from harvest.sites import absolute_url

T = TypeVar("T")
Source = tuple[str, Callable[[], T | None]]
# A value of a record (an Author, a Download, an Image, a TopicEntry ...) as a parser
# gives it: its fields by name, validated with the whole record by its one
# ``model_validate``. Building each value model on its own cost ~2.5 µs (pydantic's
# __init__ machinery around the same validators); in the record's validation, ~0.4.
Fields = dict[str, Any]


class Provenance(NamedTuple):
    """Where a field's value came from (``source`` is None when nothing matched).

    A named tuple: a page makes one for each of its ~25 fields, and a frozen dataclass
    costs twice as much to make.
    """

    source: str | None
    tried: tuple[str, ...] = ()


class PageParser:
    """A parsed page at a known URL; subclasses add one method per field."""

    def __init__(self, tree: LexborHTMLParser, url: str, find: Finder | None = None) -> None:
        self.tree = tree
        self.find = find or Finder(tree)  # whole-page queries go through it
        self.url = url
        self.provenance: dict[str, Provenance] = {}
        self._ld: list[dict[str, Any]] | None = None

    def pick(self, name: str, *sources: Source[T]) -> T | None:
        """The first non-empty value among ``sources``, recording which one won."""
        tried: list[str] = []
        for label, get in sources:
            value = get()
            if value not in (None, "", [], ()):
                self.provenance[name] = Provenance(label, tuple(tried))
                return value
            tried.append(label)
        self.provenance[name] = Provenance(None, tuple(tried))
        return None

    def pick_list(self, name: str, *sources: Source[list[T]]) -> list[T]:
        """Like ``pick`` for a list field: ``[]`` when no source gives items."""
        return self.pick(name, *sources) or []

    def link(self, href: str | None) -> str | None:
        """An href made absolute and canonical against the page URL."""
        return absolute_url(href, self.url)

    def meta(self, name: str) -> str | None:
        """The content of the first ``<meta>`` with this name or property."""
        values = self.meta_all(name)
        return values[0] if values else None

    def meta_all(self, name: str) -> list[str]:
        """The contents of every ``<meta>`` with this name or property, in order."""
        return meta_values(self._meta_tags, name)

    @cached_property
    def _meta_tags(self) -> MetaTags:
        """The page's ``<meta>`` tags, read once for every lookup."""
        return meta_tags(self.tree)

    @property
    def ld(self) -> list[dict[str, Any]]:
        """The page's JSON-LD objects (parsed once)."""
        if self._ld is None:
            self._ld = json_ld(self.tree)
        return self._ld
