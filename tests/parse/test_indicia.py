"""The indicia sentences, in the wordings rand.org uses, read into sponsor, program,
division and funding. A new wording seen on the site is a new row."""

from __future__ import annotations

import pytest

from harvest.models import Publication
from harvest.parse import parse_page
from harvest.parse._indicia import Indicia, read_indicia

GIFTS = "income from operations and gifts from RAND supporters, including philanthropic gifts"

# (sentence, (sponsor, program, division, funding)); sponsor is what the record shows,
# from a "sponsored by" clause or a "Funding … was provided by" sentence.
CASES = [
    # -- a sponsor, a program and its RAND division (the fixtures)
    (
        "This research was sponsored by the United States Army and conducted within the "
        "Strategy, Doctrine, and Resources Program of the RAND Arroyo Center.",
        (
            "United States Army",
            "Strategy, Doctrine, and Resources Program",
            "RAND Arroyo Center",
            None,
        ),
    ),
    (
        "The research reported here was sponsored by the Office of the Under Secretary of "
        "Defense for Policy and conducted within the International Security and Defense Policy "
        "Center of the RAND National Defense Research Institute.",
        (
            "Office of the Under Secretary of Defense for Policy",
            "International Security and Defense Policy Center",
            "RAND National Defense Research Institute",
            None,
        ),
    ),
    # -- one unit: a RAND one is a division
    (
        "The research reported here was sponsored by the European Defence Agency and "
        "conducted by RAND Europe.",
        ("European Defence Agency", None, "RAND Europe", None),
    ),
    (
        "The research reported here was sponsored by the United States Air Force and "
        "conducted within RAND Project AIR FORCE.",
        ("United States Air Force", None, "RAND Project AIR FORCE", None),
    ),
    (
        "This research brief describes work done for the RAND Arroyo Center.",
        (None, None, "RAND Arroyo Center", None),
    ),
    (
        "This research was conducted by RAND Health.",
        (None, None, "RAND Health", None),
    ),
    # -- one unit not named RAND: a program
    (
        "This research was conducted within the Center for Asia Pacific Policy.",
        (None, "Center for Asia Pacific Policy", None, None),
    ),
    # -- a unit "with/within/of" a RAND unit, paid by RAND's own money (late 2025)
    (
        "This research was independently initiated and conducted by the Center for the "
        "Geopolitics of Artificial General Intelligence with RAND Global and Emerging Risks "
        f"using {GIFTS}.",
        (
            None,
            "Center for the Geopolitics of Artificial General Intelligence",
            "RAND Global and Emerging Risks",
            GIFTS,
        ),
    ),
    (
        "This research was independently initiated and conducted within the Center on AI, "
        f"Security, and Technology of RAND Global and Emerging Risks using {GIFTS}.",
        (None, "Center on AI, Security, and Technology", "RAND Global and Emerging Risks", GIFTS),
    ),
    (
        "This research was independently initiated and conducted by the Meselson Center "
        f"within RAND Global and Emerging Risks using {GIFTS}.",
        (None, "Meselson Center", "RAND Global and Emerging Risks", GIFTS),
    ),
    (
        "This work was conducted within the Center for Asia Pacific Policy, part of RAND "
        "International.",
        (None, "Center for Asia Pacific Policy", "RAND International", None),
    ),
    (
        "This research was conducted in the Forces and Logistics Program, a unit of the RAND "
        "Project AIR FORCE.",
        (None, "Forces and Logistics Program", "RAND Project AIR FORCE", None),
    ),
    # -- RAND's own money in a funding sentence or clause: funding, never a sponsor
    (
        "Funding for this research was provided by gifts from RAND supporters and income "
        "from operations.",
        (None, None, None, "gifts from RAND supporters and income from operations"),
    ),
    (
        "This research was funded by philanthropic gifts to RAND and conducted by the Center "
        "to Advance Racial Equity Policy within RAND Social and Economic Well-Being.",
        (
            None,
            "Center to Advance Racial Equity Policy",
            "RAND Social and Economic Well-Being",
            "philanthropic gifts to RAND",
        ),
    ),
    (
        "This research was made possible by philanthropic contributions from RAND donors.",
        (None, None, None, "philanthropic contributions from RAND donors"),
    ),
    (
        "This research was conducted by RAND Health Care using funds from RAND's Independent "
        "Research and Development program.",
        (None, None, "RAND Health Care", "RAND's Independent Research and Development program"),
    ),
    (
        "This study was conducted within RAND Education and Labor with support from gifts "
        "to RAND from its donors.",
        (None, None, "RAND Education and Labor", "gifts to RAND from its donors"),
    ),
    # -- an external funder: the sponsor, and no funding
    (
        "Funding for this research was provided by the Robert Wood Johnson Foundation.",
        ("Robert Wood Johnson Foundation", None, None, None),
    ),
    (
        "This research was conducted by RAND Health Care with support from the Robert Wood "
        "Johnson Foundation.",
        ("Robert Wood Johnson Foundation", None, "RAND Health Care", None),
    ),
    (
        "This research was made possible by a grant from the Ford Foundation.",
        ("Ford Foundation", None, None, None),
    ),
    (
        "This study was supported by a gift from Bloomberg Philanthropies and conducted by "
        "the Meselson Center of RAND Global and Emerging Risks.",
        ("Bloomberg Philanthropies", "Meselson Center", "RAND Global and Emerging Risks", None),
    ),
    (
        "The research described in this report was sponsored by the U.S. Air Force under "
        "Contract F49642-01-C-0003. Further information may be obtained from the Strategic "
        "Planning Division.",
        ("U.S. Air Force", None, None, None),
    ),
    (
        "The research was conducted within the RAND National Defense Research Institute, a "
        "federally funded research and development center sponsored by the Office of the "
        "Secretary of Defense.",
        (
            "Office of the Secretary of Defense",
            None,
            "RAND National Defense Research Institute",
            None,
        ),
    ),
    # -- the unit first, the sponsor after it
    (
        "This research was conducted within the Homeland Security Research Division and "
        "sponsored by the Department of Homeland Security.",
        ("Department of Homeland Security", "Homeland Security Research Division", None, None),
    ),
    # -- nothing to read: nothing guessed
    ("This research was conducted for the U.S. Army.", (None, None, None, None)),
    ("This report is part of the RAND research report series.", (None, None, None, None)),
    (
        "RAND's publications do not necessarily reflect the opinions of its research clients "
        "and sponsors.",
        (None, None, None, None),
    ),
    ("This study was conducted using data from the Census Bureau.", (None, None, None, None)),
]


def _record_view(indicia: Indicia) -> tuple[str | None, ...]:
    return (
        indicia.sponsor or indicia.funder,
        indicia.program,
        indicia.division,
        indicia.funding,
    )


@pytest.mark.parametrize(("sentence", "expected"), CASES, ids=lambda v: str(v)[:50])
def test_wording(sentence: str, expected: tuple[str | None, ...]) -> None:
    assert _record_view(read_indicia([sentence])) == expected


def test_an_external_funding_sentence_is_the_funder_not_the_sponsor_clause() -> None:
    said = read_indicia(["Funding for this research was provided by the Smith Foundation."])
    assert (said.sponsor, said.funder) == (None, "Smith Foundation")


def test_sentences_of_one_paragraph_and_of_several_are_read_alike() -> None:
    sentences = [
        "This research was sponsored by the United States Army.",
        "It was conducted within the Strategy Program of the RAND Arroyo Center.",
    ]
    assert read_indicia([" ".join(sentences)]) == read_indicia(sentences)
    assert read_indicia(sentences).program == "Strategy Program"


def test_the_first_sentence_naming_units_gives_both() -> None:
    said = read_indicia(
        ["This research was conducted by RAND Europe.", "It was conducted within the X Program."]
    )
    assert (said.program, said.division) == (None, "RAND Europe")


def test_a_page_whose_program_sentence_carries_a_funding_clause() -> None:
    body = f"""<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><main>
    <div class="product-header"><h1 id="RANDTitleHeadingId">A Title</h1></div>
    <div id="indicia"><p>This research was independently initiated and conducted by the
    Center for the Geopolitics of Artificial General Intelligence with RAND Global and
    Emerging Risks using {GIFTS}.</p>
    <p>This publication is part of the RAND research report series.</p></div>
    </main></body></html>"""
    parsed = parse_page("https://www.rand.org/pubs/research_reports/RRA1-1.html", body)
    record = parsed.record
    assert isinstance(record, Publication)
    assert record.program == "Center for the Geopolitics of Artificial General Intelligence"
    assert record.division == "RAND Global and Emerging Risks"
    assert record.funding == GIFTS
    assert record.sponsor is None
    assert record.series == "RAND research report series"
    assert parsed.provenance["funding"].source == "dom indicia sentence"
    assert parsed.provenance["program"].source == "dom indicia sentence"


def test_the_research_conducted_by_block_comes_first_for_the_division() -> None:
    body = """<!DOCTYPE html><html><body><main>
    <div class="product-header"><h1 id="RANDTitleHeadingId">A Title</h1></div>
    <div class="conducted"><ul><li>RAND National Security Research Division</li></ul></div>
    <div id="indicia"><p>This research was sponsored by the Navy and conducted within the
    Navy and Marine Forces Program of RAND Project AIR FORCE.</p></div></main></body></html>"""
    parsed = parse_page("https://www.rand.org/pubs/research_reports/RRA2-1.html", body)
    record = parsed.record
    assert isinstance(record, Publication)
    assert (record.sponsor, record.program) == ("Navy", "Navy and Marine Forces Program")
    assert record.division == "RAND National Security Research Division"
    assert parsed.provenance["division"].source == "dom research conducted by"
