"""Acceptance: every value visible on the two seed pages comes out, normalized.

The expected values are read from the seed pages as text (tests/data/seeds), not
from harvest's own output, so these tests hold the parsers to what a reader sees.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harvest.models import Publication, Topic
from harvest.normalize import clean_text, split_caption
from tests.conftest import parse_fixture

SEEDS = Path(__file__).resolve().parent.parent / "data" / "seeds"
MONTHS = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
        start=1,
    )
}
_SEED_DATE = re.compile(r"^([A-Z][a-z]{2}) (\d{1,2}), (\d{4})$")


@pytest.fixture(scope="module")
def mg115() -> Publication:
    record = parse_fixture("www.rand.org/pubs/monographs/MG115.html").record
    assert isinstance(record, Publication)
    return record


@pytest.fixture(scope="module")
def topic() -> Topic:
    record = parse_fixture("www.rand.org/topics/security-cooperation.html").record
    assert isinstance(record, Topic)
    return record


def test_mg115_header(mg115: Publication) -> None:
    assert mg115.title == "Do the Ties Still Bind?"
    assert mg115.subtitle == "The U.S.-ROK Security Relationship After 9/11"
    assert mg115.published == "2004-08-15"
    assert mg115.published_raw == "Aug 15, 2004"
    assert [a.name for a in mg115.authors] == ["Norman D. Levin"]
    assert mg115.cover_image is not None
    assert mg115.cover_image.alt == "Cover: Do the Ties Still Bind?"


def test_mg115_downloads(mg115: Publication) -> None:
    note = "Use Adobe Acrobat Reader version 10 or higher for the best experience."
    got = [(d.section, d.format, d.size_text, d.notes) for d in mg115.downloads]
    assert got == [
        ("Full Document", "PDF", "0.3 MB", note),
        ("Summary Only", "PDF", "0.1 MB", note),
    ]
    assert [d.size_bytes for d in mg115.downloads] == [round(0.3 * 1024**2), round(0.1 * 1024**2)]
    assert all(d.url and d.url.endswith(".pdf") for d in mg115.downloads)


def test_mg115_print_offer(mg115: Publication) -> None:
    assert len(mg115.print_offers) == 1
    offer = mg115.print_offers[0]
    assert (offer.format, offer.pages) == ("Paperback", 96)
    assert offer.price is not None
    assert offer.price.model_dump() == {"amount": "20.00", "currency": "USD"}
    assert "Add to Cart" not in offer.format


def test_mg115_summary_is_the_whole_abstract_and_nothing_else(mg115: Publication) -> None:
    seed = (SEEDS / "product-page-MG115.txt").read_text(encoding="utf-8")
    abstract = next(p for p in seed.split("\n\n") if p.startswith("The United States and South"))
    assert mg115.summary == clean_text(abstract)
    assert mg115.summary.startswith("The United States and South Korea enjoy")
    assert mg115.summary.endswith("management of the alliance today.")
    for boilerplate in (
        "trademark",
        "Permission is required",
        "nonprofit institution",
        "sponsored by",
        "monograph series",
    ):
        assert boilerplate not in mg115.summary


def test_mg115_indicia(mg115: Publication) -> None:
    assert mg115.sponsor == "United States Air Force"
    # One unit, and a RAND one: the division ("conducted within RAND Project AIR FORCE").
    assert (mg115.program, mg115.division) == (None, "RAND Project AIR FORCE")
    assert mg115.funding is None
    assert mg115.series == "RAND monograph series"


def seed_topic_entries() -> list[dict[str, str | None]]:
    """The 22 entries of the topic seed, read from its text rendering."""
    text = (SEEDS / "topic-page-security-cooperation.txt").read_text(encoding="utf-8")
    entries = []
    for raw in text.split("  • ")[1:]:
        block = raw.split("Explore Security Cooperation")[0]
        lines = [line.strip() for line in block.strip().splitlines() if line.strip()]
        caption = None if lines[0] in ("Report", "Commentary", "Blog") else lines.pop(0)
        kind, title, *rest = lines
        date, teaser = (rest[0], rest[1]) if _SEED_DATE.match(rest[0]) else (rest[1], rest[0])
        entries.append(
            {"type": kind, "title": title, "date": date, "teaser": teaser, "caption": caption}
        )
    return entries


def _iso(seed_date: str) -> str:
    match = _SEED_DATE.match(seed_date)
    assert match, seed_date
    month, day, year = match.groups()
    return f"{year}-{MONTHS[month]:02d}-{int(day):02d}"


def test_topic_name_and_description(topic: Topic) -> None:
    text = (SEEDS / "topic-page-security-cooperation.txt").read_text(encoding="utf-8")
    description = text.split("Featured", 1)[1].split("  • ", 1)[0]
    assert topic.name == "Security Cooperation"
    assert topic.description == clean_text(description)


def test_topic_has_all_22_entries_in_order(topic: Topic) -> None:
    seeds = seed_topic_entries()
    assert len(seeds) == 22
    assert [e.title for e in topic.entries] == [s["title"] for s in seeds]
    assert [e.featured for e in topic.entries] == [True, True] + [False] * 20


@pytest.mark.parametrize("index", range(22))
def test_topic_entry_matches_seed(topic: Topic, index: int) -> None:
    seed, entry = seed_topic_entries()[index], topic.entries[index]
    assert entry.content_type == seed["type"]
    assert entry.title == seed["title"]
    assert entry.date == _iso(str(seed["date"]))
    assert entry.date_raw == seed["date"]
    assert entry.summary == seed["teaser"]
    assert entry.url.startswith("https://www.rand.org/")
    if seed["caption"] is None:
        assert entry.image is None
        return
    assert entry.image is not None
    assert entry.image.alt == seed["caption"]
    assert (entry.image.caption, entry.image.credit) == split_caption(seed["caption"])
    assert entry.image.credit and entry.image.caption
    assert entry.image.url and entry.image.url.startswith("https://www.rand.org/")


def test_topic_credits_named_in_the_issue(topic: Topic) -> None:
    credits = [e.image.credit if e.image else None for e in topic.entries]
    assert credits[0] == "Umit Bektas/Reuters"
    assert "U.S. Navy Photo" in credits
    navy = topic.entries[credits.index("U.S. Navy Photo")]
    assert navy.image and navy.image.caption and navy.image.caption.endswith("July 15, 2013")
    without_image = [e.title for e in topic.entries if e.image is None]
    assert len(without_image) == 2
    assert without_image[0].startswith("A Changing Climate")
    assert without_image[1].endswith("RAND Weekly Recap")


def test_topic_next_page(topic: Topic) -> None:
    assert topic.next_page == "https://www.rand.org/topics/security-cooperation.html?page=2"
