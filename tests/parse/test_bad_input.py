"""A page that cannot be parsed gives a one-line ParseError, never a half record."""

from __future__ import annotations

import contextlib
import gzip
import re
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from harvest.errors import ParseError
from harvest.fetch import url_for
from harvest.parse import parse_page
from harvest.parse._html import load_html
from tests.conftest import SITE, site_pages

MG115 = SITE / "www.rand.org/pubs/monographs/MG115.html"
URL = "https://www.rand.org/pubs/monographs/MG115.html"
OTHER_SITE = b"""<!DOCTYPE html><html><head><title>Example Domain</title></head>
<body><div><h1>Example Domain</h1><p>This domain is for use in examples.</p></div></body></html>"""

CASES = {
    "empty": (URL, b"", "empty page"),
    "whitespace": (URL, b"  \n\t ", "empty page"),
    "binary": (URL, bytes(range(256)) * 8, "binary"),
    "gzip bytes": (URL, gzip.compress(b"<html></html>" * 100), "binary"),
    "plain text": (URL, b"just some words, no markup at all", "no HTML markup"),
    "truncated": (URL, MG115.read_bytes()[:9000], "truncated"),
    "cut mid-tag": (URL, b"<div><h1>Title</h1><p class=", "truncated"),
    "other site, other host": ("https://example.com/", OTHER_SITE, "not rand.org"),
    "other site at a rand URL": (URL, OTHER_SITE, "no known page markup"),
    "not a URL": ("pubs/MG115.html", MG115.read_bytes(), "not an absolute"),
}


@pytest.mark.parametrize(("url", "body", "reason"), list(CASES.values()), ids=list(CASES))
def test_bad_input_is_a_clear_parse_error(url: str, body: bytes, reason: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_page(url, body)
    message = str(caught.value)
    assert reason in message
    assert "\n" not in message and len(message) < 200


def test_product_page_without_title_is_refused() -> None:
    body = MG115.read_bytes()
    body = body.replace(b'<h1 id="RANDTitleHeadingId">Do the Ties Still Bind?</h1>', b"")
    for tag in (b"citation_title", b"og:title"):
        body = body.replace(tag, b"x-" + tag)
    body = body.replace(b"<title>", b"<title>").replace(
        b"Do the Ties Still Bind? The U.S.-ROK Security Relationship After 9/11 | RAND", b""
    )
    with pytest.raises(ParseError, match="without a title"):
        parse_page(URL, body)


def test_listing_without_entries_is_refused() -> None:
    body = b"""<!DOCTYPE html><html><head></head><body><main><h1>Security Cooperation</h1>
    <ul class="teasers list"><li><p>nothing here</p></li></ul></main></body></html>"""
    with pytest.raises(ParseError, match="without entries"):
        parse_page("https://www.rand.org/topics/security-cooperation.html", body)


def test_latin1_page_is_decoded_by_its_declared_charset() -> None:
    body = MG115.read_bytes().decode("utf-8").replace("Norman D. Levin", "Norman D. Lévin")
    body = body.replace('<meta charset="utf-8">', '<meta charset="iso-8859-1">')
    record = parse_page(URL, body.encode("latin-1", errors="xmlcharrefreplace")).record
    assert record.authors[0].name == "Norman D. Lévin"  # type: ignore[union-attr]


# Damage a recorded page can come with: bytes that are not UTF-8 (cut or stray
# sequences, surrogates, overlongs), markup cut or inserted at random.
_DAMAGE = st.sampled_from(
    [
        b"\xff",
        b"\xe2\x80",
        b"\xc3",
        b"\xed\xa0\x80",
        b"\xf0\x9f\x98",
        b"\x80\x99",
        b"\xc0\xaf",
        b"<!-- x -->",
        b"<",
        b"</div>",
        b"<p class='",
        b"&#0;",
        b"\x00",
    ]
)
_PAGES = [path for path in site_pages() if path.suffix == ".html"]
Damage = list[tuple[float, bytes]]


def _damaged(path: Path, damage: Damage, *, after_tags: bool) -> bytes:
    """The page with each piece inserted at its relative place: anywhere, or just after
    a tag (between elements, where a stray comment or tag changes the tree the most; at
    any byte, most damage lands inside a text)."""
    body = bytearray(path.read_bytes())
    for where, piece in damage:
        places = [i + 1 for i, byte in enumerate(body) if byte == ord(">")] if after_tags else []
        at = places[int(where * (len(places) - 1))] if places else int(where * len(body))
        body[at:at] = piece
    return bytes(body)


@given(
    st.sampled_from(_PAGES),
    st.lists(st.tuples(st.floats(0, 1), _DAMAGE), min_size=1, max_size=8),
)
@settings(max_examples=200, deadline=None)
def test_a_damaged_page_gives_a_record_or_a_parse_error(path: Path, damage: Damage) -> None:
    body = _damaged(path, damage, after_tags=True)
    # A record, or a clear one-line reason: any other exception fails the test.
    with contextlib.suppress(ParseError):
        parse_page(url_for(path) or URL, body)


@given(
    st.sampled_from(_PAGES),
    st.lists(st.tuples(st.floats(0, 1), _DAMAGE.filter(lambda b: not b.isascii())), max_size=8),
)
@settings(max_examples=100, deadline=None)
def test_invalid_utf8_reads_as_if_decoded_with_replacement_first(
    path: Path, damage: Damage
) -> None:
    # load_html hands lexbor undecodable bytes as they are; selectolax reads them with
    # errors="replace". The tree must be the one the decoded text gives.
    raw = _damaged(path, damage, after_tags=False)
    try:
        tree = load_html(raw)
    except ParseError:
        # Bytes put after the last end tag make the page look cut short, and it is
        # refused as such (another test's matter): no tree to compare.
        assume(False)
    decoded = LexborHTMLParser(raw.decode("utf-8", errors="replace"))
    assert tree.html == decoded.html
    assert tree.root is not None and decoded.root is not None
    assert [node.text(deep=False) for node in tree.root.traverse(include_text=True)] == [
        node.text(deep=False) for node in decoded.root.traverse(include_text=True)
    ]


_RAW_TEXT = re.compile(rb"(<(script|style|textarea|title)\b.*?</\2\s*>)", re.I | re.S)
_END_TAG = re.compile(rb"(</[a-zA-Z][^>]*>)")


@pytest.mark.parametrize("path", _PAGES, ids=lambda path: path.name)
def test_comments_between_elements_change_nothing(path: Path) -> None:
    # A comment after every end tag (outside scripts, styles and titles, where it would
    # be text): every element then has comment children, which no reader may trip on.
    body = path.read_bytes()
    parts = _RAW_TEXT.split(body)
    commented = b"".join(
        part if i % 3 == 1 else _END_TAG.sub(rb"\1<!-- c -->", part)
        for i, part in enumerate(parts)
        if i % 3 != 2
    )
    url = url_for(path) or URL
    original, changed = parse_page(url, body), parse_page(url, commented)
    skip = {"content_sha256", "fetched_at"}
    assert changed.record.model_dump(exclude=skip) == original.record.model_dump(exclude=skip)
    assert changed.links == original.links


@pytest.mark.parametrize(
    ("codec", "bom", "content_type"),
    [
        ("utf-16-le", b"\xff\xfe", None),
        ("utf-16-be", b"\xfe\xff", None),
        ("utf-16-le", b"", "text/html; charset=UTF-16"),
        ("utf-16-le", b"", None),  # no label at all: "<" beside a NUL
        ("utf-16-be", b"", None),
    ],
    ids=["le-bom", "be-bom", "le-header", "le-bare", "be-bare"],
)
def test_a_utf_16_page_is_read_not_refused_as_binary(
    codec: str, bom: bytes, content_type: str | None
) -> None:
    # Issue 18, defect 6: UTF-16's NUL bytes made a whole page "binary data".
    text = MG115.read_bytes().decode("utf-8")
    body = bom + text.replace('charset="utf-8"', 'charset="utf-16"').encode(codec)
    wide = parse_page(URL, body, content_type=content_type).record
    plain = parse_page(URL, MG115.read_bytes()).record
    skip = {"fetched_at", "content_sha256"}
    assert wide.model_dump(exclude=skip) == plain.model_dump(exclude=skip)
