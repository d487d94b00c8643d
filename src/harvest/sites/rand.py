"""All that harvest knows of rand.org: hosts, page paths, seeds, CMS spelling, page markers.

Pages (2025 and older layouts alike; ``/work/shared/reference/rand-markup.md``):

- publications: ``/pubs/<series>/<id>.html`` (reports, monographs, briefs ...),
  ``/pubs/commentary/<yyyy>/<mm>/<slug>.html`` and ``/blog/<yyyy>/<mm>/<slug>.html``;
- listings, newest first: the publications index ``/pubs.html`` and each topic page
  ``/topics/<name>.html``. They page with a query, ``?start=N`` (2025) or ``?page=N``
  (older); canonical URLs keep the query whole, so no parameter needs naming here;
- not crawled: a series' index page (``/pubs/research_reports.html``, the
  breadcrumb's "Research Reports") and the A-Z directory of topics ``/topics.html``
  (the menus' "Topics" and "All Topics" link): neither lists publications.

The CMS (Adobe Experience Manager) serves every page under ``/content/rand`` too,
and the listings' "next" links use that spelling
(``/content/rand/pubs.html?start=12``); the DAM path ``/content/dam/rand/`` (PDFs,
covers) is public and a different thing.

The page parsers (``harvest.parse``) are written for rand.org's markup; which of
them reads a page is decided by ``MARKERS``. RAND's publications date from 1946:
an earlier date on a page is a suspect value.
"""

from __future__ import annotations

from harvest.sites._site import Site

# "article .body-text" before "article.blog": on a page without <article> the first
# answers for both (harvest.parse._finder.Finder remembers there is none).
COMMENTARY_MARKERS = ("article .body-text", "article.blog", ".post-heading .type-date")
PRODUCT_MARKERS = (
    ".product-header",
    "#buybox",
    ".product-page-abstract",
    "#download",
    "table.ebook-formats",
    "table.purchase-formats",
)
LISTING_MARKERS = ("ul.teasers li", "ul.teaser-list li")

RAND = Site(
    name="rand.org",
    domains=("rand.org",),
    seeds=(
        "https://www.rand.org/pubs/monographs/MG115.html",
        "https://www.rand.org/topics/security-cooperation.html",
    ),
    publication_paths=(r"/pubs/(?!.*\.html/).+\.html", r"/blog/.+\.html"),
    listing_paths=(r"/topics/[^/]+\.html", r"/pubs\.html"),
    index_paths=(r"/pubs/[a-z_]+\.html",),
    cms_root="/content/rand",
    markers=(
        ("commentary", COMMENTARY_MARKERS),
        ("product", PRODUCT_MARKERS),
        ("listing", LISTING_MARKERS),
    ),
    # Project RAND's first report, "Preliminary Design of an Experimental
    # World-Circling Spaceship", is dated May 1946: nothing rand.org lists is older.
    earliest_year=1946,
)
