"""The base of every page parser: the parsed tree, its URL, and field provenance.

A field is read by trying sources in order (structured metadata, then the DOM,
then text patterns); the first that gives a value wins. Which source won and
which were tried is kept in ``provenance``, for whoever debugs a parser.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from selectolax.lexbor import LexborHTMLParser

from harvest.normalize import absolute_url
from harvest.parse.html import json_ld, meta

T = TypeVar("T")
Source = tuple[str, Callable[[], T | None]]


@dataclass(frozen=True)
class Provenance:
    """Where a field's value came from (``source`` is None when nothing matched)."""

    source: str | None
    tried: tuple[str, ...] = field(default_factory=tuple)


class PageParser:
    """A parsed page at a known URL; subclasses add one method per field."""

    def __init__(self, tree: LexborHTMLParser, url: str) -> None:
        self.tree = tree
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
        return meta(self.tree, name)

    @property
    def ld(self) -> list[dict[str, Any]]:
        """The page's JSON-LD objects (parsed once)."""
        if self._ld is None:
            self._ld = json_ld(self.tree)
        return self._ld
