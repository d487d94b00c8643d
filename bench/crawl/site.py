"""The benchmark site, built in memory: product pages and the listing pages that link to them.

Every page is a recorded rand.org page from ``fixtures/site`` with a few values changed:
products are ``RR2646.html`` with a new report id, title, date and authors; listings are
the Security Cooperation topic page with new entries and pagination. Links are made
site-relative, and a link into the crawl's scope (``/pubs/``, ``/blog/``, ``/topics/``)
that the site does not serve becomes ``href="#"``, so no crawler meets a 404.

``python bench/crawl/site.py --check`` parses every page with harvest's own parser and
exits 1 when a page does not give the kind, fields and links it was built with.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from harvest.parse import Parsed

ROOT = Path(__file__).resolve().parents[2]
RECORDED = ROOT / "fixtures" / "site" / "www.rand.org"
PRODUCT_TEMPLATE = RECORDED / "pubs" / "research_reports" / "RR2646.html"
LISTING_TEMPLATE = RECORDED / "topics" / "security-cooperation.html"
LISTING_PATH = "/topics/bench.html"
ROBOTS_PATH = "/robots.txt"
ROBOTS = b"User-agent: *\nAllow: /\n"
CHECK_BASE = "https://www.rand.org"

_OLD_TITLE = "Turkey's Nationalist Course and How It Affects U.S.-Turkish Relations"
_OLD_DATE = date(2020, 1, 14)
_SUBJECTS = (
    "Security Cooperation with Small Partner States",
    "Sustaining Alliances Under Fiscal Pressure",
    "Measuring the Effects of Military Training Programs",
    "Arms Transfers and Regional Stability",
    "Building Partner Capacity for Maritime Security",
    "Deterrence and Reassurance on NATO's Eastern Flank",
    "Logistics Cooperation in the Indo-Pacific",
    "Institution Building in Partner Defense Ministries",
)
# (name, profile link or None); the recorded page links all but the last.
_AUTHORS = (
    ("Stephen K. Halvorsen", "/about/people/h/halvorsen_stephen_k.html"),
    ("Leyla Demirci", "/about/people/d/demirci_leyla.html"),
    ("Jonathan P. Reyes", "/about/people/r/reyes_jonathan_p.html"),
    ("Anna Whitfield", "/about/people/w/whitfield_anna.html"),
    ("Marcus Teague", "/about/people/t/teague_marcus.html"),
    ("Rebecca Soto", "/about/people/s/soto_rebecca.html"),
    ("Kerem Aydin", "/about/people/a/aydin_kerem.html"),
    ("David Lindgren", "/about/people/l/lindgren_david.html"),
    ("Caroline Meeks", None),
)
_TEASER = (
    "America's longstanding partnership with its allies has become strained in recent years. "
    "This report examines what can be done to sustain security cooperation with partners."
)
_IMAGE_ALT = (
    "Soldiers from partner nations during a combined training exercise, "
    "photo by Staff Sgt. Example/U.S. Army"
)
_HREF = re.compile(r'href="([^"]*)"')
_SCOPED_PATH = re.compile(r"^/(?:(?:pubs|blog|topics)/.*\.html|pubs\.html|topics\.html)$")


@dataclass(frozen=True)
class Product:
    """One generated publication and the values its page must parse to."""

    number: int
    title: str
    published: date
    authors: tuple[tuple[str, str | None], ...]

    @property
    def report_id(self) -> str:
        return f"RRB{self.number:04d}"

    @property
    def path(self) -> str:
        return f"/pubs/research_reports/{self.report_id}.html"

    @property
    def published_text(self) -> str:
        return _shown_date(self.published)


@dataclass(frozen=True)
class Site:
    """The pages by request target (path and query), and what they were built from."""

    files: dict[str, bytes]
    products: tuple[Product, ...]
    listings: tuple[str, ...]
    per_page: int

    def entries(self, page: int) -> tuple[Product, ...]:
        """The products listed on listing page ``page`` (1-based)."""
        return self.products[(page - 1) * self.per_page : page * self.per_page]


def listing_path(page: int) -> str:
    """The request target of listing page ``page`` (1-based)."""
    return LISTING_PATH if page == 1 else f"{LISTING_PATH}?page={page}"


def build_site(pages: int = 1000, per_page: int = 20) -> Site:
    """Build ``pages`` product pages and the listings that link to them, ``per_page`` each."""
    if pages < 1 or per_page < 1:
        raise ValueError("pages and per_page must be at least 1")
    products = tuple(_product(n) for n in range(1, pages + 1))
    last = -(-pages // per_page)
    site = Site({}, products, tuple(listing_path(k) for k in range(1, last + 1)), per_page)
    served = {*site.listings, *(p.path for p in products), ROBOTS_PATH}
    product_template, listing_template = _product_template(), _listing_template()
    site.files[ROBOTS_PATH] = ROBOTS
    for product in products:
        page = _product_page(product_template, product)
        site.files[product.path] = _drop_dead_links(page, served).encode()
    for k, path in enumerate(site.listings, start=1):
        page = _listing_page(listing_template, site.entries(k), k, last)
        site.files[path] = _drop_dead_links(page, served).encode()
    return site


def _product(n: int) -> Product:
    count = 1 + (n - 1) % len(_AUTHORS)
    start = (n - 1) % len(_AUTHORS)
    authors = tuple(_AUTHORS[(start + i) % len(_AUTHORS)] for i in range(count))
    title = f"{_SUBJECTS[n % len(_SUBJECTS)]}: Benchmark Study {n}"
    return Product(n, title, date(2024, 12, 31) - timedelta(days=3 * n), authors)


def _shown_date(day: date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _sub_once(pattern: str, replacement: str | Callable[[re.Match[str]], str], text: str) -> str:
    """``re.sub`` that insists the pattern matches exactly once (the template is as expected)."""
    result, count = re.subn(pattern, replacement, text, flags=re.DOTALL)
    if count != 1:
        raise ValueError(f"template changed: {pattern!r} matched {count} times, not once")
    return result


def _replace(text: str, old: str, new: str) -> str:
    """``str.replace`` that insists ``old`` is there."""
    if old not in text:
        raise ValueError(f"template changed: {old!r} not found")
    return text.replace(old, new)


def _relative(text: str) -> str:
    """Point absolute links to the site (``https://www.rand.org/x``) at the local server."""
    return re.sub(r'(href|content|src)="https://www\.rand\.org/', r'\1="/', text)


def _drop_dead_links(text: str, served: set[str]) -> str:
    """Empty every in-scope link the site does not serve, so crawlers meet no 404."""

    def fix(match: re.Match[str]) -> str:
        target = html.unescape(match.group(1)).split("#", 1)[0]
        path = target.split("?", 1)[0]
        if _SCOPED_PATH.match(path) and target not in served:
            return 'href="#"'
        return match.group(0)

    return _HREF.sub(fix, text)


def _product_template() -> str:
    text = _relative(_read(PRODUCT_TEMPLATE))
    # Profile links are kept but moved out of the crawl scope (/pubs/authors/ is in it).
    return _replace(text, 'href="/pubs/authors/', 'href="/about/people/')


def _product_page(template: str, product: Product) -> str:
    n, title = product.number, html.escape(product.title)
    text = _replace(template, html.escape(_OLD_TITLE), title)
    text = _replace(text, _OLD_TITLE, title)
    text = _replace(text, quote(_OLD_TITLE), quote(product.title))
    text = _replace(text, "RR-2646-A", f"RR-B{n:04d}-A")
    text = _replace(text, "RR2600", "RRB0000")
    text = _replace(text, "RR2646", product.report_id)
    day = product.published
    text = _replace(
        text, f"<span>{_shown_date(_OLD_DATE)}</span>", f"<span>{_shown_date(day)}</span>"
    )
    text = _replace(text, '"2020/1/14"', f'"{day.year}/{day.month}/{day.day}"')
    text = _replace(text, '"20200114"', f'"{day:%Y%m%d}"')
    text = _replace(text, '"DC.Date" content="2020"', f'"DC.Date" content="{day.year}"')
    text = _replace(text, "<strong>Year:</strong> 2020", f"<strong>Year:</strong> {day.year}")
    text = _sub_once(r'<p class="authors">.*?</p>', _byline(product.authors), text)
    return _sub_once(
        r'(?:<meta name="citation_author" content="[^"]*">\n)+',
        lambda _: "".join(_citation_author(name) for name, _url in product.authors),
        text,
    )


def _byline(authors: tuple[tuple[str, str | None], ...]) -> str:
    names = [
        f'<a href="{url}">{html.escape(name)}</a>' if url else html.escape(name)
        for name, url in authors
    ]
    if len(names) <= 2:
        joined = " and ".join(names)
    else:
        joined = ", ".join(names[:-1]) + ", and " + names[-1]
    return f'<p class="authors">by {joined}</p>'


def _citation_author(name: str) -> str:
    given, _, family = name.rpartition(" ")
    return f'<meta name="citation_author" content="{html.escape(f"{family}, {given}")}">\n'


def _listing_template() -> str:
    text = _relative(_read(LISTING_TEMPLATE))
    # Page 2 of a recorded topic has no featured block; the bench listings have none either,
    # so every entry sits in the one teaser list.
    text = _sub_once(r'<section class="topic-featured">.*?</section>\n', "", text)
    text = _replace(text, "security-cooperation", LISTING_PATH[len("/topics/") : -len(".html")])
    return _replace(text, "Security Cooperation", "Benchmark Publications")


def _listing_page(template: str, chunk: tuple[Product, ...], page: int, last: int) -> str:
    own = listing_path(page)
    text = _sub_once(
        r'(<link rel="canonical" href=")[^"]*(")', lambda m: m[1] + own + m[2], template
    )
    text = _sub_once(
        r'(<meta property="og:url" content=")[^"]*(")', lambda m: m[1] + own + m[2], text
    )
    entries = "".join(_entry(product) for product in chunk)
    text = _sub_once(
        r'(<ul class="teasers list filterable hasImg" id="topic-results">\n).*?(</ul>\n)',
        lambda m: m[1] + entries + m[2],
        text,
    )
    return _sub_once(
        r'(<ul class="pagination-list">\n).*?(</ul>)',
        lambda m: m[1] + _pagination(page, last) + m[2],
        text,
    )


def _entry(product: Product) -> str:
    href, title = product.path, html.escape(product.title)
    image = ""
    if product.number % 2:
        src = (
            f"/content/rand/pubs/research_reports/{product.report_id}"
            f"/jcr:content/par/teaser.crop.320x180.cm.jpeg/{1594600000 + product.number}.jpeg"
        )
        image = (
            f'<div class="img-wrap"><a href="{href}" tabindex="-1" aria-hidden="true">'
            f'<img src="{src}" alt="{html.escape(_IMAGE_ALT)}" loading="lazy" width="320" '
            f'height="180"></a></div>\n'
        )
    return (
        f'<li class="{"hasImg" if image else "noImg"}">\n{image}<div class="text">\n'
        f'<p class="type">Report</p>\n'
        f'<h3 class="title"><a href="{href}">{title}</a></h3>\n'
        f'<p class="desc">{html.escape(_TEASER)}</p>\n'
        f'<p class="date">{product.published_text}</p>\n'
        f"</div>\n</li>\n"
    )


def _pagination(page: int, last: int) -> str:
    return (
        f'<li class="previous">{_page_button("Previous", page - 1 if page > 1 else None)}</li>\n'
        f'<li class="range c7"><span>Page {page} of {last}</span></li>\n'
        f'<li class="next">{_page_button("Next", page + 1 if page < last else None)}</li>\n'
    )


def _page_button(label: str, page: int | None) -> str:
    """A pagination link as the recorded topic pages have it, disabled where there is none."""
    text = f'<span class="access">{label}</span>'
    if page is None:
        return f'<span class="btn btn-secondary btn-xs disabled">{text}</span>'
    fragment = "#explore" if label == "Next" else ""
    return f'<a href="{listing_path(page)}{fragment}" class="btn btn-secondary btn-xs">{text}</a>'


# -- the self-check ----------------------------------------------------------------------


def check_site(site: Site) -> list[str]:
    """Parse every page with harvest's parser; the problems found (empty when all is well)."""
    problems: list[str] = []
    for k, path in enumerate(site.listings, start=1):
        problems.extend(f"{path}: {problem}" for problem in _check_listing(site, path, k))
    for product in site.products:
        problems.extend(f"{product.path}: {problem}" for problem in _check_product(site, product))
    served = set(site.files)
    for path, body in site.files.items():
        dead = _dead_links(body.decode(), served)
        problems.extend(f"{path}: links to {link}, which the site does not serve" for link in dead)
    return problems


def _dead_links(text: str, served: set[str]) -> list[str]:
    targets = (html.unescape(m.group(1)).split("#", 1)[0] for m in _HREF.finditer(text))
    return [t for t in targets if _SCOPED_PATH.match(t.split("?", 1)[0]) and t not in served]


def _parse(site: Site, path: str) -> Parsed | str:
    """harvest's parse of a page, or why it failed."""
    # Imported here, not at the top: the server loads this module and needs no harvest.
    from harvest.errors import ParseError  # noqa: PLC0415
    from harvest.parse import parse_page  # noqa: PLC0415

    try:
        return parse_page(CHECK_BASE + path, site.files[path])
    except ParseError as exc:
        return f"harvest cannot parse it: {exc}"


def _check_listing(site: Site, path: str, page: int) -> list[str]:
    parsed = _parse(site, path)
    if isinstance(parsed, str):
        return [parsed]
    listed = site.entries(page)
    expected = [CHECK_BASE + p.path for p in listed]
    if page < len(site.listings):
        expected.append(CHECK_BASE + listing_path(page + 1))
    problems = []
    if parsed.kind != "listing":
        problems.append(f"parsed as {parsed.kind}, not listing")
    if list(parsed.links) != expected:
        problems.append(f"links {list(parsed.links)} != expected {expected}")
    titles = [entry.title for entry in getattr(parsed.record, "entries", [])]
    if titles != [p.title for p in listed]:
        problems.append(f"entry titles {titles} != expected {[p.title for p in listed]}")
    return problems


def _check_product(site: Site, product: Product) -> list[str]:
    parsed = _parse(site, product.path)
    if isinstance(parsed, str):
        return [parsed]
    record = parsed.record
    got = {
        "kind": parsed.kind,
        "title": getattr(record, "title", None),
        "published": getattr(record, "published", None),
        "authors": [a.name for a in getattr(record, "authors", [])],
    }
    want = {
        "kind": "product",
        "title": product.title,
        "published": product.published.isoformat(),
        "authors": [name for name, _url in product.authors],
    }
    problems = [
        f"{key}: {got[key]!r} != expected {want[key]!r}" for key in want if got[key] != want[key]
    ]
    foreign = [link for link in parsed.links if link.removeprefix(CHECK_BASE) not in site.files]
    if foreign:
        problems.append(f"leads to pages the site does not serve: {foreign}")
    return problems


def describe(site: Site) -> str:
    """One line: how many pages of each kind, their mean size, the total."""
    products = sum(len(site.files[p.path]) for p in site.products) / len(site.products)
    listings = sum(len(site.files[path]) for path in site.listings) / len(site.listings)
    total = sum(len(body) for body in site.files.values())
    return (
        f"site: {len(site.products)} product pages (mean {products / 1024:.1f} KiB), "
        f"{len(site.listings)} listing pages of {site.per_page} entries "
        f"(mean {listings / 1024:.1f} KiB), {total / 2**20:.1f} MiB in all"
    )


def main(argv: list[str] | None = None) -> int:
    """Describe the site; with ``--check``, parse every page with harvest and report problems."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000, help="product pages (default 1000)")
    parser.add_argument("--per-page", type=int, default=20, help="entries a listing page")
    parser.add_argument("--check", action="store_true", help="parse every page with harvest")
    args = parser.parse_args(argv)
    site = build_site(args.pages, args.per_page)
    print(describe(site))
    if not args.check:
        return 0
    problems = check_site(site)
    for problem in problems[:20]:
        print(f"problem: {problem}", file=sys.stderr)
    if problems:
        print(f"check: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"check: ok, {len(site.files) - 1} pages parse to their kind, fields and links")
    return 0


if __name__ == "__main__":
    sys.exit(main())
