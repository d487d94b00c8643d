"""A page that cannot be parsed gives a one-line ParseError, never a half record."""

from __future__ import annotations

import gzip

import pytest

from harvest.errors import ParseError
from harvest.parse import parse_page
from tests.conftest import SITE

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
