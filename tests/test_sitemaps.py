"""XML sitemaps: entries, lastmod forms, gzip, caps, and hostile or wrong bodies refused."""

from __future__ import annotations

import contextlib
import doctest
import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import harvest.run._sitemaps
from harvest.errors import ParseError
from harvest.run._sitemaps import (
    MAX_URL_LENGTH,
    Sitemap,
    SitemapEntry,
    SitemapError,
    parse_sitemap,
)

NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
PUB = "https://www.rand.org/pubs/research_reports/RR{}.html"


def urlset(rows: str, namespace: str = NS) -> bytes:
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset{xmlns}>{rows}</urlset>'.encode()


def url_row(loc: str, lastmod: str | None = None) -> str:
    extra = f"<lastmod>{lastmod}</lastmod>" if lastmod is not None else ""
    return f"<url><loc>{loc}</loc>{extra}<changefreq>weekly</changefreq></url>"


def many(count: int) -> bytes:
    return urlset("".join(url_row(PUB.format(i), "2025-12-01") for i in range(count)))


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("lastmod", "expected"),
    [
        ("2025-12-01", utc(2025, 12, 1)),
        ("2025-12", utc(2025, 12, 1)),
        ("2025", utc(2025, 1, 1)),
        ("2025-12-01T09:30:15Z", utc(2025, 12, 1, 9, 30, 15)),
        ("2025-12-01T09:30:15+02:00", utc(2025, 12, 1, 7, 30, 15)),
        ("2025-12-01T23:30-05:00", utc(2025, 12, 2, 4, 30)),
        ("2025-12-01T09:30:15.250+00:00", utc(2025, 12, 1, 9, 30, 15).replace(microsecond=250_000)),
        ("2025-12-01T09:30:15", utc(2025, 12, 1, 9, 30, 15)),  # no zone: read as UTC
        ("\n  2025-12-01  \n", utc(2025, 12, 1)),
        ("garbage", None),
        ("", None),
        ("2025-13-01", None),
        ("2025-02-30", None),
        ("0001-01-01T00:00:00+01:00", None),  # before year 1 in UTC
        ("Mon, 01 Dec 2025 09:30:15 GMT", None),  # RFC 1123 is not W3C Datetime
        (None, None),  # no <lastmod>
    ],
)
def test_lastmod_forms(lastmod: str | None, expected: datetime | None) -> None:
    sitemap = parse_sitemap(urlset(url_row(PUB.format(1), lastmod)))
    assert [(e.url, e.lastmod) for e in sitemap.entries] == [(PUB.format(1), expected)]
    assert sitemap.skipped == 0  # an unreadable lastmod keeps its entry


def test_a_urlset_lists_its_pages_in_order() -> None:
    assert parse_sitemap(many(3)) == Sitemap(
        kind="urlset",
        entries=tuple(SitemapEntry(PUB.format(i), utc(2025, 12, 1)) for i in range(3)),
        truncated=False,
        skipped=0,
    )


def test_an_index_lists_its_child_sitemaps_with_lastmod() -> None:
    body = (
        f'<sitemapindex xmlns="{NS}">'
        "<sitemap><loc>https://www.rand.org/sitemap-1.xml.gz</loc>"
        "<lastmod>2025-11-30T22:00:00-02:00</lastmod></sitemap>"
        "<sitemap><loc>https://www.rand.org/sitemap-2.xml</loc></sitemap>"
        "<url><loc>https://www.rand.org/not-an-index-entry.html</loc></url>"
        "</sitemapindex>"
    ).encode()
    sitemap = parse_sitemap(body)
    assert sitemap.kind == "index"
    assert [(e.url, e.lastmod) for e in sitemap.entries] == [
        ("https://www.rand.org/sitemap-1.xml.gz", utc(2025, 12, 1)),
        ("https://www.rand.org/sitemap-2.xml", None),
    ]


@pytest.mark.parametrize(
    "namespace",
    [
        NS,
        "",  # none at all
        "http://www.google.com/schemas/sitemap/0.84",
        "https://www.sitemaps.org/schemas/sitemap/0.9",
    ],
)
def test_accepted_namespaces(namespace: str) -> None:
    sitemap = parse_sitemap(urlset(url_row(PUB.format(7), "2025-12-01"), namespace))
    assert [e.url for e in sitemap.entries] == [PUB.format(7)]


def test_a_gzipped_sitemap_reads_like_the_plain_one() -> None:
    assert parse_sitemap(gzip.compress(many(500))) == parse_sitemap(many(500))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            urlset("<url><loc>\n  https://www.rand.org/a.html?x=1&amp;y=2\t</loc></url>"),
            "https://www.rand.org/a.html?x=1&y=2",
        ),
        (
            urlset("<url><loc><![CDATA[https://www.rand.org/b.html?x=1&y=2]]></loc></url>"),
            "https://www.rand.org/b.html?x=1&y=2",
        ),
        (
            urlset("<url><loc>https://www.rand.org/&#233;t&#xE9;.html</loc></url>"),
            "https://www.rand.org/été.html",
        ),
        (
            (
                '<?xml version="1.0" encoding="UTF-16"?>'
                f'<urlset xmlns="{NS}"><url><loc>https://www.rand.org/é.html</loc></url></urlset>'
            ).encode("utf-16"),
            "https://www.rand.org/é.html",
        ),
        (
            b"\xef\xbb\xbf" + urlset(url_row("https://www.rand.org/bom.html")),
            "https://www.rand.org/bom.html",
        ),
    ],
    ids=["entities-and-whitespace", "cdata", "char-refs", "utf-16", "utf-8-bom"],
)
def test_text_is_decoded_and_stripped(body: bytes, expected: str) -> None:
    assert [e.url for e in parse_sitemap(body).entries] == [expected]


def test_extension_elements_and_unknown_fields_are_passed_over() -> None:
    body = (
        f'<urlset xmlns="{NS}" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">'
        "<url><loc>https://www.rand.org/a.html</loc>"
        "<image:image><image:loc>https://www.rand.org/a.jpg</image:loc></image:image>"
        "<priority>0.8</priority><lastmod>2025-12-01</lastmod></url>"
        "<url><image:loc>https://www.rand.org/only-an-image.jpg</image:loc></url>"
        "</urlset>"
    ).encode()
    sitemap = parse_sitemap(body)
    assert [(e.url, e.lastmod) for e in sitemap.entries] == [
        ("https://www.rand.org/a.html", utc(2025, 12, 1))
    ]
    assert sitemap.skipped == 1  # the second <url> has no <loc> of its own


@pytest.mark.parametrize(
    "row",
    [
        "<url><lastmod>2025-12-01</lastmod></url>",
        "<url><loc></loc></url>",
        "<url><loc>   </loc></url>",
        url_row("/pubs/relative.html"),
        url_row("pubs/relative.html"),
        url_row("javascript:alert(1)"),
        url_row("mailto:someone@rand.org"),
        url_row("ftp://ftp.rand.org/file.pdf"),
        url_row("https://"),
        url_row("https://www.rand.org:99999/bad-port.html"),
        url_row("https://www.rand.org/" + "a" * (MAX_URL_LENGTH - 20)),
    ],
)
def test_entries_without_a_usable_loc_are_skipped_and_counted(row: str) -> None:
    good = url_row(PUB.format(1))
    sitemap = parse_sitemap(urlset(good + row + good))
    assert [e.url for e in sitemap.entries] == [PUB.format(1)] * 2
    assert sitemap.skipped == 1


def test_a_loc_of_the_maximum_length_is_kept() -> None:
    loc = "https://www.rand.org/" + "a" * (MAX_URL_LENGTH - 21)
    assert len(loc) == MAX_URL_LENGTH
    assert [e.url for e in parse_sitemap(urlset(url_row(loc))).entries] == [loc]


@pytest.mark.parametrize(
    ("count", "max_entries", "kept", "truncated"),
    [(10, 3, 3, True), (10, 10, 10, False), (10, 11, 10, False), (10, 0, 0, True)],
)
def test_max_entries_cuts_the_list(
    count: int, max_entries: int, kept: int, truncated: bool
) -> None:
    sitemap = parse_sitemap(many(count), max_entries=max_entries)
    assert [e.url for e in sitemap.entries] == [PUB.format(i) for i in range(kept)]
    assert sitemap.truncated is truncated


def test_a_cut_list_leaves_the_rest_of_the_body_unread() -> None:
    # The cut comes before the damage at the end, so the body reads as a sitemap.
    body = many(5) + b"<broken"
    assert parse_sitemap(body, max_entries=2).truncated
    with pytest.raises(SitemapError, match="malformed XML"):
        parse_sitemap(body)


def bomb(size: int) -> bytes:
    return gzip.compress(urlset(" " * size), compresslevel=9)


def test_a_gzip_bomb_stops_at_max_bytes() -> None:
    body = bomb(8 << 20)
    assert len(body) < 64 << 10
    with pytest.raises(SitemapError, match="larger than 1048576 bytes"):
        parse_sitemap(body, max_bytes=1 << 20)
    assert parse_sitemap(body, max_bytes=9 << 20).entries == ()


def test_a_plain_body_over_max_bytes_is_refused() -> None:
    with pytest.raises(SitemapError, match="larger than 1000 bytes"):
        parse_sitemap(many(50), max_bytes=1000)


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE urlset [\n  <!ENTITY lol0 "lol">\n'
    + "".join(f'  <!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">\n' for i in range(1, 10))
    + f']>\n<urlset xmlns="{NS}"><url><loc>https://www.rand.org/&lol9;</loc></url></urlset>'
).encode()


def test_billion_laughs_is_refused() -> None:
    with pytest.raises(SitemapError, match="DOCTYPE refused"):
        parse_sitemap(BILLION_LAUGHS)


@pytest.mark.parametrize(
    "template",
    [
        '<!DOCTYPE urlset [<!ENTITY secret SYSTEM "{uri}">]>'
        f'<urlset xmlns="{NS}"><url><loc>https://www.rand.org/&secret;</loc></url></urlset>',
        '<!DOCTYPE urlset [<!ENTITY % remote SYSTEM "{uri}"> %remote;]>'
        f'<urlset xmlns="{NS}"><url><loc>https://www.rand.org/a.html</loc></url></urlset>',
        '<!DOCTYPE urlset SYSTEM "{uri}">'
        f'<urlset xmlns="{NS}"><url><loc>https://www.rand.org/a.html</loc></url></urlset>',
    ],
    ids=["general-entity", "parameter-entity", "external-dtd"],
)
def test_external_entities_are_never_read(tmp_path: Path, template: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("MARKER-7f3a", encoding="utf-8")
    body = template.replace("{uri}", secret.as_uri()).encode()
    with pytest.raises(SitemapError, match="DOCTYPE refused") as caught:
        parse_sitemap(body)
    assert "MARKER-7f3a" not in str(caught.value)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "body is empty"),
        (b" \r\n\t ", "body is empty"),
        (b"<!DOCTYPE html>\n<html><head><title>RAND</title></head></html>", "an HTML page"),
        (b"<html><body><p>Moved</p></body></html>", "root element is <html>"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>', "root element is <rss>"),
        (
            b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title></feed>',
            "root element is <feed> in namespace http://www.w3.org/2005/Atom",
        ),
        (
            b'<urlset xmlns="http://example.org/other"><url/></urlset>',
            "root element is <urlset> in namespace http://example.org/other",
        ),
        (b"https://www.rand.org/a.html\nhttps://www.rand.org/b.html\n", "starts b'https://"),
        (b'{"urls": []}', "malformed XML"),
        (b'<?xml version="1.0"?>', "malformed XML"),
        (many(5)[:-40], "malformed XML"),  # cut short: an error, not the entries before the cut
        (urlset(url_row(PUB.format(1))) + b"<urlset/>", "malformed XML"),
        (urlset("<url><loc>https://www.rand.org/&nbsp;</loc></url>"), "malformed XML"),
        (b'<?xml version="1.0" encoding="no-such-codec"?><urlset/>', "encoding"),
        (b'<?xml version="1.0" encoding="shift_jis"?><urlset/>', "encoding"),
        (b'<?xml version="1.0" encoding="rot13"?><urlset/>', "encoding"),
        (b"\x1f\x8bnot really gzip", "not a readable gzip file"),
        (gzip.compress(b"<html><body>gzipped page</body></html>"), "root element is <html>"),
        (gzip.compress(many(5))[:-30], "malformed XML"),  # a cut gzip stream
    ],
)
def test_what_is_not_a_readable_sitemap_is_a_sitemap_error(body: bytes, reason: str) -> None:
    with pytest.raises(SitemapError) as caught:
        parse_sitemap(body)
    message = str(caught.value)
    assert reason in message
    assert "\n" not in message
    assert isinstance(caught.value, ParseError)


@given(st.sampled_from([b"", b"\x1f\x8b", b"\xef\xbb\xbf", b"<urlset>"]), st.binary(max_size=2000))
def test_any_bytes_give_a_sitemap_or_a_sitemap_error(head: bytes, body: bytes) -> None:
    with contextlib.suppress(SitemapError):
        parse_sitemap(head + body, max_entries=5, max_bytes=4000)


PIECES = [
    f'<urlset xmlns="{NS}">',
    "<sitemapindex>",
    "<url>",
    "<sitemap>",
    "<loc>",
    "https://www.rand.org/x.html",
    "</loc>",
    "<lastmod>",
    "2025-12-01T09:30:00+01:00",
    "</lastmod>",
    "</url>",
    "</sitemap>",
    "</urlset>",
    "</sitemapindex>",
    "&amp;",
    "&bad;",
    "<!DOCTYPE urlset>",
    "<![CDATA[x]]>",
    '<?xml version="1.0"?>',
    "<",
    ">",
    " ",
]


@given(st.lists(st.sampled_from(PIECES), max_size=40), st.booleans())
def test_sitemap_like_fragments_give_a_sitemap_or_a_sitemap_error(
    pieces: list[str], gzipped: bool
) -> None:
    body = "".join(pieces).encode()
    try:
        sitemap = parse_sitemap(gzip.compress(body) if gzipped else body, max_entries=3)
    except SitemapError:
        return
    assert len(sitemap.entries) <= 3
    assert all(e.lastmod is None or e.lastmod.tzinfo is UTC for e in sitemap.entries)


def test_the_docstring_examples_hold() -> None:
    assert doctest.testmod(harvest.run._sitemaps).failed == 0
