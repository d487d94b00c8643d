"""Parse author lines ("By A, B, and C", "Edited by A and B") and single names.

``parse_author_list`` splits a byline into names in page order and tells authors
from editors. ``person_name`` cleans one name and turns the inverted form used
in citation meta tags ("Levin, Norman D.") around.

Name suffixes (Jr., Sr., II, III, IV, Ph.D., M.D., ...) stay with their name.
A list of inverted names ("Smith, John, Doe, Jane") cannot be told from a list
of two-part names and is split at every comma.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harvest.normalize._text import clean_text

SUFFIX = re.compile(
    r"(?:jr|sr|ii|iii|iv|esq|ph\.?\s?d|m\.?\s?d|j\.?\s?d|m\.?\s?p\.?\s?h|m\.?\s?b\.?\s?a)\.?",
    re.IGNORECASE,
)
_EDITOR_TOKEN = re.compile(r"\(?\s*(?:eds?\.?|editors?)\s*\)?", re.IGNORECASE)
EDITOR_PAREN = re.compile(r"\s*\(\s*(?:eds?\.?|editors?)\s*\)", re.IGNORECASE)
LEADS = re.compile(
    r"(?:\s*(?:edited\s+by|editors?\s*:|eds?\.\s*:|(?:written\s+)?by\b\s*:?"
    r"|authors?\s*:|contributors?\s*:)\s*)*",
    re.IGNORECASE,
)
EDITOR_LABEL = re.compile(r"edited|editor|eds?\.", re.IGNORECASE)
ET_AL = re.compile(r"(?:,\s*|\s+)et\.?\s+al\.?\s*$", re.IGNORECASE)
SEPARATORS = re.compile(
    r"\s*;\s*|\s*&\s*|,?\s+and\s+|,?\s+with\s+(?:contributions?\s+(?:from|by)\s+)?",
    re.IGNORECASE,
)
# What a separator, of any kind, cannot do without: looked for before splitting, as
# SEPARATORS tries its four forms at every position of the line.
SEPARATOR_HINT = re.compile(r"[;&]|\s(?:and|with)\s", re.IGNORECASE)
_CONNECTOR = re.compile(r"(?:and|with|by|et\.?\s*al\.?)", re.IGNORECASE)
LEADING_JUNK = re.compile(r"^(?:[^\w]|_)+")
_TRAILING_JUNK = re.compile(r"(?:[^\w)]|_)+$")
_INITIALS = re.compile(r"(?:\w\.)+")
_MAX_NAME_LENGTH = 300  # longer "names" are junk, not people


@dataclass(frozen=True, slots=True)
class AuthorList:
    """Names in page order and the role they are credited with."""

    names: list[str]
    role: str  # "author" or "editor"


def strip_edges(text: str) -> str:
    """Remove punctuation around a name, keeping initials' and suffixes' dots."""
    if text and text[0].isalnum() and text[-1].isalnum():
        return text  # nothing to strip (the usual case): junk is what is not alphanumeric
    text = LEADING_JUNK.sub("", text)
    previous = None
    while text != previous:
        previous, text = text, strip_tail(text)
    return text


def strip_tail(text: str) -> str:
    junk = _TRAILING_JUNK.search(text)
    if junk:
        core = text[: junk.start()]
        text = core + "." if junk.group().startswith(".") and _keeps_dot(core) else core
    extra = text.count(")") - text.count("(")
    while extra > 0 and text.endswith(")"):
        text, extra = text[:-1], extra - 1
    return text


def _keeps_dot(core: str) -> bool:
    """Whether a final "." belongs to the name: an initial ("D.") or a suffix ("Jr.")."""
    last = core[max(core.rfind(" "), core.rfind(",")) + 1 :] + "."
    return bool(_INITIALS.fullmatch(last) or SUFFIX.fullmatch(last))


def invert(parts: list[str]) -> str:
    """Join comma-separated parts of one name, turning "Last, First" around."""
    if len(parts) < 2:
        return ", ".join(parts)  # nothing to turn around
    main = [p for p in parts if not SUFFIX.fullmatch(p)]
    suffixes = [p for p in parts if SUFFIX.fullmatch(p)]
    if len(main) != 2 or parts[0] != main[0]:
        return ", ".join(parts)
    family, given = main
    words = given.split(" ")
    if len(words) > 1 and SUFFIX.fullmatch(words[-1]):
        given, suffixes = " ".join(words[:-1]), [words[-1], *suffixes]
    return ", ".join([f"{given} {family}", *suffixes])


def person_name(text: str | None) -> str | None:
    """Return one person's name cleaned, in natural order.

    >>> person_name("Levin, Norman D.")
    'Norman D. Levin'
    >>> person_name("Smith, John, Jr.")
    'John Smith, Jr.'
    >>> person_name("  John   Smith, Jr. ")
    'John Smith, Jr.'
    >>> person_name("--") is None
    True
    """
    cleaned = clean_text(text)
    if cleaned is None or len(cleaned) > _MAX_NAME_LENGTH:
        return None
    parts = [strip_edges(p.strip()) for p in cleaned.split(",")]
    name = strip_edges(invert([p for p in parts if p]))
    return name if any(c.isalpha() for c in name) else None


def strip_role(text: str) -> tuple[str, bool]:
    """Remove byline labels and editor markers; say whether editors were marked."""
    editor = False
    lead = LEADS.match(text)
    if lead and lead.group():
        editor = EDITOR_LABEL.search(lead.group()) is not None
        text = text[lead.end() :]
    count = 0
    if "(" in text:  # both need it; most lines have neither
        text, count = EDITOR_PAREN.subn("", text)
    if _may_end_with_et_al(text):
        text = ET_AL.sub("", text)
    return text, editor or count > 0


def _may_end_with_et_al(text: str) -> bool:
    """Whether ET_AL may match: its last letters, before spaces and a dot, are "al"."""
    return text.rstrip().rstrip(".")[-2:].lower() == "al"


def _merge_suffixes(segments: list[str]) -> tuple[list[str], bool]:
    """Attach suffix segments to the preceding name; drop "ed."/"eds." markers."""
    names: list[str] = []
    editor = False
    for raw in segments:
        segment = raw.strip()
        if _EDITOR_TOKEN.fullmatch(segment):
            editor = True
        elif names and SUFFIX.fullmatch(segment):
            names[-1] = f"{names[-1]}, {segment}"
        elif segment and not _CONNECTOR.fullmatch(segment):
            names.append(segment)
    return names, editor


def parse_author_list(text: str | None) -> AuthorList | None:
    """Split an author line into names in page order, with the credited role.

    >>> parse_author_list("By John Smith, Jr., Ann Lee, and Bo Chen")
    AuthorList(names=['John Smith, Jr.', 'Ann Lee', 'Bo Chen'], role='author')
    >>> parse_author_list("Edited by Jürgen Müller & Zoë Ćosić")
    AuthorList(names=['Jürgen Müller', 'Zoë Ćosić'], role='editor')
    >>> parse_author_list("Ann Lee and Bo Chen, eds.").role
    'editor'
    >>> parse_author_list("by") is None
    True
    """
    cleaned = clean_text(text)
    if cleaned is None:
        return None
    body, editor = strip_role(cleaned)
    names: list[str] = []
    parts = SEPARATORS.split(body) if SEPARATOR_HINT.search(body) else [body]
    for part in parts:
        merged, marked = _merge_suffixes(part.split(","))
        editor = editor or marked
        names.extend(n for n in map(person_name, merged) if n)
    if not names:
        return None
    return AuthorList(names=names, role="editor" if editor else "author")
