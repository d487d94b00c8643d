"""The three real late-2025 rand.org pages give every field they show.

Each is checked twice: as recorded (with a <head> of meta tags and JSON-LD) and
with the head removed, as the pages were saved, so the DOM alone must suffice.
"""

from __future__ import annotations

import re

import pytest

from harvest.fetch import url_for
from harvest.models import Publication, Topic
from harvest.parse import parse_page
from tests.conftest import SITE

PRODUCT = "www.rand.org/pubs/research_reports/RRA2186-1.html"
COMMENTARY = "www.rand.org/pubs/commentary/2025/12/china-is-worried-about-ai-job-losses.html"
LISTING = "www.rand.org/pubs.html%3Fstart=0"
_HEAD = re.compile(rb"<head>.*?</head>", re.S)


def _parse(relpath: str, *, with_head: bool) -> Publication | Topic:
    path = SITE / relpath
    body = path.read_bytes() if with_head else _HEAD.sub(b"", path.read_bytes())
    url = url_for(path)
    assert url
    return parse_page(url, body).record


@pytest.fixture(params=[True, False], ids=["with-head", "dom-only"])
def with_head(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


def test_product_2025(with_head: bool) -> None:
    record = _parse(PRODUCT, with_head=with_head)
    assert isinstance(record, Publication)
    assert record.title == "Assessment of Military Child Development Program Staffing"
    assert record.subtitle == "Initial Findings Regarding the Workforce"
    assert record.content_type == "Research"
    assert (record.published, record.published_raw) == ("2025-12-04", "Dec 4, 2025")
    assert [(a.name, a.url) for a in record.authors][:2] == [
        ("Lynn A. Karoly", "https://www.rand.org/about/people/k/karoly_lynn_a.html"),
        ("Laura Werber", "https://www.rand.org/about/people/w/werber_laura.html"),
    ]
    assert len(record.authors) == 6 and all(a.url for a in record.authors)
    assert record.summary and record.summary.startswith("The U.S. military has a long-standing")
    assert record.summary.endswith("compensation, and retention.")
    assert record.summary.count("\n\n") == 1
    assert len(record.key_findings) == 6 and record.key_findings[0].startswith("As of 2022")
    assert len(record.recommendations) == 2
    assert record.topics[0] == "Labor Markets" and len(record.topics) == 6
    assert record.doi == "10.7249/RRA2186-1"
    assert record.document_number == "RR-A2186-1"
    assert [(d.format, d.url) for d in record.downloads] == [
        (
            "PDF",
            "https://www.rand.org/content/dam/rand/pubs/research_reports/RRA2100/RRA2186-1/"
            "RAND_RRA2186-1.pdf",
        )
    ]
    assert record.sponsor == "Office of the Under Secretary of Defense for Personnel and Readiness"
    assert record.program == "Personnel, Readiness, and Health Program"
    assert record.division == "RAND National Security Research Division"
    assert record.series == "RAND research report series"
    assert record.print_offers == []
    assert record.cover_image and record.cover_image.url
    assert "/content/rand/" not in record.cover_image.url


def test_commentary_2025(with_head: bool) -> None:
    record = _parse(COMMENTARY, with_head=with_head)
    assert isinstance(record, Publication)
    assert record.title == "China Is Worried About AI Job Losses"
    assert record.content_type == "Commentary"
    assert record.published == "2025-12-01"
    assert [(a.name, a.url) for a in record.authors] == [
        ("Marianne Lu", "https://www.rand.org/pubs/authors/l/lu_marianne.html")
    ]
    assert record.topics == [
        "Artificial Intelligence",
        "China",
        "Emerging Technologies",
        "Employment and Unemployment",
        "Labor Markets",
    ]
    assert record.image is not None
    assert record.image.credit == "He Penglei/China News Service/VC"
    assert record.image.caption == (
        "Job applicants look for employment opportunities at a job "
        "fair in Chongqing, China, November 15, 2025"
    )
    body = record.body or ""
    assert body.startswith("In Shanghai, jobless young professionals are paying $5 a day")
    assert body.endswith("without unsettling its social foundations.")
    for leaked in (
        "Subscribe",
        "Share on",
        "Policy Currents",
        "Related Content",
        "Marianne Lu is a fellow",
    ):
        assert leaked not in body
    # The pull quotes repeat body text; they are not paragraphs of their own.
    assert body.count("sides of the same coin") == 1
    if with_head:
        assert record.summary and record.summary.startswith("China understands the strain")
    else:
        assert record.summary is None  # the body shows no summary: none is invented


def test_listing_2025(with_head: bool) -> None:
    record = _parse(LISTING, with_head=with_head)
    assert isinstance(record, Topic)
    assert record.name == "Research & Commentary"
    featured = [e for e in record.entries if e.featured]
    listed = [e for e in record.entries if not e.featured]
    assert len(featured) == 4 and len(listed) == 12
    assert featured[0].title == "China Is Worried About AI Job Losses"
    assert featured[0].summary and featured[0].summary.startswith("China understands")
    assert listed[0].title.startswith("Hospital Employees View Patient Safety Culture")
    assert listed[0].url == "https://www.rand.org/pubs/external_publications/EP71130.html"
    assert (listed[0].content_type, listed[0].date) == ("Research", "2025-12-11")
    assert all(e.content_type and e.date and e.title and e.url for e in record.entries)
    assert {e.content_type for e in listed} == {"Research", "Expert Insights"}
    assert record.next_page == "https://www.rand.org/pubs.html?start=12"
