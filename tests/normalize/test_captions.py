"""Table tests for harvest.normalize._captions (captions from rand.org topic pages)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import harvest.normalize._captions as captions
from harvest.normalize._captions import clean_credit, split_caption

ERDOGAN = (
    "Turkish President Recep Tayyip Erdoğan speaks during a ceremony marking the second "
    "anniversary of the attempted coup at the presidential palace in Ankara, July 15, 2018"
)
BLUE_RIDGE = (
    "The U.S. 7th Fleet amphibious command ship USS Blue Ridge (LCC 19) approaches the Royal "
    "Australian Navy's Fleet Base East on Garden Island in Sydney July 15, 2013"
)
IRAQ = "U.S. soldiers train Iraqi security forces near Baghdad, Iraq, October 31, 2018"
PUTIN = (
    "Russia's President Vladimir Putin gestures during a news conference in Helsinki, July 16, 2018"
)
KHMEIMIM = "Russian military jets at Khmeimim Air Base in Syria, June 18, 2016"
SAILORS = "Two Korean sailors watch as the ship arrives in Busan, March 5, 2010"
DUTERTE = (
    "Philippines President Rodrigo Roa Duterte updates the nation on the government's efforts "
    "at the Malago Clubhouse in Malacañang on May 11, 2020"
)

# (function, input, expected)
ROWS: list[tuple[Callable[[str | None], Any], str | None, Any]] = [
    (split_caption, f"{ERDOGAN}, photo by Umit Bektas/Reuters", (ERDOGAN, "Umit Bektas/Reuters")),
    (
        split_caption,
        f"{IRAQ}, photo by 1st Lt. Leland White/U.S. Army National Guard",
        (IRAQ, "1st Lt. Leland White/U.S. Army National Guard"),
    ),
    (split_caption, f"{BLUE_RIDGE}, U.S. Navy Photo", (BLUE_RIDGE, "U.S. Navy Photo")),
    (
        split_caption,
        f"{PUTIN}, photo by Lehtikuva/Jussi Nukari/Reuters",
        (PUTIN, "Lehtikuva/Jussi Nukari/Reuters"),
    ),
    (
        split_caption,
        f"{KHMEIMIM}, photo by Vadim Savitsky/Russian Defense Ministry via Reuters",
        (KHMEIMIM, "Vadim Savitsky/Russian Defense Ministry via Reuters"),
    ),
    (
        split_caption,
        f"{SAILORS}, photo by Petty Officer 1st Class Bobbie Attaway/U.S. Navy",
        (SAILORS, "Petty Officer 1st Class Bobbie Attaway/U.S. Navy"),
    ),
    (
        split_caption,
        f"{DUTERTE}, photo by Ace Morandante/Philippines Office of the President",
        (DUTERTE, "Ace Morandante/Philippines Office of the President"),
    ),
    (split_caption, "Photo by Jane Doe", (None, "Jane Doe")),
    (split_caption, "Soldiers on patrol (Photo by Jane Doe)", ("Soldiers on patrol", "Jane Doe")),
    (
        split_caption,
        "Soldiers on patrol (U.S. Navy photo)",
        ("Soldiers on patrol", "U.S. Navy photo"),
    ),
    (split_caption, "Soldiers on patrol [Image: NASA]", ("Soldiers on patrol", "NASA")),
    (split_caption, "Soldiers on patrol. Photo: Reuters", ("Soldiers on patrol.", "Reuters")),
    (
        split_caption,
        "Soldiers on patrol. Photo credit: Reuters",
        ("Soldiers on patrol.", "Reuters"),
    ),
    (split_caption, "Soldiers on patrol. Image by Reuters", ("Soldiers on patrol.", "Reuters")),
    (
        split_caption,
        "Soldiers on patrol, photo courtesy of the U.S. Army",
        ("Soldiers on patrol", "the U.S. Army"),
    ),
    (split_caption, "Soldiers on patrol — Photo: Reuters", ("Soldiers on patrol", "Reuters")),
    (
        split_caption,
        "Airmen prepare an F-16, U.S. Air Force photo",
        ("Airmen prepare an F-16", "U.S. Air Force photo"),
    ),
    (
        split_caption,
        "Secretary Mattis at the Pentagon, DoD Photo",
        ("Secretary Mattis at the Pentagon", "DoD Photo"),
    ),
    (
        split_caption,
        "Soldiers train, U.S. Army photo by Sgt. Jane Doe",
        ("Soldiers train", "U.S. Army photo by Sgt. Jane Doe"),
    ),
    (
        split_caption,
        "Soldiers train in Iraq. U.S. Army photo",
        ("Soldiers train in Iraq.", "U.S. Army photo"),
    ),
    (split_caption, "U.S. Navy Photo", (None, "U.S. Navy Photo")),
    # A caption that merely ends in "photo" names no source: it is not a credit.
    (split_caption, "A family photo", ("A family photo", None)),
    (split_caption, "Students pose for a class photo", ("Students pose for a class photo", None)),
    (split_caption, "Dinner, a photo", ("Dinner, a photo", None)),
    (
        split_caption,
        "Base, 2019, 3rd Infantry Division photo",
        ("Base, 2019", "3rd Infantry Division photo"),
    ),
    (split_caption, "Credit: Reuters", (None, "Reuters")),
    (split_caption, "A photo of soldiers, in 2018", ("A photo of soldiers, in 2018", None)),
    (split_caption, "  Skyline of   Taipei,\u00a0Taiwan ", ("Skyline of Taipei, Taiwan", None)),
    (split_caption, "", (None, None)),
    (split_caption, None, (None, None)),
    (clean_credit, "Photo by He Penglei/China News Service/VC", "He Penglei/China News Service/VC"),
    (clean_credit, "He Penglei/China News Service/VC", "He Penglei/China News Service/VC"),
    (clean_credit, "Photo:  AP", "AP"),
    (clean_credit, "PHOTO CREDIT: Reuters", "Reuters"),
    (clean_credit, "Image: NASA", "NASA"),
    (clean_credit, "Image by Getty Images", "Getty Images"),
    (clean_credit, "Credit: Reuters", "Reuters"),
    (clean_credit, "Courtesy of the U.S. Army", "the U.S. Army"),
    (clean_credit, "(Photo by Jane Doe)", "Jane Doe"),
    (clean_credit, "U.S. Navy Photo", "U.S. Navy Photo"),
    (clean_credit, "Photo by", None),
    (clean_credit, "  ", None),
    (clean_credit, None, None),
]


@pytest.mark.parametrize(
    ("func", "text", "expected"), ROWS, ids=[f"{f.__name__}:{t!r}"[-60:] for f, t, _ in ROWS]
)
def test_captions(func: Callable[[str | None], Any], text: str | None, expected: Any) -> None:
    assert func(text) == expected


# Pieces that make captions with and without credits, in any case, with the leads and
# brackets the markers need, and a non-ASCII letter that IGNORECASE folds ("ſ" for "s").
_PIECES = st.sampled_from(
    [
        "photo",
        "Photo by",
        "PHOTOGRAPHS courtesy of",
        "images",
        "Image:",
        "illustration",
        "photo illustration by",
        "graphic by",
        "courtesy",
        "Credit:",
        "credits",
        "source:",
        "Source",
        "by",
        "of",
        "Navy",
        "U.S.",
        "Jane Doe",
        "Reuters",
        "2019",
        ",",
        ".",
        ";",
        " - ",
        " | ",
        "(",
        ")",
        "[",
        "]",
        ":",
        "Ankara",
        "ſource:",
        "phoTo",
        "é",
        "  ",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=12).map(" ".join))
@example("A photo of soldiers, in 2018")
@example("Sydney, 2013, U.S. Navy Photo")
@example("Ankara — ſource: Reuters")
def test_split_caption_searches_from_the_first_marker_word_as_from_the_start(text: str) -> None:
    """The speed-up (marker search from the first marker word, none without one) gives
    what searching the whole text gives."""
    fast = split_caption(text)
    original = captions.first_word
    captions.first_word = lambda text, words: 0  # type: ignore[assignment]
    try:
        assert fast == split_caption(text)
    finally:
        captions.first_word = original
