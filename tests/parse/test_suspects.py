"""Suspect values: the real pages give none, and a page with an implausible value gives
one for its field, with the value kept in the record as read."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from harvest.fetch import url_for
from harvest.models import Author, Download, Money, PrintOffer, Publication, Topic, TopicEntry
from harvest.parse import Parsed, parse_page
from harvest.parse._doubts import Suspect
from harvest.parse._suspects import VALUE_MAX_LENGTH, suspects
from tests.conftest import ROOT, SITE, site_pages

# The real 2025 pages, in shared/ beside the checkout (or beside the worktrees' folder).
REFERENCE = next(
    (
        folder / "shared" / "reference" / "rand-html"
        for folder in (ROOT, ROOT.parent, ROOT.parent.parent)
        if (folder / "shared" / "reference" / "rand-html").is_dir()
    ),
    ROOT / "shared" / "reference" / "rand-html",
)
# The address each real page was saved from (its README lists them).
REFERENCE_URLS = {
    "product": "https://www.rand.org/pubs/research_reports/RRA2186-1.html",
    "commentary": "https://www.rand.org/pubs/commentary/2025/12/china-is-worried-about-ai-job-losses.html",
    "listing": "https://www.rand.org/pubs.html?start=0",
}
URL = "https://www.rand.org/pubs/research_reports/RRA1-1.html"
FETCHED = datetime(2025, 12, 11, 9, 30, tzinfo=UTC)


# -- the sweep: real pages give no suspect -----------------------------------------------


@pytest.mark.parametrize("path", site_pages(), ids=lambda p: str(p.relative_to(SITE)))
def test_no_page_of_the_recorded_site_is_suspect(path: Path) -> None:
    url = url_for(path)
    assert url is not None
    assert parse_page(url, path.read_bytes()).suspects == ()


def _reference_pages() -> list[Path]:
    return sorted(REFERENCE.glob("*.html")) if REFERENCE.is_dir() else []


@pytest.mark.skipif(not _reference_pages(), reason="no shared/reference/rand-html here")
@pytest.mark.parametrize("path", _reference_pages(), ids=lambda p: p.name)
def test_no_real_2025_page_is_suspect(path: Path) -> None:
    url = REFERENCE_URLS[path.name.split("_", 1)[0]]
    # fetched when saved: their dates are of early December 2025
    assert parse_page(url, path.read_bytes(), fetched_at=FETCHED).suspects == ()


# -- pages with a suspect value ----------------------------------------------------------


def _page(main: str) -> str:
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
    <main id="page-content">{main}</main></body></html>"""


def _header(published: str = "Published Jan 2020") -> str:
    return f"""<div class="product-header"><h1 id="RANDTitleHeadingId">A Title</h1>
    <p class="authors">By Jane Roe and John Doe</p>
    <p class="type-published"><span class="type">Research Brief</span>
    <span class="published">{published}</span></p></div>"""


def _purchase(price: str, pages: str = "96 pages") -> str:
    return f"""<div id="buybox"><table class="purchase-formats">
    <thead><tr><th>Add to cart</th><th>Format</th><th>Price</th></tr></thead><tbody>
    <tr><td class="cart"><button>Add to Cart</button></td>
    <td class="format">Paperback<span class="pages">{pages}</span></td>
    <td class="price">{price}</td></tr></tbody></table></div>"""


def _parsed(main: str) -> tuple[Parsed, Publication]:
    parsed = parse_page(URL, _page(main), fetched_at=FETCHED)
    assert isinstance(parsed.record, Publication)
    return parsed, parsed.record


def test_a_plain_product_page_is_not_suspect() -> None:
    parsed, _ = _parsed(_header() + _purchase("$20.00"))
    assert parsed.suspects == ()


def test_a_date_after_the_fetch_is_suspect_and_kept() -> None:
    parsed, record = _parsed(_header("Published Mar 3, 2031"))
    assert record.published == "2031-03-03"
    assert parsed.suspects == (Suspect("published", "date-in-future", "2031-03-03"),)


def test_a_date_the_day_after_the_fetch_is_not_suspect() -> None:
    # the site's clock may be a time zone ahead of UTC
    parsed, _ = _parsed(_header("Published Dec 12, 2025"))
    assert parsed.suspects == ()


def test_a_date_before_rand_published_anything_is_suspect() -> None:
    parsed, record = _parsed(_header("Published Jun 1, 1921"))
    assert record.published == "1921-06-01"
    assert parsed.suspects == (Suspect("published", "date-before-publisher", "1921-06-01"),)


@pytest.mark.parametrize(
    ("price", "rule", "value"),
    [
        ("$0.00", "price-not-positive", "0.00 USD"),
        ("$25,000.00", "price-too-high", "25000.00 USD"),
    ],
)
def test_an_implausible_price_is_suspect_and_kept(price: str, rule: str, value: str) -> None:
    parsed, record = _parsed(_header() + _purchase(price))
    offer = record.print_offers[0]
    assert (offer.price_text, offer.price) == (price, Money(amount=value[:-4], currency="USD"))
    assert parsed.suspects == (Suspect("print_offers.price", rule, value),)


def test_an_implausible_page_count_is_suspect_and_kept() -> None:
    parsed, record = _parsed(_header() + _purchase("$20.00", "97808330 pages"))
    assert record.print_offers[0].pages == 97808330
    assert parsed.suspects == (Suspect("print_offers.pages", "pages-too-many", "97808330"),)


def test_a_program_that_is_a_clause_is_suspect_and_kept() -> None:
    # A wording the indicia reader does not know how to cut: the unit comes out with a
    # clause glued on, is kept as read, and is named suspect.
    sentence = (
        "This research was conducted within the Center for X whose staff were hosted by "
        "the university and were paid from a trust that the founders had set aside."
    )
    parsed, record = _parsed(_header() + f'<div id="indicia"><p>{sentence}</p></div>')
    assert record.program is not None and record.program.startswith("Center for X whose")
    (suspect,) = [s for s in parsed.suspects if s.field == "program"]
    assert suspect.rule == "org-name-clause"
    assert suspect.value == record.program  # shorter than VALUE_MAX_LENGTH: whole


def test_a_long_value_is_cut_in_the_suspect_but_not_in_the_record() -> None:
    long_name = "Center for " + "Very " * 30 + "Long Studies"
    (suspect,) = suspects(_publication(program=long_name))
    assert suspect.rule == "org-name-too-long" and len(suspect.value) == VALUE_MAX_LENGTH
    assert suspect.value == long_name[: VALUE_MAX_LENGTH - 1] + "…"


# -- every field checked, straight from a record -------------------------------------------


def _publication(**fields: object) -> Publication:
    return Publication.model_validate(
        {
            "url": URL,
            "fetched_at": FETCHED,
            "content_sha256": "0" * 64,
            "title": "A Title",
            **fields,
        }
    )


def test_every_checked_field_of_a_publication_is_named() -> None:
    record = _publication(
        published="1900",
        authors=[Author(name="Jane Roe"), Author(name="Jane Roe and John Doe")],
        downloads=[Download(format="PDF", size_bytes=12), Download(format="EPUB")],
        print_offers=[
            PrintOffer(format="Paperback", pages=9999, price=Money(amount="0", currency="EUR"))
        ],
        doi="doi:10.7249/RR2646",
        document_number="Document Number: RR-2646-A",
        sponsor="the Army, and was conducted within the Arroyo Center",
        program="RAND Health Care with philanthropic gifts",
        division="Program " * 20,
    )
    assert suspects(record) == (
        Suspect("published", "date-before-publisher", "1900"),
        Suspect("authors.name", "person-name-connector", "Jane Roe and John Doe"),
        Suspect("downloads.size_bytes", "size-too-small", "12"),
        Suspect("print_offers.price", "price-not-positive", "0 EUR"),
        Suspect("print_offers.pages", "pages-too-many", "9999"),
        Suspect("doi", "doi-format", "doi:10.7249/RR2646"),
        Suspect("document_number", "document-number-format", "Document Number: RR-2646-A"),
        Suspect(
            "sponsor", "org-name-clause", "the Army, and was conducted within the Arroyo Center"
        ),
        Suspect("program", "org-name-funding", "RAND Health Care with philanthropic gifts"),
        Suspect("division", "org-name-too-long", ("Program " * 20).strip()[:119] + "…"),
    )


def _topic(*dates: str | None, url: str = "https://www.rand.org/topics/china.html") -> Topic:
    entries = [
        TopicEntry(title=f"T{i}", url=f"https://www.rand.org/pubs/a{i}.html", date=value)
        for i, value in enumerate(dates)
    ]
    return Topic(
        url=url, fetched_at=FETCHED, content_sha256="0" * 64, name="China", entries=entries
    )


def test_each_suspect_date_of_a_listing_is_named() -> None:
    topic = _topic("2025-12-01", "2031-01-01", None, "1900-01", "2004")
    assert suspects(topic) == (
        Suspect("entries.date", "date-in-future", "2031-01-01"),
        Suspect("entries.date", "date-before-publisher", "1900-01"),
    )
    assert suspects(_topic("2025-12-12", "1946", "2025", None)) == ()


def test_another_sites_dates_have_no_first_year() -> None:
    assert suspects(_topic("1900", url="https://example.org/topics/a.html")) == ()


def test_a_naive_fetch_time_is_utc() -> None:
    record = _publication(published="2025-12-13")
    naive = record.model_copy(update={"fetched_at": datetime(2025, 12, 11, 23, 59)})
    assert [s.rule for s in suspects(naive)] == ["date-in-future"]
    assert suspects(naive.model_copy(update={"published": "2025-12-12"})) == ()
