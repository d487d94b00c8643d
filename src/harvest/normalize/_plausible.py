"""Plausibility rules: is a value a field took one that field can hold?

A parser can fill a field wrongly and still give a valid record: a whole funding
sentence read as a research program, a byline's "and" left inside a name, a year
taken from a report number. Each function here takes one field kind's value and
returns the name of the first rule it breaks, or None when it breaks none. It
never changes the value and never raises. The rules, their names and their bounds
are listed in ``docs/records.md`` ("Plausibility rules"); a rule name is a stable
identifier (the run's manifest counts suspects by field, and warnings name the rule):

* ``org_name_doubt`` (sponsor, program, division): ``org-name-clause``,
  ``org-name-funding``, ``org-name-too-long``;
* ``person_name_doubt`` (an author's name): ``person-name-no-letters``,
  ``person-name-too-long``, ``person-name-digits``, ``person-name-connector``,
  ``person-name-too-many-words``, ``person-name-lowercase``;
* ``date_doubt`` (a publication's date, a listing entry's date):
  ``date-unreadable``, ``date-before-publisher``, ``date-in-future``;
* ``size_doubt`` (a download's size in bytes): ``size-too-small``, ``size-too-large``;
* ``price_doubt`` (a print offer's amount): ``price-unreadable``,
  ``price-not-positive``, ``price-too-high``;
* ``pages_doubt`` (a print offer's page count): ``pages-too-few``, ``pages-too-many``;
* ``document_number_doubt``: ``document-number-format``;
* ``doi_doubt``: ``doi-format``.

What a publisher alone knows (the year of its first publication) is handed in by
the caller, from ``harvest.sites``.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

# -- organisation names (sponsor, program, division) --------------------------------

# The longest name in the recorded site, "Office of the Deputy Assistant Secretary of
# Defense for Security Cooperation", has 77 characters; the longest U.S. government
# office names run to about 100 ("Office of the Under Secretary of Defense for
# Acquisition, Technology, and Logistics": 83). A funding sentence read as a name runs
# past 120 even when it holds none of the words below.
ORG_NAME_MAX_LENGTH = 120
# Verbs: a name says who, a clause says what was done. Participles and "using" in any
# case ("Sponsored by ..." opens a sentence); forms of "be" and "have" in lower case only,
# so that an acronym ("IS", "ARE") in a name is not one.
_CLAUSE_VERBS = (
    "conducted", "sponsored", "provided", "funded", "supported", "commissioned", "performed",
    "prepared", "undertaken", "carried", "using", "used", "including",
)  # fmt: skip
_CLAUSE_AUXILIARIES = ("is", "are", "was", "were", "been", "being", "has", "have", "had")
# Funding words, in lower case only: in a name they are capitalized ("William T. Grant
# Foundation", "Center for Philanthropy"), in a funding clause they are not.
_FUNDING_WORDS = (
    "income", "gift", "gifts", "philanthropic", "philanthropy", "funding", "funds", "grant",
    "grants", "donor", "donors", "donation", "donations", "contributions", "supporters",
    "support",
)  # fmt: skip
# A name's words are compared as written, split at spaces: a set lookup, not a regex
# alternation tried at every character (these run on every page). A word is looked up
# with the punctuation that may follow it too ("gifts,", "supporters.").
_TRAILING = ("", ",", ".", ";", ":", ")")
_LETTER = re.compile(r"[^\W\d_]")
_DIGIT = re.compile(r"\d")


def _any_case(words: tuple[str, ...]) -> frozenset[str]:
    """``words`` in lower case, capitalized and in capitals, each with what may follow."""
    return _followed(tuple(form for word in words for form in (word, word.title(), word.upper())))


def _followed(words: tuple[str, ...]) -> frozenset[str]:
    """``words`` as a word split at spaces may hold them: bare or before punctuation."""
    return frozenset(word + mark for word in words for mark in _TRAILING)


_CLAUSE_WORDS = _any_case(_CLAUSE_VERBS) | _followed(_CLAUSE_AUXILIARIES)
_FUNDING = _followed(_FUNDING_WORDS)


def org_name_doubt(name: str) -> str | None:
    """The first rule an organisation's name (sponsor, program, division) breaks, or None.

    >>> org_name_doubt(
    ...     "Office of the Deputy Assistant Secretary of Defense for Security Cooperation"
    ... )
    >>> org_name_doubt("William T. Grant Foundation")
    >>> org_name_doubt("Center for X with RAND Global and Emerging Risks using income from "
    ...                "operations and gifts from RAND supporters, including philanthropic gifts")
    'org-name-clause'
    >>> org_name_doubt("RAND Health Care with philanthropic gifts")
    'org-name-funding'
    >>> org_name_doubt("Program " * 20)
    'org-name-too-long'
    """
    words = name.split()
    if not _CLAUSE_WORDS.isdisjoint(words):
        return "org-name-clause"
    if not _FUNDING.isdisjoint(words):
        return "org-name-funding"
    if len(name) > ORG_NAME_MAX_LENGTH:
        return "org-name-too-long"
    return None


# -- person names (authors) ----------------------------------------------------------

# Real names with suffixes and particles stay well under both bounds: "María de los
# Ángeles García Fernández" has 6 words and 37 characters, "John Smith, Jr., Ph.D." 4.
PERSON_NAME_MAX_LENGTH = 70
PERSON_NAME_MAX_WORDS = 7
# What a byline joins names with, left inside one: "Ann Lee and Bo Chen", "By Ann Lee",
# "Ann Lee et al." ("et": "al" alone is a given name), "Ann Lee & Bo Chen".
_CONNECTORS = _any_case(("and", "by", "with", "et"))


def person_name_doubt(name: str) -> str | None:
    """The first rule a person's name (an author or editor) breaks, or None.

    >>> person_name_doubt("Norman D. Levin")
    >>> person_name_doubt("Zoë Ćosić")
    >>> person_name_doubt("Jane Roe and John Doe")
    'person-name-connector'
    >>> person_name_doubt("Page 2 of 3")
    'person-name-digits'
    >>> person_name_doubt("download the pdf")
    'person-name-lowercase'
    """
    if _LETTER.search(name) is None:
        return "person-name-no-letters"
    # In order, the first that holds wins (each tried only if the ones before pass: it
    # runs for every author of every page).
    if len(name) > PERSON_NAME_MAX_LENGTH:
        return "person-name-too-long"
    if _DIGIT.search(name) is not None:
        return "person-name-digits"
    words = name.split()
    if "&" in name or not _CONNECTORS.isdisjoint(words):
        return "person-name-connector"
    if len(words) > PERSON_NAME_MAX_WORDS:
        return "person-name-too-many-words"
    # ``str.islower``: a cased letter and no capital (a script without case passes).
    return "person-name-lowercase" if name.islower() else None


# -- dates (published, a listing entry's date) ---------------------------------------

_PARTIAL_DATE = re.compile(r"\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?")
# What makes a partial date the first day of its period, by the date's length.
_FIRST_DAY = {4: "-01-01", 7: "-01", 10: ""}


def date_doubt(value: str, *, earliest_year: int | None, latest: date) -> str | None:
    """The first rule a partial ISO date ("2004-08-15", "2020-01", "2004") breaks, or None.

    ``earliest_year``: the year of the publisher's first publication (None: no bound);
    ``latest``: the last day a date may fall on (the day after the page was fetched).
    A partial date is taken at the first day of its period: "2026" is after 2025-12-31.

    >>> date_doubt("2004", earliest_year=1946, latest=date(2025, 12, 12))
    >>> date_doubt("1901-05-01", earliest_year=1946, latest=date(2025, 12, 12))
    'date-before-publisher'
    >>> date_doubt("2025-12-13", earliest_year=1946, latest=date(2025, 12, 12))
    'date-in-future'
    >>> date_doubt("2026", earliest_year=None, latest=date(2025, 12, 12))
    'date-in-future'
    >>> date_doubt("2020-13", earliest_year=None, latest=date(2025, 12, 12))
    'date-unreadable'
    """
    if _PARTIAL_DATE.fullmatch(value) is None:
        return "date-unreadable"
    if earliest_year is not None and int(value[:4]) < earliest_year:
        return "date-before-publisher"
    # ISO dates of one length compare as text in time order: no date object to build.
    if value + _FIRST_DAY[len(value)] > latest.isoformat():
        return "date-in-future"
    return None


# -- sizes, prices, page counts ------------------------------------------------------

# rand.org shows sizes rounded to 0.1 MB or to the KB: the smallest file in the
# recorded site is 180 KB, the largest 1.2 GB (a ZIP of data files). Under 1 KB no
# document fits; past 2 GiB no download is offered.
SIZE_MIN_BYTES = 1024
SIZE_MAX_BYTES = 2 * 1024**3


def size_doubt(size_bytes: int) -> str | None:
    """The first rule a download's size in bytes breaks, or None.

    >>> size_doubt(314573)
    >>> size_doubt(0)
    'size-too-small'
    >>> size_doubt(3 * 1024**3)
    'size-too-large'
    """
    if size_bytes < SIZE_MIN_BYTES:
        return "size-too-small"
    if size_bytes > SIZE_MAX_BYTES:
        return "size-too-large"
    return None


# rand.org prices print copies from about $10 (a brief) to a few hundred dollars (a
# multi-volume set), in USD, EUR or GBP: past 1,000 the figure is not a price (a page
# count, a year, a misplaced decimal mark). The bound is the same in every currency: a
# price in yen or forint on rand.org is itself a suspect.
PRICE_MAX = Decimal(1000)


def price_doubt(amount: str) -> str | None:
    """The first rule a print offer's amount (a decimal string) breaks, or None.

    >>> price_doubt("20.00")
    >>> price_doubt("0.00")
    'price-not-positive'
    >>> price_doubt("25000.00")
    'price-too-high'
    """
    try:
        value = Decimal(amount)
    except InvalidOperation:
        return "price-unreadable"
    if not value.is_finite():
        return "price-unreadable"
    if value <= 0:
        return "price-not-positive"
    if value > PRICE_MAX:
        return "price-too-high"
    return None


# The thickest books rand.org sells run to about 1,000 pages; 5,000 leaves room for a
# multi-volume set and none for a year or an ISBN read as a page count.
PAGES_MAX = 5000


def pages_doubt(pages: int) -> str | None:
    """The first rule a print offer's page count breaks, or None.

    >>> pages_doubt(96)
    >>> pages_doubt(0)
    'pages-too-few'
    >>> pages_doubt(9780833)
    'pages-too-many'
    """
    if pages < 1:
        return "pages-too-few"
    if pages > PAGES_MAX:
        return "pages-too-many"
    return None


# -- identifiers ---------------------------------------------------------------------

# rand.org's document numbers: a series code (1 to 5 capitals: MG, RR, RB, PE, CT, CF,
# RGSD ...), a hyphen (left out in the short form of URLs and DOIs, "RRA2186-1"), the
# number (an "A" before it since 2019, "RR-A346-1"; a "z1" revision after it), then
# hyphen- or slash-separated parts: a volume ("-1"), a sponsor code ("-OSD", "-A").
DOCUMENT_NUMBER_MAX_LENGTH = 40
_DOCUMENT_NUMBER = re.compile(r"[A-Z]{1,5}-?A?\d{1,6}(?:z\d{1,2})?(?:[-/.][0-9A-Za-z]{1,12}){0,4}")


def document_number_doubt(number: str) -> str | None:
    """The rule a document number breaks ("document-number-format"), or None.

    >>> document_number_doubt("RR-A346-1"), document_number_doubt("MG-1178-OSD")
    (None, None)
    >>> document_number_doubt("Document Number: RR-2646-A")
    'document-number-format'
    >>> document_number_doubt("978-0-8330-3613-1")
    'document-number-format'
    """
    if len(number) > DOCUMENT_NUMBER_MAX_LENGTH or not _DOCUMENT_NUMBER.fullmatch(number):
        return "document-number-format"
    return None


# A DOI: "10.", a registrant code of 4 to 9 digits (sub-codes after dots), "/", and a
# suffix without spaces (Crossref's advice for matching modern DOIs, and "<>" left out).
DOI_MAX_LENGTH = 200
_DOI = re.compile(r"10\.\d{4,9}(?:\.\d+)*/[^\s\"'<>]+")


def doi_doubt(doi: str) -> str | None:
    """The rule a DOI breaks ("doi-format"), or None.

    >>> doi_doubt("10.7249/RRA2186-1")
    >>> doi_doubt("https://doi.org/10.7249/MG115")
    'doi-format'
    >>> doi_doubt("10.7249")
    'doi-format'
    """
    if len(doi) > DOI_MAX_LENGTH or not _DOI.fullmatch(doi):
        return "doi-format"
    return None
