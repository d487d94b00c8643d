"""A publisher's catalogue that grows day by day, served newest first by the fault site.

``/pubs.html?start=K`` lists ``per_page`` items a page, newest first, with a next-page
link; each item is a product page at ``/pubs/research_reports/RRC{n}.html`` with a
strong ETag (answered 304 when it matches). ``add(k)`` publishes k new items at the
top; ``revise(n)`` gives item n a new edition (a new title) without moving it.
Every request is counted by ``FaultSite.hits``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta

from tests.faultserver import Conn, FaultSite, Request, Route

LISTING = "/pubs.html"
FIRST_DAY = date(2026, 1, 1)


def item_path(n: int) -> str:
    return f"/pubs/research_reports/RRC{n}.html"


def listing_path(start: int) -> str:
    return f"{LISTING}?start={start}"


@dataclass
class Catalogue:
    """Items 1..n, item n the newest; item n published ``FIRST_DAY - (count - n)`` days."""

    count: int
    per_page: int = 20
    editions: dict[int, int] = field(default_factory=dict)
    dates: dict[int, date] = field(default_factory=dict)
    disorder: bool = False  # list pages in shuffled date order
    revised: dict[int, date] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for n in range(1, self.count + 1):
            self.dates[n] = FIRST_DAY - timedelta(days=self.count - n)

    def add(self, k: int, on: date) -> list[int]:
        """Publish ``k`` new items dated ``on``: their numbers."""
        new = list(range(self.count + 1, self.count + k + 1))
        for n in new:
            self.dates[n] = on
        self.count += k
        return new

    def revise(self, n: int, on: date) -> None:
        self.editions[n] = self.editions.get(n, 1) + 1
        self.revised[n] = on

    def install_sitemap(self, site: FaultSite) -> None:
        """``/sitemap.xml`` (every item, lastmod its last edition) named in robots.txt."""
        urls = "".join(
            f"<url><loc>{site.url(item_path(n))}</loc>"
            f"<lastmod>{self.revised.get(n, self.dates[n]).isoformat()}</lastmod></url>"
            for n in range(self.count, 0, -1)
        )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
        ).encode()
        site.routes["/sitemap.xml"] = _etagged(body, "application/xml")
        robots = f"User-agent: *\nAllow: /\nSitemap: {site.url('/sitemap.xml')}\n".encode()
        site.routes["/robots.txt"] = _etagged(robots, "text/plain")

    def install(self, site: FaultSite) -> None:
        """(Re)write the site's routes to serve the catalogue as it is now."""
        newest = list(range(self.count, 0, -1))
        pages = [newest[i : i + self.per_page] for i in range(0, len(newest), self.per_page)]
        for number, items in enumerate(pages):
            start = number * self.per_page
            more = number + 1 < len(pages)
            body = self._listing(items, start + self.per_page if more else None)
            site.routes[listing_path(start)] = _etagged(body)
        for n in newest:
            site.routes[item_path(n)] = _etagged(self._item(n))

    def _listing(self, items: list[int], next_start: int | None) -> bytes:
        if self.disorder:
            items = sorted(items, key=lambda n: (n * 7919) % 97)
        entries = "".join(
            f'<li><div class="text"><p class="type">Report</p><h3 class="title">'
            f'<a href="{item_path(n)}">Catalogue Report {n}</a></h3>'
            f'<p class="date">{self.dates[n]:%b %-d, %Y}</p></div></li>'
            for n in items
        )
        pager = f'<a rel="next" href="{listing_path(next_start)}">Next</a>' if next_start else ""
        return f"""<!DOCTYPE html><html lang="en"><head><title>Publications | RAND</title>
</head><body><main><div class="page-heading"><h1>Publications</h1></div>
<ul class="teasers list">{entries}</ul>{pager}</main></body></html>""".encode()

    def _item(self, n: int) -> bytes:
        edition = self.editions.get(n, 1)
        title = f"Catalogue Report {n}" + (f", edition {edition}" if edition > 1 else "")
        day = self.dates[n]
        return f"""<!DOCTYPE html><html lang="en"><head><title>{title} | RAND</title>
<meta name="citation_publication_date" content="{day.year}/{day.month}/{day.day}">
</head><body><main><div class="product-header"><h1 id="RANDTitleHeadingId">{title}</h1>
<p class="authors">by <a href="/about/people/a/ann-author.html">Ann Author</a></p></div>
<div class="product-page-abstract"><p>Report {n}, edition {edition}.</p></div>
</main></body></html>""".encode()


def _etagged(body: bytes, content_type: str = "text/html; charset=utf-8") -> Route:
    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'

    def route(conn: Conn, request: Request) -> None:
        if request.headers.get("if-none-match") == etag:
            conn.head(304, {"ETag": etag, "Content-Length": "0"})
        else:
            conn.respond(200, body, content_type, headers={"ETag": etag})

    return route


def requests_of(site: FaultSite, since: int = 0) -> list[str]:
    """The paths asked since hit number ``since``."""
    return [hit.path for hit in site.hits[since:]]
