"""What the fetch steps hand each other: a parsed URL, one answer, the page kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

import httpx

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


@dataclass(frozen=True)
class FetchedPage:
    """A response as harvest keeps it."""

    url: str
    final_url: str
    status: int
    content_type: str | None
    body: bytes
    fetched_at: datetime
    elapsed_s: float
    attempts: int = 1
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    """One response as the fetch needs it: a page, a 304, or a redirect (``location``)."""

    status: int
    headers: httpx.Headers
    fetched_at: datetime
    body: bytes = b""
    location: str | None = None

    def page(self, url: str, final_url: str, attempts: int) -> FetchedPage:
        """The page fetched from ``url``, this the answer of its last hop ``final_url``."""
        return FetchedPage(
            url=url,
            final_url=final_url,
            status=self.status,
            content_type=self.headers.get("content-type"),
            body=self.body,
            fetched_at=self.fetched_at,
            elapsed_s=0.0,
            attempts=attempts,
            headers=dict(self.headers),
        )


@lru_cache(maxsize=1024)
def parsed_url(url: str) -> httpx.URL:
    """``url`` parsed, once for the robots check, the host's gate and the request."""
    return httpx.URL(url)


def is_html(content_type: str | None) -> bool:
    """HTML, or no type at all (the parser then judges the bytes)."""
    if not content_type:
        return True
    return content_type.split(";", 1)[0].strip().lower() in HTML_TYPES
