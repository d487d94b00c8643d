"""The simulated publisher: a rand.org-like site that changes day by day.

Items are product pages ``/pubs/research_reports/RRB{id}.html``, listed newest first on
``/pubs.html?start=K`` (K = 0, 20, 40, ...), 20 entries a page, each page but the last
with a next-page link. Pages are built as ``bench/crawl/site.py`` builds them, with its
functions: an item is the recorded RR2646 product page with its own id, title, date and
authors, plus a summary and a PDF size set here; a listing page is the recorded topic
page with its own entries and pagination.

Day 0 has ``items`` items, dated one every ``span_days / items`` days back from the
day before day 0. Each simulated day d in 1..``change_days`` adds ``new_per_day`` items
at the top of the listing, dated day d, and gives ``editions_per_day`` items at least
30 days old (drawn with a RNG seeded by ``seed`` and d) a new edition: a "Revised
edition" sentence in the summary and a larger PDF. An edition changes the item's page,
and so its parsed record, but not its place or its entry in the listing. Later days
change nothing. Everything is a function of the parameters and the day: no state.

``python bench/incremental/site.py --check`` parses an item (first edition and a
revised one) and two listing pages with ``harvest.parse.parse_page`` and exits 1 when a
field is not what the site set.
"""

from __future__ import annotations

import argparse
import bisect
import dataclasses
import html
import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/incremental: loading

from loading import crawl_site

if TYPE_CHECKING:
    from harvest.parse import Parsed

CRAWL = crawl_site()
DAY0 = date(2026, 1, 1)
RUN_AT = time(2, 30, tzinfo=UTC)  # the nightly run's time of day
PER_PAGE = 20
MIN_EDITION_AGE_DAYS = 30
LISTING_PATH = "/pubs.html"
ROBOTS_PATH = "/robots.txt"
SITEMAP_PATH = "/sitemap.xml"
SITEMAP_PART = re.compile(r"^/sitemap-(\d+)\.xml$")
SITEMAP_LIMIT = 50_000  # URLs a sitemap file may hold (sitemaps.org)
ITEM_PATH = re.compile(r"^/pubs/research_reports/RRB(\d+)\.html$")
CHECK_BASE = "https://www.rand.org"
HTML = "text/html; charset=utf-8"

_PDF_SIZE = '<td class="size">2.1 MB</td>'
_ABSTRACT = r'(<div class="abstract product-page-abstract">\n).*?(\n </div>)'
_TOPICS = (
    "how partner states sustain security cooperation when budgets tighten",
    "what arms transfers do to regional stability",
    "how alliances share the burden of maritime security",
    "which training programs build lasting partner capacity",
)


@dataclass(frozen=True)
class Params:
    """What the simulated site is: its size, how it changes, and its options."""

    items: int = 2000
    new_per_day: int = 10
    editions_per_day: int = 5
    seed: int = 1
    change_days: int = 30  # days 1..change_days change; later days (the tail) do not
    span_days: int = 7300  # day 0's items are spread over this many days before it
    sitemap: bool = False


def day_date(day: int) -> date:
    """The calendar date of simulated day ``day`` (day 0 is 2026-01-01)."""
    return DAY0 + timedelta(days=day)


def run_time(day: int) -> datetime:
    """When the nightly run of day ``day`` starts: 02:30 UTC that day."""
    return datetime.combine(day_date(day), RUN_AT)


def shown_date(day: int) -> str:
    """A day as rand.org shows dates: ``Jan 5, 2026``."""
    when = day_date(day)
    return f"{when:%b} {when.day}, {when.year}"


class Model:
    """What the site holds on each day: which items, their dates and editions. No HTML."""

    def __init__(self, params: Params) -> None:
        if params.items < 1 or min(params.new_per_day, params.editions_per_day) < 0:
            raise ValueError("items must be at least 1, new_per_day and editions_per_day >= 0")
        self.params = params
        self.editions_by_day: dict[int, tuple[int, ...]] = {}
        self.edition_days: dict[int, list[int]] = {}  # item id -> days of its editions
        for day in range(1, params.change_days + 1):
            chosen = self._draw_editions(day)
            self.editions_by_day[day] = chosen
            for item in chosen:
                self.edition_days.setdefault(item, []).append(day)

    def adds(self, day: int) -> int:
        """How many items day ``day`` adds (0 on day 0 and in the tail)."""
        return self.params.new_per_day if 1 <= day <= self.params.change_days else 0

    def total(self, day: int) -> int:
        """How many items exist on day ``day``."""
        days = min(max(day, 0), self.params.change_days)
        return self.params.items + self.params.new_per_day * days

    def new_ids(self, day: int) -> range:
        """The ids of the items added on day ``day``."""
        return range(self.total(day - 1) + 1, self.total(day) + 1) if day >= 1 else range(0)

    def item_day(self, item: int) -> int:
        """The day an item is dated (and appeared): negative for day 0's items."""
        p = self.params
        if item <= p.items:
            return -1 - ((p.items - item) * p.span_days) // p.items
        return (item - p.items - 1) // p.new_per_day + 1

    def editions(self, day: int) -> tuple[int, ...]:
        """The items given a new edition on day ``day``, by id."""
        return self.editions_by_day.get(day, ())

    def edition(self, item: int, day: int) -> int:
        """How many new editions item ``item`` has had by day ``day`` (0: the first one)."""
        return bisect.bisect_right(self.edition_days.get(item, []), day)

    def edition_day(self, item: int, edition: int) -> int:
        """The day edition ``edition`` of an item appeared (edition 0: the item's own day)."""
        return self.edition_days[item][edition - 1] if edition else self.item_day(item)

    def listing_pages(self, day: int) -> int:
        """How many listing pages there are on day ``day``."""
        return -(-self.total(day) // PER_PAGE)

    def listing_ids(self, start: int, day: int) -> list[int]:
        """The items on the listing page that starts at position ``start``, newest first."""
        newest = self.total(day) - start
        return list(range(newest, max(newest - PER_PAGE, 0), -1))

    def listing_changed_day(self, day: int) -> int:
        """The last day ≤ ``day`` the listing changed: the last that added items."""
        last = min(day, self.params.change_days)
        return last if self.params.new_per_day and last >= 1 else self.item_day(self.total(0))

    def site_changed_day(self, day: int) -> int:
        """The last day ≤ ``day`` any item was added or given an edition."""
        for past in range(min(day, self.params.change_days), 0, -1):
            if self.adds(past) or self.editions(past):
                return past
        return self.item_day(self.total(0))

    def _draw_editions(self, day: int) -> tuple[int, ...]:
        """Items at least 30 days old on ``day``, drawn with a RNG seeded by the seed and day."""
        cutoff = day - MIN_EDITION_AGE_DAYS
        old = bisect.bisect_right(range(1, self.total(day) + 1), cutoff, key=self.item_day)
        rng = random.Random(f"{self.params.seed}:{day}")
        return tuple(sorted(rng.sample(range(1, old + 1), min(self.params.editions_per_day, old))))


@dataclass(frozen=True)
class Page:
    """A page as served on a day: what its body depends on, and how to make it.

    ``key`` names the body (equal keys, equal bodies), so the server can keep a body's
    ETag without the body; ``render`` makes the body. ``klass`` is the request class the
    server counts it under; ``changed_day`` is when the page last changed.
    """

    klass: str
    content_type: str
    changed_day: int
    key: tuple[Any, ...]
    render: Callable[[], bytes]


class Site:
    """The simulated site: the model and the pages it gives on each day."""

    def __init__(self, params: Params) -> None:
        self.params = params
        self.model = Model(params)
        served: set[str] = set()  # the templates' own in-scope links all go nowhere
        self._product_template = CRAWL._drop_dead_links(CRAWL._product_template(), served)
        self._listing_template = CRAWL._drop_dead_links(CRAWL._listing_template(), served)

    def resolve(self, target: str, day: int, host: str) -> Page | None:
        """The page at ``target`` (path and query) on ``day``, or None (404).

        ``host`` (the request's ``Host``) makes the absolute URLs of robots.txt's
        ``Sitemap:`` line and of the sitemap.
        """
        path, _, query = target.partition("?")
        if match := ITEM_PATH.match(path):
            return self._item_page(int(match[1]), day)
        if path == LISTING_PATH:
            return self._listing_page(query, day)
        if path == ROBOTS_PATH:
            sitemap = self.params.sitemap
            return Page(
                "robots", "text/plain; charset=utf-8", -self.params.span_days,
                ("robots", host, sitemap), lambda: robots(host, sitemap),
            )  # fmt: skip
        if self.params.sitemap:
            return self._sitemap_page(path, day, host)
        return None

    def product(self, item: int) -> Any:
        """The item as ``bench/crawl/site.py``'s ``Product``: id, title, date, authors."""
        published = day_date(self.model.item_day(item))
        return dataclasses.replace(CRAWL._product(item), published=published)

    def summary(self, item: int, edition: int) -> str:
        """The item's summary as harvest should read it (one paragraph)."""
        text = (
            f"Benchmark item {item} examines {_TOPICS[item % len(_TOPICS)]}. "
            f"It was first published on {shown_date(self.model.item_day(item))}."
        )
        if edition:
            text += f" Revised edition, {shown_date(self.model.edition_day(item, edition))}."
        return text

    def pdf_size(self, edition: int) -> str:
        """The PDF's size as shown: 2.1 MB, then 0.1 MB more with each edition."""
        return f"{2.1 + 0.1 * edition:.1f} MB"

    def item_html(self, item: int, edition: int) -> bytes:
        """The product page of an item in one of its editions."""
        text = CRAWL._product_page(self._product_template, self.product(item))
        paragraph = f" <p>{html.escape(self.summary(item, edition))}</p>"
        text = CRAWL._sub_once(_ABSTRACT, lambda m: m[1] + paragraph + m[2], text)
        size = f'<td class="size">{self.pdf_size(edition)}</td>'
        return CRAWL._replace(text, _PDF_SIZE, size).encode()

    def listing_html(self, start: int, day: int) -> bytes:
        """The listing page starting at position ``start`` on ``day``."""
        own = listing_target(start)
        text = self._listing_template
        for pattern in (r'(<link rel="canonical" href=")[^"]*(")', r'(og:url" content=")[^"]*(")'):
            text = CRAWL._sub_once(pattern, lambda m: m[1] + own + m[2], text)
        entries = "".join(CRAWL._entry(self.product(i)) for i in self.model.listing_ids(start, day))
        text = CRAWL._sub_once(
            r'(<ul class="teasers list filterable hasImg" id="topic-results">\n).*?(</ul>\n)',
            lambda m: m[1] + entries + m[2],
            text,
        )
        pages = self.model.listing_pages(day)
        return CRAWL._sub_once(
            r'(<ul class="pagination-list">\n).*?(</ul>)',
            lambda m: m[1] + pagination(start // PER_PAGE + 1, pages) + m[2],
            text,
        ).encode()

    def sitemap_xml(self, day: int, host: str, part: int | None) -> bytes:
        """The sitemap: one urlset, or past 50,000 items an index (``part`` None) and parts."""
        total = self.model.total(day)
        parts = -(-total // SITEMAP_LIMIT)
        if part is None and parts > 1:
            return sitemap_index(host, parts, self.model.site_changed_day(day))
        first = total - (part or 0) * SITEMAP_LIMIT  # newest first, as the listing
        items = range(first, max(first - SITEMAP_LIMIT, 0), -1)
        lastmod = ((i, self._item_changed_day(i, day)) for i in items)
        return urlset(host, lastmod)

    def _item_changed_day(self, item: int, day: int) -> int:
        return self.model.edition_day(item, self.model.edition(item, day))

    def _item_page(self, item: int, day: int) -> Page | None:
        if not 1 <= item <= self.model.total(day):
            return None
        edition = self.model.edition(item, day)
        klass = "item_new" if item in self.model.new_ids(day) else "item_known"
        changed = self.model.edition_day(item, edition)
        return Page(
            klass, HTML, changed, ("item", item, edition), lambda: self.item_html(item, edition)
        )

    def _listing_page(self, query: str, day: int) -> Page | None:
        values = parse_qs(query).get("start", ["0"] if not query else [])
        if len(values) != 1 or not values[0].isdigit():
            return None
        start = int(values[0])
        if start % PER_PAGE or start >= max(self.model.total(day), 1):
            return None
        total = self.model.total(day)
        return Page(
            "listing", HTML, self.model.listing_changed_day(day), ("listing", start, total),
            lambda: self.listing_html(start, day),
        )  # fmt: skip

    def _sitemap_page(self, path: str, day: int, host: str) -> Page | None:
        match = SITEMAP_PART.match(path)
        if path != SITEMAP_PATH and match is None:
            return None
        part = int(match[1]) if match else None
        if part is not None and part * SITEMAP_LIMIT >= self.model.total(day):
            return None
        changed = self.model.site_changed_day(day)
        return Page(
            "sitemap", "application/xml", changed, ("sitemap", host, part, changed),
            lambda: self.sitemap_xml(day, host, part),
        )  # fmt: skip


def listing_target(start: int) -> str:
    """The request target of the listing page that starts at position ``start``."""
    return f"{LISTING_PATH}?start={start}"


def pagination(page: int, last: int) -> str:
    """The pagination list of listing page ``page`` (1-based), as the recorded topic has it."""

    def button(label: str, target: int | None) -> str:
        text = f'<span class="access">{label}</span>'
        if target is None:
            return f'<span class="btn btn-secondary btn-xs disabled">{text}</span>'
        href = listing_target((target - 1) * PER_PAGE)
        return f'<a href="{html.escape(href)}" class="btn btn-secondary btn-xs">{text}</a>'

    return (
        f'<li class="previous">{button("Previous", page - 1 if page > 1 else None)}</li>\n'
        f'<li class="range c7"><span>Page {page} of {last}</span></li>\n'
        f'<li class="next">{button("Next", page + 1 if page < last else None)}</li>\n'
    )


def robots(host: str, sitemap: bool) -> bytes:
    """robots.txt: everything allowed; with ``sitemap``, a ``Sitemap:`` line."""
    text = "User-agent: *\nAllow: /\n"
    if sitemap:
        text += f"\nSitemap: http://{host}{SITEMAP_PATH}\n"
    return text.encode()


def urlset(host: str, lastmods: Any) -> bytes:
    """A sitemap urlset: each item's URL and the date its page last changed."""
    rows = "".join(
        f"<url><loc>http://{host}/pubs/research_reports/RRB{item:04d}.html</loc>"
        f"<lastmod>{day_date(day).isoformat()}</lastmod></url>\n"
        for item, day in lastmods
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{rows}</urlset>\n"
    ).encode()


def sitemap_index(host: str, parts: int, changed_day: int) -> bytes:
    """A sitemap index naming ``parts`` sitemaps, ``/sitemap-0.xml`` on."""
    rows = "".join(
        f"<sitemap><loc>http://{host}/sitemap-{k}.xml</loc>"
        f"<lastmod>{day_date(changed_day).isoformat()}</lastmod></sitemap>\n"
        for k in range(parts)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{rows}</sitemapindex>\n"
    ).encode()


# -- the self-check ----------------------------------------------------------------------


def check(site: Site) -> list[str]:
    """Parse items and listing pages with harvest's parser; the problems (empty: all well)."""
    model = site.model
    day = 1
    revised = model.editions(day)[0] if model.editions(day) else None
    problems = [*_check_item(site, model.total(day), day), *_check_item(site, 1, day)]
    if revised is not None:
        problems.extend(_check_item(site, revised, day))
    last = (model.listing_pages(day) - 1) * PER_PAGE
    for start in sorted({0, PER_PAGE if last else 0, last}):
        problems.extend(_check_listing(site, start, day))
    return problems


def _parse(target: str, body: bytes) -> Parsed | str:
    """harvest's parse of a page, or why it failed."""
    # Imported here, not at the top: the server needs no harvest.
    from harvest.errors import ParseError  # noqa: PLC0415
    from harvest.parse import parse_page  # noqa: PLC0415

    try:
        return parse_page(CHECK_BASE + target, body)
    except ParseError as exc:
        return f"harvest cannot parse it: {exc}"


def _check_item(site: Site, item: int, day: int) -> list[str]:
    edition = site.model.edition(item, day)
    path = f"/pubs/research_reports/RRB{item:04d}.html"
    parsed = _parse(path, site.item_html(item, edition))
    if isinstance(parsed, str):
        return [f"{path}: {parsed}"]
    record = parsed.record
    pdf = next((d for d in getattr(record, "downloads", []) if d.format == "PDF"), None)
    got = {
        "kind": parsed.kind,
        "title": getattr(record, "title", None),
        "published": getattr(record, "published", None),
        "summary": getattr(record, "summary", None),
        "pdf size": pdf.size_text if pdf else None,
        "links": list(parsed.links),
    }
    product = site.product(item)
    want = {
        "kind": "product",
        "title": product.title,
        "published": product.published.isoformat(),
        "summary": site.summary(item, edition),
        "pdf size": site.pdf_size(edition),
        "links": [],
    }
    return [
        f"{path} (edition {edition}): {key}: {got[key]!r} != expected {want[key]!r}"
        for key in want
        if got[key] != want[key]
    ]


def _check_listing(site: Site, start: int, day: int) -> list[str]:
    target = listing_target(start)
    parsed = _parse(target, site.listing_html(start, day))
    if isinstance(parsed, str):
        return [f"{target}: {parsed}"]
    ids = site.model.listing_ids(start, day)
    more = start + PER_PAGE < site.model.total(day)
    entries = getattr(parsed.record, "entries", [])
    got = {
        "kind": parsed.kind,
        "urls": [entry.url for entry in entries],
        "dates": [entry.date for entry in entries],
        "next_page": getattr(parsed.record, "next_page", None),
    }
    want = {
        "kind": "listing",
        "urls": [CHECK_BASE + site.product(i).path for i in ids],
        "dates": [site.product(i).published.isoformat() for i in ids],
        "next_page": CHECK_BASE + listing_target(start + PER_PAGE) if more else None,
    }
    problems = [
        f"{target}: {key}: {got[key]!r} != expected {want[key]!r}"
        for key in want
        if got[key] != want[key]
    ]
    followed = [*want["urls"], *([want["next_page"]] if more else [])]
    if list(parsed.links) != followed:
        problems.append(f"{target}: links {list(parsed.links)} != expected {followed}")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Describe the site on day 1; with ``--check``, parse its pages with harvest."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000, help="items on day 0 (default 2000)")
    parser.add_argument("--new-per-day", type=int, default=10)
    parser.add_argument("--editions-per-day", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--check", action="store_true", help="parse pages with harvest")
    args = parser.parse_args(argv)
    site = Site(Params(args.items, args.new_per_day, args.editions_per_day, args.seed))
    model = site.model
    print(
        f"site: {model.total(0)} items on day 0 ({day_date(model.item_day(1))} to "
        f"{day_date(model.item_day(model.total(0)))}), {model.listing_pages(0)} listing pages; "
        f"day 1 adds {model.adds(1)} and revises {len(model.editions(1))}: "
        f"{list(model.editions(1))}"
    )
    if not args.check:
        return 0
    problems = check(site)
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    if problems:
        print(f"check: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("check: ok, items and listing pages parse to their kind, fields and links")
    return 0


if __name__ == "__main__":
    sys.exit(main())
