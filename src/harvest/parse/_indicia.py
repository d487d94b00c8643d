"""The indicia sentences of a product page: who paid for the work, and which unit did it.

rand.org words them in several ways (docs/parsing.md lists them), e.g.

- "This research was sponsored by X and conducted within the Y Program of the RAND Z
  Division." — sponsor X, program "Y Program", division "RAND Z Division";
- "… sponsored by X and conducted by RAND Europe." — one RAND unit: a division;
- "This research brief describes work done for the RAND Arroyo Center.";
- "This research was independently initiated and conducted by the Center for X with
  RAND Global and Emerging Risks using income from operations and gifts from RAND
  supporters, including philanthropic gifts." — program, division, and RAND's own
  money as ``funding`` (no sponsor);
- "Funding for this research was provided by the Robert Wood Johnson Foundation." — an
  external funder: the sponsor.

A unit name never carries the clause after it ("using …", ", including …", "with
support from …"). Nothing matched gives None: a value is never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from harvest.normalize import clean_text
from harvest.normalize._words import first_word, search_from_words


class Indicia(NamedTuple):
    """What a page's indicia say; each None where they do not say it.

    ``sponsor`` comes from a "sponsored/funded/supported/commissioned by X" clause,
    ``funder`` from a "Funding … was provided by X" sentence (both external to RAND);
    ``funding`` is RAND's own money (income, gifts, donors …) as the page words it.
    """

    sponsor: str | None = None
    funder: str | None = None
    program: str | None = None
    division: str | None = None
    funding: str | None = None


# Each pattern's every match begins with one of its words, so a sentence is searched
# from the first of them (``search_from_words``), or not at all without one.
SPONSORED = re.compile(
    r"\b(?:sponsored|funded|supported|commissioned|underwritten|financed)\s+"
    r"(?:(?:in\s+part|jointly|primarily|entirely|wholly|generously)\s+)?"
    r"(?:by|through|with|from)\s+(?P<who>.+)",
    re.I,
)
SPONSORED_WORDS = ("sponsored", "funded", "supported", "commissioned", "underwritten", "financed")
FUNDING_PROVIDED = re.compile(
    r"\bfunding\b.{0,80}?\b(?:was|were|is|has\s+been)\s+(?:generously\s+)?provided\s+"
    r"(?:by|through)\s+(?P<who>.+)",
    re.I,
)
FUNDING_WORDS = ("funding",)
MADE_POSSIBLE = re.compile(r"\bmade\s+possible\s+(?:by|through|with)\s+(?P<who>.+)", re.I)
MADE_POSSIBLE_WORDS = ("made",)
WITH_SUPPORT = re.compile(
    r"\bwith\s+(?:(?:the|generous|financial|additional|partial)\s+)*"
    r"(?:support|funding|funds|(?:a\s+)?grants?|(?:a\s+)?gifts?)\s+(?:provided\s+)?"
    r"(?:from|by|of)\s+(?P<who>.+)",
    re.I,
)
WITH_WORDS = ("with",)
# "using" only before a word for money ("using income from operations"), never "using
# data from …": up to three words ("RAND's own", "philanthropic") before it.
USING = re.compile(
    r"\busing\s+(?P<who>(?:[\w'’]+\s+){0,3}?"
    r"(?:funds|funding|income|gifts?|contributions|donations|endowment)\b.*)",
    re.I,
)
USING_WORDS = ("using",)
CONDUCTED = re.compile(
    r"\b(?:conducted|carried\s+out|undertaken|performed|work\s+(?:was\s+)?done)\s+"
    r"(?:(?:in|during)\s+\d{4}\s+)?"
    r"(?:(?:jointly|independently|primarily|principally|in\s+part)\s+)?"
    r"(?P<prep>within|by|in|at|for)\s+"
    r"(?:(?:researchers|staff|analysts|a\s+team)\s+(?:in|at|from|of|with)\s+)?"
    r"(?P<units>.+)",
    re.I,
)
CONDUCTED_WORDS = ("conducted", "carried", "undertaken", "performed", "work")
# Every match of a pattern above holds one of these words: a paragraph without them is
# not split into sentences (the boilerplate paragraphs have none).
_WORDS = (
    *("sponsored", "funded", "support", "commissioned", "underwritten", "financed"),
    *("funding", "funds", "grant", "gift", "possible", "using"),
    *("conducted", "carried", "undertaken", "performed", "done"),
)
# Where a sentence ends: a stop and a capital, but not after an initial ("U.S. Army").
_SENTENCE_END = re.compile(
    r"(?<!\b[A-Z]\.)(?<!\bInc\.)(?<!\bCo\.)(?<!\bNo\.)(?<!\bSt\.)(?<!\bJr\.)"
    r"(?<=[.!?])\s+(?=[\"“(]?[A-Z])"
)
# The clause after a unit name: lowercase words mid-sentence, so never part of a name.
_UNIT_END = re.compile(
    r"\s+(?:using|through|via|under|as\s+part\s+of|on\s+behalf\s+of|at\s+the\s+request"
    r"|in\s+(?:collaboration|partnership|cooperation|consultation)\s+with)\s"
    r"|\s+with\s+(?:(?:the|generous|financial|additional|partial)\s+)*(?:support|funding"
    r"|funds|grants?|a\s+grant|gifts?|a\s+gift|contributions|sponsorship|income)\b"
    r"|,?\s+and\s+(?:was\s+|is\s+|were\s+)?(?:funded|sponsored|supported|paid|made|financed"
    r"|commissioned)\b"
    r"|,?\s+(?:funded|sponsored|supported|financed)\s+(?:by|through|with)\b"
    r"|,\s+(?:including|using|which|who|whose|under|through|for|on|in|an?|the)\s"
    r"|,\s+with\s(?!(?:the\s+)?RAND\s)"
    r"|\s*[;(\u2014]|\s+[-\u2013]\s"
)
# Where an inner unit ends and the RAND unit holding it begins ("Y Program of the RAND
# Z Division"): only before "RAND " / "the RAND ", as "of" is in many names.
_UNIT_SPLIT = re.compile(
    r"(?:\s*,\s*(?:(?:an?\s+)?(?:part|unit|program|center|component|division)\s+of\s+)?"
    r"|\s+(?:of|with|within|in|at|inside|part\s+of)\s+)"
    r"(?=(?:the\s+)?RAND\s)"
)
# The end of a funder's name or a funding clause: the unit clause after it.
_MONEY_END = re.compile(
    r",?\s+and\s+(?:was\s+|is\s+|were\s+)?(?:(?:independently\s+)?initiated\s+and\s+)?"
    r"(?:conducted|carried\s+out|undertaken|performed|prepared|produced|written)\b"
    r"|\s+under\s+(?:contract|grant|award|agreement|cooperative|the\s+auspices)\b"
    r"|\s*\(",
    re.I,
)
_FUNDER_LEAD = re.compile(
    r"^(?:the\s+)?(?:(?:an?|generous|additional|financial)\s+)*"
    r"(?:funds|funding|support|grants?|gifts?|awards?|contracts?)\s+(?:provided\s+)?"
    r"(?:from|by|of)\s+(?:the\s+)?|^the\s+",
    re.I,
)
_FUNDS_LEAD = re.compile(
    r"^(?:the\s+)?(?:funds|funding|support)\s+(?:provided\s+)?(?:from|by|of)\s+", re.I
)
# RAND's own money: common nouns, so matched in lowercase ("Bloomberg Philanthropies"
# is a funder's name) ...
_OWN_MONEY = re.compile(
    r"\b(?:income|gifts?|philanthropic|donors?|donations?|supporters|endowment"
    r"|independent research and development|discretionary)\b|\bIR&D\b"
    r"|\b[Ii]ndependent [Rr]esearch and [Dd]evelopment\b"
)
# ... unless it names a giver that is not RAND ("a gift from the Smith Foundation").
_NAMED_GIVER = re.compile(r"\b(?:from|by)\s+(?:the\s+)?(?!RAND\b)[A-Z]")


def read_indicia(paragraphs: Iterable[str]) -> Indicia:
    """Read the indicia paragraphs (several sentences each) into one ``Indicia``.

    The first sentence that names a unit gives both program and division; the first
    external funder of each kind, and the first mention of RAND's own money, win.

    >>> read_indicia(["This research was sponsored by the United States Army and "
    ...     "conducted within the Strategy Program of the RAND Arroyo Center."])
    Indicia(sponsor='United States Army', funder=None, program='Strategy Program', \
division='RAND Arroyo Center', funding=None)
    >>> read_indicia(["Funding for this research was provided by gifts from RAND "
    ...     "supporters and income from operations."]).funding
    'gifts from RAND supporters and income from operations'
    """
    found: dict[str, str] = {}
    for sentence in _sentences(paragraphs):
        _read_sentence(sentence, found)
    return Indicia(**found)


def _sentences(paragraphs: Iterable[str]) -> Iterable[str]:
    for paragraph in paragraphs:
        if first_word(paragraph, _WORDS) is not None:
            yield from _SENTENCE_END.split(paragraph)


def _read_sentence(sentence: str, found: dict[str, str]) -> None:
    """Add to ``found`` what this sentence says that no earlier one said."""
    if "program" not in found and "division" not in found:
        program, division = _conducted(sentence)
        if program:
            found["program"] = program
        if division:
            found["division"] = division
    for pattern, words, kind in _MONEY_PATTERNS:
        match = search_from_words(pattern, sentence, words)
        if match is None:
            continue
        role, text = _money(match["who"], kind)
        if text and role not in found:
            found[role] = text


_MONEY_PATTERNS = (
    (SPONSORED, SPONSORED_WORDS, "sponsor"),
    (FUNDING_PROVIDED, FUNDING_WORDS, "funder"),
    (MADE_POSSIBLE, MADE_POSSIBLE_WORDS, "sponsor"),
    (WITH_SUPPORT, WITH_WORDS, "sponsor"),
    (USING, USING_WORDS, "sponsor"),
)


def _money(text: str, role: str) -> tuple[str, str | None]:
    """(role, text) for who paid: ("funding", as worded) for RAND's own money, else
    (role, the funder's name).

    >>> _money("philanthropic gifts to RAND and conducted by RAND Health.", "sponsor")
    ('funding', 'philanthropic gifts to RAND')
    >>> _money("a grant from the Ford Foundation.", "sponsor")
    ('sponsor', 'Ford Foundation')
    """
    end = _MONEY_END.search(text)
    text = _trim(text[: end.start()] if end else text)
    if _OWN_MONEY.search(text) and not _NAMED_GIVER.search(text):
        return "funding", _name(_FUNDS_LEAD.sub("", text, count=1))
    return role, _name(_FUNDER_LEAD.sub("", text, count=1))


def _conducted(sentence: str) -> tuple[str | None, str | None]:
    """(program, division) from a sentence saying which unit did the work.

    >>> _conducted("It was conducted by the Meselson Center within RAND Global and "
    ...     "Emerging Risks using income from operations.")
    ('Meselson Center', 'RAND Global and Emerging Risks')
    >>> _conducted("It was conducted within RAND Project AIR FORCE.")
    (None, 'RAND Project AIR FORCE')
    """
    match = search_from_words(CONDUCTED, sentence, CONDUCTED_WORDS)
    while match is not None:
        units = _trim(match["units"])
        # "conducted for the U.S. Army" names a client, not a unit
        if match["prep"].lower() != "for" or _is_rand(units):
            program, division = _units(units)
            if program or division:
                return program, division
        match = CONDUCTED.search(sentence, match.start() + 1)
    return None, None


def _units(text: str) -> tuple[str | None, str | None]:
    """(program, division) from the unit clause: "Y of the RAND Z", or one unit."""
    end = _UNIT_END.search(text)
    stop = end.start() if end else len(text)
    for split in _UNIT_SPLIT.finditer(text):
        if split.start() > stop:
            break
        inner, outer = _unit(text[: split.start()]), _unit(_cut_unit(text[split.end() :]))
        if inner and outer:
            return inner, outer
        break
    only = _unit(text[:stop])
    if only is None:
        return None, None
    return (None, only) if _is_rand(only) else (only, None)


def _cut_unit(text: str) -> str:
    end = _UNIT_END.search(text)
    return text[: end.start()] if end else text


def _unit(text: str) -> str | None:
    """A unit's name, "the" and trailing stops dropped; None unless it starts as a name."""
    name = _name(re.sub(r"^the\s+", "", _trim(text), flags=re.I))
    return name if name and name[0].isupper() else None


def _is_rand(text: str) -> bool:
    return re.match(r"(?:[Tt]he\s+)?RAND\s", text) is not None


def _trim(text: str) -> str:
    return text.strip().rstrip(".,;: ").strip()


def _name(text: str) -> str | None:
    return clean_text(text) or None
