"""Table tests for harvest.normalize._names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import harvest.normalize._names as names
from harvest.normalize._names import AuthorList, parse_author_list, person_name


def _authors(*names: str) -> AuthorList:
    return AuthorList(names=list(names), role="author")


def _editors(*names: str) -> AuthorList:
    return AuthorList(names=list(names), role="editor")


# (function, input, expected)
ROWS: list[tuple[Callable[[str | None], Any], str | None, Any]] = [
    (parse_author_list, "by Norman D. Levin", _authors("Norman D. Levin")),
    (parse_author_list, "By Ann Lee, Bo Chen", _authors("Ann Lee", "Bo Chen")),
    (parse_author_list, "By: Ann Lee", _authors("Ann Lee")),
    (parse_author_list, "Ann Lee, Bo Chen, and Cy Dee", _authors("Ann Lee", "Bo Chen", "Cy Dee")),
    (parse_author_list, "Ann Lee, Bo Chen and Cy Dee", _authors("Ann Lee", "Bo Chen", "Cy Dee")),
    (parse_author_list, "Ann Lee and Bo Chen", _authors("Ann Lee", "Bo Chen")),
    (parse_author_list, "Ann Lee & Bo Chen", _authors("Ann Lee", "Bo Chen")),
    (parse_author_list, "Ann Lee; Bo Chen", _authors("Ann Lee", "Bo Chen")),
    (parse_author_list, "by Ann Lee with Bo Chen", _authors("Ann Lee", "Bo Chen")),
    (
        parse_author_list,
        "by Ann Lee with contributions from Bo Chen",
        _authors("Ann Lee", "Bo Chen"),
    ),
    (
        parse_author_list,
        "Andrew Anderson and Alexandra Rand",
        _authors("Andrew Anderson", "Alexandra Rand"),
    ),
    (parse_author_list, "Edited by Ann Lee and Bo Chen", _editors("Ann Lee", "Bo Chen")),
    (parse_author_list, "Editors: Ann Lee, Bo Chen", _editors("Ann Lee", "Bo Chen")),
    (parse_author_list, "Ann Lee (ed.)", _editors("Ann Lee")),
    (parse_author_list, "Ann Lee, ed.", _editors("Ann Lee")),
    (parse_author_list, "Ann Lee and Bo Chen, eds.", _editors("Ann Lee", "Bo Chen")),
    (parse_author_list, "Ann Lee (ed.), Bo Chen (ed.)", _editors("Ann Lee", "Bo Chen")),
    (parse_author_list, "John Smith, Jr., Ann Lee", _authors("John Smith, Jr.", "Ann Lee")),
    (parse_author_list, "Ann Lee, M.D., Bo Chen, Sr.", _authors("Ann Lee, M.D.", "Bo Chen, Sr.")),
    (
        parse_author_list,
        "John Smith III and Ann Lee, Ph.D.",
        _authors("John Smith III", "Ann Lee, Ph.D."),
    ),
    (parse_author_list, "Carl Doe, II, and Dan Roe, IV", _authors("Carl Doe, II", "Dan Roe, IV")),
    (parse_author_list, "Ann Lee, Bo Chen, et al.", _authors("Ann Lee", "Bo Chen")),
    (
        parse_author_list,
        "by Jürgen Müller, Zoë Ćosić, and 李明",
        _authors("Jürgen Müller", "Zoë Ćosić", "李明"),
    ),
    (parse_author_list, "Zoe\u0308  Ćosić", _authors("Zoë Ćosić")),
    (parse_author_list, "  by\n Ann\u00a0Lee ", _authors("Ann Lee")),
    (parse_author_list, "RAND Corporation", _authors("RAND Corporation")),
    (parse_author_list, "", None),
    (parse_author_list, "by", None),
    (parse_author_list, "and", None),
    (parse_author_list, ", ;", None),
    (parse_author_list, None, None),
    (person_name, "Levin, Norman D.", "Norman D. Levin"),
    (person_name, "Norman D. Levin", "Norman D. Levin"),
    (person_name, "John Smith, Jr.", "John Smith, Jr."),
    (person_name, "Smith, John, Jr.", "John Smith, Jr."),
    (person_name, "Smith, John Jr.", "John Smith, Jr."),
    (person_name, "Müller, Jürgen", "Jürgen Müller"),
    (person_name, "van der Berg, Jan", "Jan van der Berg"),
    (person_name, "Lee, A.", "A. Lee"),
    (person_name, "J.R.R. Tolkien", "J.R.R. Tolkien"),
    (person_name, "  (Ann   Lee) ", "Ann Lee"),
    (person_name, "Ann Lee.", "Ann Lee"),
    (person_name, '"Ann Lee",', "Ann Lee"),
    (person_name, "--", None),
    (person_name, "", None),
    (person_name, None, None),
]


@pytest.mark.parametrize(
    ("func", "text", "expected"), ROWS, ids=[f"{f.__name__}:{t!r}" for f, t, _ in ROWS]
)
def test_names(func: Callable[[str | None], Any], text: str | None, expected: Any) -> None:
    assert func(text) == expected


def _strip_edges_the_long_way(text: str) -> str:
    text = names.LEADING_JUNK.sub("", text)
    previous = None
    while text != previous:
        previous, text = text, names.strip_tail(text)
    return text


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.lists(
            st.sampled_from(["A", "b", ".", ",", ")", "(", " ", "_", "Jr", "é", "\n", "2"])
        ).map("".join),
    )
)
def test_strip_edges_shortcut_agrees_with_the_long_way(text: str) -> None:
    assert names.strip_edges(text) == _strip_edges_the_long_way(text)


def _strip_role_the_long_way(text: str) -> tuple[str, bool]:
    editor = False
    lead = names.LEADS.match(text)
    if lead and lead.group():
        editor = names.EDITOR_LABEL.search(lead.group()) is not None
        text = text[lead.end() :]
    text, count = names.EDITOR_PAREN.subn("", text)
    return names.ET_AL.sub("", text), editor or count > 0


BYLINES = st.one_of(
    st.text(),
    st.lists(
        st.sampled_from(["Ann Lee", ", ", " and ", " AND ", "; ", " & ", " with ", "By ", "al"])
        | st.sampled_from([" et al.", " ET AL", "et. al", "(eds.)", "(Editor)", ".", "\n", "Wıth"])
        | st.sampled_from([" ", "\u00a0", "Jr.", "contributions from ", "Sandra", "Withers"]),
        max_size=10,
    ).map("".join),
)


@settings(max_examples=1000, deadline=None)
@given(BYLINES)
def test_byline_shortcuts_agree_with_the_long_way(text: str) -> None:
    assert names.strip_role(text) == _strip_role_the_long_way(text)
    split = names.SEPARATORS.split(text)
    assert (split if names.SEPARATOR_HINT.search(text) else [text]) == split
    parts = [part.strip() for part in text.split(",")]
    assert names.invert(parts) == _invert_the_long_way(parts)


def _invert_the_long_way(parts: list[str]) -> str:
    main = [p for p in parts if not names.SUFFIX.fullmatch(p)]
    suffixes = [p for p in parts if names.SUFFIX.fullmatch(p)]
    if len(main) != 2 or parts[0] != main[0]:
        return ", ".join(parts)
    family, given = main
    words = given.split(" ")
    if len(words) > 1 and names.SUFFIX.fullmatch(words[-1]):
        given, suffixes = " ".join(words[:-1]), [words[-1], *suffixes]
    return ", ".join([f"{given} {family}", *suffixes])
