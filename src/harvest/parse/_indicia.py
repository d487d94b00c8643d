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
# Where a sentence may end (whitespace is single spaces by then) ...
_SENTENCE_END = re.compile(r"[.!?] (?=[\"“(]?[A-Z])")
# ... unless the stop ends an initial or an abbreviation ("U.S. Army", "Co. Ltd").
_ABBREVIATION = re.compile(r"(?:^|\W)(?:[A-Z]|Inc|Co|No|St|Jr)\.$")
# The fixed notices beside the indicia: never searched.
_NOTICES = ("This document and trademark", "RAND is a nonprofit institution", "Permission is")
# The regexes below read text whose whitespace is single spaces, and each begins with
# one character class, so a search skips straight to the few places a match can begin.
# The clause after a unit name: lowercase words mid-sentence, so never part of a name.
_UNIT_END = re.compile(
    r"[ ,;(\u2014]"
    r"(?:(?<= )(?:using|through|via|under|as part of|on behalf of|at the request"
    r"|in (?:collaboration|partnership|cooperation|consultation) with) "
    r"|(?<= )with (?:(?:the|generous|financial|additional|partial) )*(?:support|funding"
    r"|funds|grants?|a grant|gifts?|a gift|contributions|sponsorship|income)\b"
    r"|(?<=[ ,]) ?and (?:(?:was|is|were) )?(?:funded|sponsored|supported|paid|made|financed"
    r"|commissioned)\b"
    r"|(?<=[ ,]) ?(?:funded|sponsored|supported|financed) (?:by|through|with)\b"
    r"|(?<=,) (?:including|using|which|who|whose|under|through|for|on|in|an?|the) "
    r"|(?<=,) with (?!(?:the )?RAND )"
    r"|(?<=[;(\u2014])|(?<= )[-\u2013] )"
)
# What joins an inner unit to the RAND unit holding it ("Y Program of the RAND Z
# Division"), just before "RAND ": only there, as "of" is in many names.
_JOIN = re.compile(
    r"[ ,](?:(?<=,) ?(?:(?:an? )?(?:part|unit|program|center|component|division) of )?"
    r"|(?<= )(?:of|with|within|in|at|inside|part of) )(?:the )?\Z"
)
# The end of a funder's name or a funding clause: the unit clause after it.
_MONEY_END = re.compile(
    r"[ ,(](?:(?<=[ ,]) ?and (?:(?:was|is|were) )?(?:(?:independently )?initiated and )?"
    r"(?:conducted|carried out|undertaken|performed|prepared|produced|written)\b"
    r"|(?<= )under (?:contract|grant|award|agreement|cooperative|the auspices)\b"
    r"|(?<=\())",
    re.I,
)
_FUNDER_LEAD = re.compile(
    r"(?:the )?(?:(?:an?|generous|additional|financial) )*"
    r"(?:funds|funding|support|grants?|gifts?|awards?|contracts?) (?:provided )?"
    r"(?:from|by|of) (?:the )?|the ",
    re.I,
)
_FUNDS_LEAD = re.compile(r"(?:the )?(?:funds|funding|support) (?:provided )?(?:from|by|of) ", re.I)
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
    for given in paragraphs:
        if given.startswith(_NOTICES) or first_word(given, _WORDS) is None:
            continue
        paragraph = " ".join(given.split())
        start = 0
        for stop in _SENTENCE_END.finditer(paragraph):
            end = stop.start() + 1
            if _ABBREVIATION.search(paragraph, max(end - 5, 0), end) is None:
                yield paragraph[start:end]
                start = end + 1
        yield paragraph[start:]


def _read_sentence(sentence: str, found: dict[str, str]) -> None:
    """Add to ``found`` what this sentence says that no earlier one said."""
    if "program" not in found and "division" not in found:
        program, division = _conducted(sentence)
        if program:
            found["program"] = program
        if division:
            found["division"] = division
    lower = sentence.lower() if sentence.isascii() else None
    for pattern, words, kind in _MONEY_PATTERNS:
        match = _search(pattern, sentence, lower, words)
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


def _search(
    pattern: re.Pattern[str], text: str, lower: str | None, words: tuple[str, ...]
) -> re.Match[str] | None:
    """``search_from_words`` for a text lowercased once for all the patterns (None: a
    non-ASCII text, searched whole)."""
    if lower is None:
        return pattern.search(text)
    found = [i for i in map(lower.find, words) if i >= 0]
    return pattern.search(text, min(found)) if found else None


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
        return "funding", _name(_without(_FUNDS_LEAD, text))
    return role, _name(_without(_FUNDER_LEAD, text))


def _without(lead: re.Pattern[str], text: str) -> str:
    match = lead.match(text)
    return text[match.end() :] if match else text


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
    at = text.find("RAND ", 1)
    while at > 0:
        join = _JOIN.search(text, max(at - 40, 0), at)
        if join is not None:
            if join.start() > stop:
                break
            inner, outer = _unit(text[: join.start()]), _unit(_cut_unit(text[at:]))
            if inner and outer:
                return inner, outer
            break
        at = text.find("RAND ", at + 1)
    only = _unit(text[:stop])
    if only is None:
        return None, None
    return (None, only) if _is_rand(only) else (only, None)


def _cut_unit(text: str) -> str:
    end = _UNIT_END.search(text)
    return text[: end.start()] if end else text


def _unit(text: str) -> str | None:
    """A unit's name, "the" and trailing stops dropped; None unless it starts as a name."""
    text = _trim(text)
    name = _name(text[4:] if text[:4] in ("the ", "The ") else text)
    return name if name and name[0].isupper() else None


def _is_rand(text: str) -> bool:
    return re.match(r"(?:[Tt]he\s+)?RAND\s", text) is not None


def _trim(text: str) -> str:
    return text.strip().rstrip(".,;: ").strip()


def _name(text: str) -> str | None:
    return clean_text(text) or None
