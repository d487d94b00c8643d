"""What a page labels that no field took: none on the recorded and reference pages, and
each kind found when a page shows one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harvest.parse import parse_page
from harvest.parse._doubts import Unmapped
from harvest.parse._unmapped import IGNORED_DETAILS, IGNORED_SECTIONS
from tests.conftest import SITE, parse_fixture, site_pages

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT.parent / "shared" / "reference" / "rand-html"
URL = "https://www.rand.org/pubs/research_reports/RRA100-1.html"
MG115 = SITE / "www.rand.org/pubs/monographs/MG115.html"


@pytest.mark.parametrize("relpath", [p.relative_to(SITE).as_posix() for p in site_pages()])
def test_no_recorded_page_leaves_a_label_unmapped(relpath: str) -> None:
    assert parse_fixture(relpath).unmapped == ()


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="no ../shared/reference beside the project")
def test_no_reference_page_leaves_a_label_unmapped() -> None:
    urls = {
        "product": "https://www.rand.org/pubs/research_reports/RRA2186-1.html",
        "commentary": "https://www.rand.org/pubs/commentary/2025/12/china-is-worried.html",
        "listing": "https://www.rand.org/pubs.html?start=0",
    }
    pages = sorted(REFERENCE.glob("*.html"))
    assert pages
    for path in pages:
        url = urls[path.name.split("_", 1)[0]]
        assert parse_page(url, path.read_bytes()).unmapped == (), path.name


def _mg115(old: str, new: str) -> tuple[Unmapped, ...]:
    html = MG115.read_text(encoding="utf-8")
    assert old in html
    return parse_page(URL, html.replace(old, new, 1)).unmapped


def test_a_new_details_label_is_unmapped_with_its_value() -> None:
    found = _mg115(
        "<li><strong>Year:</strong> 2004</li>",
        "<li><strong>Year:</strong> 2004</li><li><strong>Funding Agency:</strong> USAF</li>",
    )
    assert found == (Unmapped("detail", "funding agency", "USAF"),)


def test_a_known_label_whose_field_came_out_empty_is_unmapped() -> None:
    # "DOI:" with a value the normalizer refuses: the label is there, the field is not.
    found = _mg115(
        "<li><strong>Year:</strong> 2004</li>",
        "<li><strong>Year:</strong> 2004</li><li><strong>DOI:</strong> pending</li>",
    )
    assert found == (Unmapped("detail", "doi", "pending"),)


def test_a_new_header_fact_is_unmapped_by_its_label() -> None:
    found = _mg115('<p class="published">', '<p class="pages">Pages: 96</p><p class="published">')
    assert found == (Unmapped("fact", "pages", "Pages: 96"),)


def test_a_table_no_field_reads_is_unmapped_by_its_headers() -> None:
    table = (
        "<table><tr><th>Chapter</th><th>Pages</th></tr><tr><td>One</td><td>1-20</td></tr>"
        '</table><div class="product-main">'
    )
    found = _mg115('<div class="product-main">', table)
    assert found == (Unmapped("table", "chapter | pages", "One | 1-20"),)


def test_a_new_section_heading_is_unmapped_and_a_known_one_is_not() -> None:
    heading = '<h2>Table of Contents</h2><p>…</p><h2 class="c6">Topics</h2>'
    found = _mg115('<h2 class="c6">Topics</h2>', heading)
    assert found == (Unmapped("heading", "Table of Contents"),)


@pytest.mark.parametrize(
    "place",
    [
        '<div class="body-text"><h2>{}</h2></div>',  # an article's own sub-heading
        '<ul><li><h3 class="title">{}</h3></li></ul>',  # a teaser's title
        "<h3>{}</h3><table><tr><th>A</th></tr><tr><td>b</td></tr></table>",  # a caption
        '<h2 class="access">{}</h2>',  # for screen readers
    ],
)
def test_headings_that_belong_to_something_else_are_not_sections(place: str) -> None:
    found = _mg115('<div class="product-main">', place.format("Odd Heading") + "<div>")
    assert not [item for item in found if item.kind == "heading"]


def test_the_docs_list_every_ignored_label() -> None:
    text = (ROOT / "docs" / "parsing.md").read_text(encoding="utf-8")
    table = text.split("<!-- ignored -->")[1].split("<!-- /ignored -->")[0]
    rows = re.findall(r"^\| (\w+) \| `(.+?)` \| (.+?) \|$", table, re.M)
    code = [("detail", label, why) for label, why in IGNORED_DETAILS.items()]
    code += [("heading", pattern, why) for pattern, why in IGNORED_SECTIONS]
    assert [(k, label.replace("\\\\", "\\"), why) for k, label, why in rows] == code
