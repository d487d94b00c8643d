"""Plausibility rules: tables of real-shaped good and bad values, and a few properties.

A value a rule wrongly flags, or a wrong value it lets through, is a new row.
"""

from __future__ import annotations

import ast
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harvest.normalize import _plausible
from harvest.normalize._plausible import (
    PRICE_MAX,
    SIZE_MAX_BYTES,
    SIZE_MIN_BYTES,
    date_doubt,
    document_number_doubt,
    doi_doubt,
    org_name_doubt,
    pages_doubt,
    person_name_doubt,
    price_doubt,
    size_doubt,
)
from tests.conftest import ROOT

SETTINGS = settings(max_examples=200, deadline=None)

# -- organisation names ----------------------------------------------------------------

GOOD_ORG_NAMES = [
    # the recorded site and the real 2025 pages
    "Office of the Deputy Assistant Secretary of Defense for Security Cooperation",
    "Office of the Under Secretary of Defense for Personnel and Readiness",
    "Office of the Under Secretary of Defense for Policy",
    "Office of the Secretary of Defense",
    "United States Air Force",
    "United States Army",
    "European Defence Agency",
    "UK Ministry of Defence",
    "International Security and Defense Policy Center",
    "International Security and Defense Policy Program",
    "Strategy, Doctrine, and Resources Program",
    "Personnel, Readiness, and Health Program",
    "RAND Project AIR FORCE",
    "RAND Arroyo Center",
    "RAND Europe",
    "RAND Health Care",
    "RAND National Defense Research Institute",
    "RAND National Security Research Division",
    # funders rand.org names, with a funding word capitalized in the name
    "William T. Grant Foundation",
    "Smith Richardson Foundation",
    "Bill & Melinda Gates Foundation",
    "Office of the Under Secretary of Defense for Acquisition, Technology, and Logistics",
    "Defense Contract Management Agency",
    "Center for Philanthropy and Public Policy",
    "Ministère des Armées",
]

BAD_ORG_NAMES = [
    (
        "Center for X with RAND Global and Emerging Risks using income from operations and "
        "gifts from RAND supporters, including philanthropic gifts",
        "org-name-clause",
    ),
    ("the Army and was conducted within the Arroyo Center", "org-name-clause"),
    ("RAND Health Care, which is part of RAND", "org-name-clause"),
    ("Sponsored by the United States Army", "org-name-clause"),
    ("RAND Education and Labor, funded by the Department of Labor", "org-name-clause"),
    ("Strategy Program using income from operations", "org-name-clause"),
    ("the RAND Center for Asia Pacific Policy and philanthropic contributions", "org-name-funding"),
    ("RAND Health Care with philanthropic gifts", "org-name-funding"),
    ("a grant from the National Science Foundation", "org-name-funding"),
    ("RAND Europe with support from the European Commission", "org-name-funding"),
    ("RAND supporters, including the Ford Foundation.", "org-name-clause"),
    ("the generosity of RAND donors.", "org-name-funding"),
    ("Program on Peace and Conflict " * 5, "org-name-too-long"),
]


@pytest.mark.parametrize("name", GOOD_ORG_NAMES)
def test_a_real_organisation_name_passes(name: str) -> None:
    assert org_name_doubt(name) is None


@pytest.mark.parametrize(("name", "rule"), BAD_ORG_NAMES)
def test_an_organisation_name_that_is_not_one(name: str, rule: str) -> None:
    assert org_name_doubt(name) == rule


# -- person names ----------------------------------------------------------------------

GOOD_PERSON_NAMES = [
    "Norman D. Levin", "Lynn A. Karoly", "Jürgen Müller", "Zoë Ćosić", "Siân Llewellyn",
    "James O'Connell", "Gustav Sjöström", "John Smith, Jr.", "John Smith, Jr., Ph.D.",
    "María de los Ángeles García Fernández", "Ludwig van Beethoven", "Al Gore",
    "RAND Corporation", "王伟", "Louis XIV",
]  # fmt: skip

BAD_PERSON_NAMES = [
    ("--", "person-name-no-letters"),
    ("12345", "person-name-no-letters"),
    ("Norman D. Levin " * 6, "person-name-too-long"),
    ("Page 2 of 3", "person-name-digits"),
    ("Norman D. Levin 2004", "person-name-digits"),
    ("Jane Roe and John Doe", "person-name-connector"),
    ("By Jane Roe", "person-name-connector"),
    ("Jane Roe with Bo Chen", "person-name-connector"),
    ("Jane Roe et al.", "person-name-connector"),
    ("Jane Roe & Bo Chen", "person-name-connector"),
    ("Jane Roe AND Bo Chen", "person-name-connector"),
    ("Read More About This Research Team Here Now", "person-name-too-many-words"),
    ("download the pdf", "person-name-lowercase"),
    ("jane roe", "person-name-lowercase"),
]


@pytest.mark.parametrize("name", GOOD_PERSON_NAMES)
def test_a_real_person_name_passes(name: str) -> None:
    assert person_name_doubt(name) is None


@pytest.mark.parametrize(("name", "rule"), BAD_PERSON_NAMES)
def test_a_person_name_that_is_not_one(name: str, rule: str) -> None:
    assert person_name_doubt(name) == rule


# -- dates -----------------------------------------------------------------------------

FETCHED = date(2025, 12, 11)  # the real 2025 pages were saved then
LATEST = FETCHED + timedelta(days=1)

GOOD_DATES = ["2004-08-15", "2004", "2020-01", "1946", "1946-05", "2025-12-11", "2025-12-12"]

BAD_DATES = [
    ("Aug 15, 2004", "date-unreadable"),
    ("2020-13", "date-unreadable"),
    ("2020-01-32", "date-unreadable"),
    ("04", "date-unreadable"),
    ("1945-12-31", "date-before-publisher"),
    ("1066", "date-before-publisher"),
    ("2025-12-13", "date-in-future"),
    ("2026-01", "date-in-future"),
    ("2026", "date-in-future"),
    ("2999-01-01", "date-in-future"),
]


@pytest.mark.parametrize("value", GOOD_DATES)
def test_a_date_within_the_publishers_years_passes(value: str) -> None:
    assert date_doubt(value, earliest_year=1946, latest=LATEST) is None


@pytest.mark.parametrize(("value", "rule"), BAD_DATES)
def test_a_date_out_of_the_publishers_years(value: str, rule: str) -> None:
    assert date_doubt(value, earliest_year=1946, latest=LATEST) == rule


def test_without_a_first_year_only_the_future_is_doubted() -> None:
    assert date_doubt("1066", earliest_year=None, latest=LATEST) is None
    assert date_doubt("2026", earliest_year=None, latest=LATEST) == "date-in-future"


def test_a_partial_date_counts_from_the_first_day_of_its_period() -> None:
    # December 2025 began before the fetch: a month or year that has begun is not future
    assert date_doubt("2025-12", earliest_year=None, latest=date(2025, 12, 2)) is None
    assert date_doubt("2025", earliest_year=None, latest=date(2025, 1, 1)) is None
    assert date_doubt("2026", earliest_year=None, latest=date(2025, 12, 31)) == "date-in-future"


@SETTINGS
@given(
    day=st.dates(min_value=date(1946, 1, 1), max_value=date(2100, 1, 1)),
    length=st.sampled_from([4, 7, 10]),
    ahead=st.integers(min_value=0, max_value=3650),
)
def test_any_date_from_1946_to_the_fetch_passes(day: date, length: int, ahead: int) -> None:
    latest = day + timedelta(days=ahead)
    assert date_doubt(day.isoformat()[:length], earliest_year=1946, latest=latest) is None


@SETTINGS
@given(day=st.dates(min_value=date(1000, 1, 1)), latest=st.dates(min_value=date(1000, 1, 1)))
def test_a_full_date_after_the_latest_day_is_always_doubted(day: date, latest: date) -> None:
    doubt = date_doubt(day.isoformat(), earliest_year=None, latest=latest)
    assert (doubt == "date-in-future") == (day > latest)


# -- sizes, prices, page counts --------------------------------------------------------

GOOD_SIZES = [314573, 104858, 184320, 870400, 3565158, 8178893, 1288490189, 1024, SIZE_MAX_BYTES]
BAD_SIZES = [
    (0, "size-too-small"),
    (1023, "size-too-small"),
    (500, "size-too-small"),  # "500 B": a size column read in bytes
    (SIZE_MAX_BYTES + 1, "size-too-large"),
    (5 * 1024**4, "size-too-large"),  # "5 TB"
]


@pytest.mark.parametrize("size", GOOD_SIZES)
def test_a_real_download_size_passes(size: int) -> None:
    assert size_doubt(size) is None


@pytest.mark.parametrize(("size", "rule"), BAD_SIZES)
def test_a_download_size_no_file_has(size: int, rule: str) -> None:
    assert size_doubt(size) == rule


@SETTINGS
@given(st.integers(min_value=SIZE_MIN_BYTES, max_value=SIZE_MAX_BYTES))
def test_every_size_within_the_bounds_passes(size: int) -> None:
    assert size_doubt(size) is None


GOOD_PRICES = ["20.00", "28.00", "75.00", "49.95", "38.00", "19.50", "22.50", "0.99", "1000.00"]
BAD_PRICES = [
    ("0.00", "price-not-positive"),
    ("0", "price-not-positive"),
    ("1000.01", "price-too-high"),
    ("25000.00", "price-too-high"),
    ("9780833036131", "price-too-high"),  # an ISBN read as a price
    ("twenty", "price-unreadable"),
    ("NaN", "price-unreadable"),
]


@pytest.mark.parametrize("amount", GOOD_PRICES)
def test_a_real_price_passes(amount: str) -> None:
    assert price_doubt(amount) is None


@pytest.mark.parametrize(("amount", "rule"), BAD_PRICES)
def test_a_price_no_print_copy_has(amount: str, rule: str) -> None:
    assert price_doubt(amount) == rule


@SETTINGS
@given(st.decimals(min_value="0.01", max_value=PRICE_MAX, places=2))
def test_every_price_within_the_bounds_passes(amount: Decimal) -> None:
    assert price_doubt(str(amount)) is None


GOOD_PAGES = [1, 96, 148, 224, 424, 436, 5000]
BAD_PAGES = [(0, "pages-too-few"), (5001, "pages-too-many"), (9780833, "pages-too-many")]


@pytest.mark.parametrize("pages", GOOD_PAGES)
def test_a_real_page_count_passes(pages: int) -> None:
    assert pages_doubt(pages) is None


@pytest.mark.parametrize(("pages", "rule"), BAD_PAGES)
def test_a_page_count_no_book_has(pages: int, rule: str) -> None:
    assert pages_doubt(pages) == rule


# -- identifiers -----------------------------------------------------------------------

GOOD_DOCUMENT_NUMBERS = [
    # the recorded site and the real 2025 pages
    "MG-115", "MG-1178-OSD", "PE-353-A", "RB-9056-A", "RR-2646-A", "RR-2962-EDA",
    "RR-A346-1", "RR-A487-1", "RR-A2186-1", "CF-345-OSD", "CT-508",
    # other rand.org forms: the short form of URLs, volumes, old series, dissertations
    "RRA2186-1", "CFA4120-1", "MR-1234/1-AF", "RM-5678-PR", "P-7890", "RGSD-123",
    "RR-1866z1", "TR-101-RC", "EP-67123",
]  # fmt: skip
BAD_DOCUMENT_NUMBERS = [
    "Document Number: RR-2646-A",
    "RR 2646",
    "978-0-8330-3613-1",
    "10.7249/RR2646",
    "rr-2646-a",
    "Research Report",
    "RR-2646-A-" + "X" * 40,
]


@pytest.mark.parametrize("number", GOOD_DOCUMENT_NUMBERS)
def test_a_real_document_number_passes(number: str) -> None:
    assert document_number_doubt(number) is None


@pytest.mark.parametrize("number", BAD_DOCUMENT_NUMBERS)
def test_a_document_number_in_another_form(number: str) -> None:
    assert document_number_doubt(number) == "document-number-format"


GOOD_DOIS = [
    "10.7249/MG115", "10.7249/RRA2186-1", "10.7249/CF345", "10.7249/RR2962",
    "10.1001/jama.2020.1234", "10.1002/(SICI)1097-4571(199806)49:8%3C693::AID-ASI4%3E3.0.CO;2-O",
    "10.1000.10/123456",
]  # fmt: skip
BAD_DOIS = [
    "https://doi.org/10.7249/MG115", "doi:10.7249/MG115", "10.7249", "10.7249/", "10.72/MG115",
    "10.7249/MG 115", "RR-2646-A",
]  # fmt: skip


@pytest.mark.parametrize("doi", GOOD_DOIS)
def test_a_real_doi_passes(doi: str) -> None:
    assert doi_doubt(doi) is None


@pytest.mark.parametrize("doi", BAD_DOIS)
def test_a_doi_in_another_form(doi: str) -> None:
    assert doi_doubt(doi) == "doi-format"


# -- every rule: tested, documented, never raising -----------------------------------------

_RULE = re.compile(r"[a-z]+(?:-[a-z]+)+")
_DOC_RULE = re.compile(r"^\|[^|]+\| `([a-z-]+)` \|", re.M)


def rules_in_code() -> set[str]:
    """The rule names ``_plausible`` returns: its string constants in kebab case."""
    tree = ast.parse(Path(_plausible.__file__).read_text(encoding="utf-8"))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and _RULE.fullmatch(node.value)
    }


def rules_in_docs() -> set[str]:
    text = (ROOT / "docs" / "records.md").read_text(encoding="utf-8")
    section = text.split("## Plausibility rules (suspect values)", 1)[1].split("\n## ", 1)[0]
    return set(_DOC_RULE.findall(section))


def test_every_rule_is_in_the_docs_table_and_the_module_docstring() -> None:
    in_code = rules_in_code()
    assert len(in_code) == 21
    assert rules_in_docs() == in_code
    assert set(re.findall(r"``([a-z]+(?:-[a-z]+)+)``", _plausible.__doc__ or "")) == in_code


def test_every_rule_has_a_bad_example_in_the_tables() -> None:
    tested = {
        *(rule for _, rule in [*BAD_ORG_NAMES, *BAD_PERSON_NAMES, *BAD_DATES]),
        *(rule for _, rule in [*BAD_SIZES, *BAD_PRICES, *BAD_PAGES]),
        "document-number-format",
        "doi-format",
    }
    assert tested == rules_in_code()


@SETTINGS
@given(st.text())
def test_a_text_rule_never_raises_and_names_a_documented_rule(text: str) -> None:
    documented = rules_in_docs()
    for doubt in (
        org_name_doubt(text),
        person_name_doubt(text),
        date_doubt(text, earliest_year=1946, latest=LATEST),
        price_doubt(text),
        document_number_doubt(text),
        doi_doubt(text),
    ):
        assert doubt is None or doubt in documented


NAME_WORDS = st.sampled_from(
    ["Norman", "D.", "Levin", "Jürgen", "Müller", "Zoë", "Ćosić", "O'Connell", "Siân", "Jr."]
)


@SETTINGS
@given(st.lists(NAME_WORDS, min_size=1, max_size=5).map(" ".join))
def test_a_name_of_capitalized_words_passes(name: str) -> None:
    assert person_name_doubt(name) is None
