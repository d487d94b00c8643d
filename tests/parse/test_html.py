"""The shared parse helpers give what the plain lexbor calls they stand in for give.

``Finder`` answers whole-page queries by searching inside the elements every match
must lie in; ``load_html`` hands lexbor UTF-8 bytes as they are; ``text_of`` looks
for work before its substitutions; ``join_paragraphs`` skips a second cleaning. Each
is a speed-up only: these tests hold them to the plain answers, node for node.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser, LexborNode

import harvest.parse._commentary as commentary
import harvest.parse._listing as listing
import harvest.parse._product as product
import harvest.parse._publication as publication
from harvest.normalize import clean_paragraphs
from harvest.parse import parse_page
from harvest.parse._finder import Finder, anchor_of, unique
from harvest.parse._html import (
    SPACE_AFTER_OPEN,
    SPACE_BEFORE_CLOSE,
    SPACE_BY_MARK,
    drop_site_chrome,
    elements,
    first_element,
    join_paragraphs,
    load_html,
    meta_all,
    row_cells,
    table_rows,
    text_of,
)
from harvest.sites.rand import COMMENTARY_MARKERS, LISTING_MARKERS, PRODUCT_MARKERS
from tests.conftest import site_pages

# Every whole-page selector the parsers use, and a few more shapes.
SELECTORS = sorted(
    {
        *publication.TITLE_SELECTORS,
        *publication.DATE_SELECTORS,
        *publication.AUTHOR_SELECTORS,
        *publication.TYPE_SELECTORS,
        *commentary.BODY_SELECTORS,
        *commentary.HERO_SELECTORS,
        *product.ABSTRACT_SELECTORS,
        product.BUYBOX_OFFER_SELECTORS,
        *listing.LIST_SELECTORS,
        *listing.NAME_SELECTORS,
        *listing.DESCRIPTION_SELECTORS,
        *listing.NEXT_SELECTORS,
        listing.OUTSIDE,
        *COMMENTARY_MARKERS,
        *PRODUCT_MARKERS,
        *LISTING_MARKERS,
        ".product-header .subtitle",
        "p.subtitle",
        "ul.related-topics li a",
        ".key-findings li",
        ".recommendations li",
        "#buybox a[href], .buybox a[href], .btn-download a[href]",
        "#document-details li, .document-details li",
        "#indicia p, .indicia p",
        ".conducted ul li",
        ".cover-image img",
        ".product-header img[alt^='Cover']",
        "main > h1",
        "div > p",
        "div p, p",
        "li a",
        "article.blog.x",
        "table.ebook-formats",
        "main#page-content",
        "h1[id]",
    }
)

# Anchors nested in anchors, nodes matching two selectors of a list, mixed case.
TRICKY = """<div class="Product-Header"><h1>A</h1><div class="product-header">
<p class="published">x</p><h1>B</h1></div></div>
<div id="indicia" class="indicia"><p>1</p><div class="indicia"><p>2</p></div><p>3</p></div>
<ul class="related-topics"><li><a href="/a">a</a><ul class="related-topics"><li>
<a href="/b">b</a></li></ul></li><li><a href="/c">c</a></li></ul>
<main><h1>t</h1><p>d</p><div><p>e</p></div></main><p class="PUBLISHED">y</p>"""


def _trees() -> list[tuple[str, LexborHTMLParser]]:
    trees = [(str(path.name), load_html(path.read_bytes())) for path in site_pages()]
    trees.append(("tricky, no-quirks", LexborHTMLParser("<!DOCTYPE html>" + TRICKY)))
    trees.append(("tricky, quirks", LexborHTMLParser(TRICKY)))
    return trees


TREES = _trees()


def _ids(nodes: list[LexborNode]) -> list[int]:
    return [node.mem_id for node in nodes]


@pytest.mark.parametrize("selector", SELECTORS)
def test_finder_gives_what_the_tree_gives(selector: str) -> None:
    for name, tree in TREES:
        find = Finder(tree)
        assert _ids(find.css(selector)) == _ids(tree.css(selector)), (name, selector)
        found, expected = find.css_first(selector), tree.css_first(selector)
        assert (found and found.mem_id) == (expected and expected.mem_id), (name, selector)
        # And again, answered from what the Finder has kept.
        assert _ids(find.css(selector)) == _ids(tree.css(selector)), (name, selector)


@pytest.mark.parametrize("order", [1, -1], ids=["sorted", "reversed"])
def test_one_finder_for_all_queries_gives_what_the_tree_gives(order: int) -> None:
    """What a Finder remembers from one query must not change the next one's answer."""
    for name, tree in TREES:
        find = Finder(tree)
        for selector in [*SELECTORS[::order], "article", "table", "main", *SELECTORS]:
            assert _ids(find.css(selector)) == _ids(tree.css(selector)), (name, selector)
            found, expected = find.css_first(selector), tree.css_first(selector)
            assert (found and found.mem_id) == (expected and expected.mem_id), (name, selector)


@pytest.mark.parametrize(
    ("selector", "anchor"),
    [
        (".product-header .published", ".product-header"),
        ("#document-details li, .document-details li", "#document-details, .document-details"),
        ("#buybox li, #buybox .format, #purchase li", "#buybox, #purchase"),
        ("main h1 + p", "main"),
        ("div > p", "div"),
        ("div>p", "div"),
        (".product-header img[alt^='Cover']", ".product-header"),
        ("a[href] b", None),
        ("p.published", None),
        (".post-heading + .photo", None),
        (".post-heading ~ p", None),
        ("div p, p", None),
        ("div:not(.a) p", None),
        ("* p", None),
        ('a[title="x, y"] b', None),
        ("a\\.b c", None),
    ],
)
def test_anchor_of(selector: str, anchor: str | None) -> None:
    assert anchor_of(selector) == anchor


def test_unique_keeps_the_first_of_each_node() -> None:
    tree = LexborHTMLParser('<div id="i" class="i"><p>1</p><p>2</p></div>')
    nodes = tree.css("#i p, .i p")
    assert [n.text() for n in nodes] == ["1", "1", "2", "2"]
    assert [n.text() for n in unique(nodes)] == ["1", "2"]


@pytest.mark.parametrize("path", site_pages(), ids=lambda path: path.name)
def test_utf8_bytes_parse_as_their_decoded_text(path: Path) -> None:
    body = path.read_bytes()
    assert load_html(body).html == LexborHTMLParser(body.decode("utf-8")).html


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body><p>caf\xe9 \xff\xfe</p></body></html>",  # not UTF-8: replaced
        b'<html><head><meta charset="iso-8859-1"></head><body><p>caf\xe9</p></body></html>',
        b'<html><head><meta charset="utf8"></head><body><p>caf\xc3\xa9</p></body></html>',
        b"\xef\xbb\xbf<html><body><p>BOM</p></body></html>",
    ],
)
def test_load_html_reads_what_the_declared_charset_says(body: bytes) -> None:
    charset = "iso-8859-1" if b"iso-8859-1" in body else "utf-8"
    expected = LexborHTMLParser(body.decode(charset, errors="replace"))
    assert load_html(body).html == expected.html


def test_meta_all_reads_names_and_properties_in_order() -> None:
    tree = LexborHTMLParser(
        """<html><head><meta name="citation_author" content=" Doe,  Jane ">
        <meta NAME="Citation_Author" content="Roe, Rick"><meta property="og:title" content="T">
        <meta name="" property="citation_author" content="Poe, Pat"><meta charset="utf-8">
        <meta name="citation_author"><meta name="citation_author" content=" "></head>
        <body><meta name="citation_author" content="Low, Lee"></body></html>"""
    )
    assert meta_all(tree, "citation_author") == ["Doe, Jane", "Roe, Rick", "Poe, Pat", "Low, Lee"]
    assert meta_all(tree, "OG:TITLE") == ["T"]
    assert meta_all(tree, "description") == []


# The two substitutions of text_of as they were first written: the new ones, each
# starting with the space it removes, must remove the same spaces from any text.
OLD_BEFORE_CLOSE = re.compile(r"(?<=\S) +(?=[.,;:!?%)\]}’”](?:\s|$))")
OLD_AFTER_OPEN = re.compile(r"(?<=[(\[{“‘]) +(?=\S)")
MARKS = st.lists(
    st.sampled_from([" ", "  ", "\t", "\n", "a", "b.", ".", ",", ")", "(", "[", "]", "{"])
    | st.sampled_from(["}", "%", "!", "?", ";", ":", "“", "”", "‘", "’", "x y", "\u00a0"]),
    max_size=16,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(MARKS)
def test_space_substitutions_remove_what_they_always_removed(text: str) -> None:
    assert SPACE_BEFORE_CLOSE.sub("", text) == OLD_BEFORE_CLOSE.sub("", text)
    assert SPACE_AFTER_OPEN.sub("", text) == OLD_AFTER_OPEN.sub("", text)


@settings(max_examples=500, deadline=None)
@given(MARKS)
def test_clean_text_without_a_space_by_a_mark_needs_no_substitution(text: str) -> None:
    clean = " ".join(text.split())  # what clean_text gives: one space a run
    if not SPACE_BY_MARK.search(clean):
        assert OLD_AFTER_OPEN.sub("", OLD_BEFORE_CLOSE.sub("", clean)) == clean


@pytest.mark.parametrize(
    "html",
    [
        "<p>One <a>link</a> .</p><p>  Two\n lines </p><p></p><p>( open</p>",
        "<p>Entity &amp;hellip ; made by the space removal</p><p>R&amp;D</p>",
        "<p>&amp;amp;amp;amp;amp;amp;amp;amp;amp;amp; deep</p><p>\u200b</p>",
    ],
)
def test_join_paragraphs_is_clean_paragraphs_for_texts_of_nodes(html: str) -> None:
    parts = [text_of(p) for p in LexborHTMLParser(html).css("p")]
    assert join_paragraphs(parts) == clean_paragraphs(parts)
    assert join_paragraphs([]) is None


def _table_rows_as_first_written(table: LexborNode) -> tuple[list[str], list[dict[str, int]]]:
    rows = table.css("tr")
    if not rows:
        return [], []
    header_row = next((row for row in rows if row.css_first("th")), rows[0])
    headers = [(text_of(cell) or "").lower() for cell in row_cells(header_row)]
    body = []
    for row in rows:
        if row == header_row or (row.css_first("th") and not row.css_first("td")):
            continue
        cells = row_cells(row)
        body.append({headers[i]: cell.mem_id for i, cell in enumerate(cells) if i < len(headers)})
    return headers, body


TABLES = """<table><tr><td>Format</td><td>Size</td></tr><tr><td>PDF</td><td>1 MB</td></tr>
<tr><td>Format</td><td>Size</td></tr></table>
<table><tr><td>a</td></tr><tr><th>Format</th><th>Price</th></tr><tr><td>PB</td><td>$1</td></tr>
<tr><th>Format</th><th>Price</th></tr><tr><th>Sub</th><td>x</td></tr></table>
<table><thead><tr><th>Format</th><th>File Size</th></tr></thead><tbody>
<tr><th>Format</th><th>File Size</th></tr><tr><td>EPUB</td><td>2 MB</td></tr></tbody></table>
<table></table><table><tr></tr></table>
<table><tr><th>Format</th><td>Size</td></tr><tr><td>PDF</td><td>1 MB</td></tr>
<tr><th>Format</th><td>Size</td></tr></table>"""


def test_table_rows_reads_tables_as_first_written() -> None:
    tables = [table for _, tree in TREES for table in tree.css("table")]
    tables += LexborHTMLParser(TABLES).css("table")
    assert len(tables) > 10
    for table in tables:
        headers, rows = table_rows(table)
        as_ids = [{header: cell.mem_id for header, cell in row.items()} for row in rows]
        assert (headers, as_ids) == _table_rows_as_first_written(table)


_CELL = st.tuples(st.sampled_from(["td", "th"]), st.sampled_from(["Format", "Size", "PDF", ""]))


@given(st.lists(st.lists(_CELL, max_size=3), min_size=1, max_size=5))
@settings(max_examples=300, deadline=None)
def test_table_rows_reads_any_small_table_as_first_written(
    rows: list[list[tuple[str, str]]],
) -> None:
    html = "".join(
        "<tr>" + "".join(f"<{tag}>{text}</{tag}>" for tag, text in row) + "</tr>" for row in rows
    )
    table = LexborHTMLParser(f"<table>{html}</table>").css_first("table")
    assert table is not None
    headers, body = table_rows(table)
    as_ids = [{header: cell.mem_id for header, cell in row.items()} for row in body]
    assert (headers, as_ids) == _table_rows_as_first_written(table)


def _chrome_page(header: str, footer: str = "<footer><p>©</p></footer>") -> str:
    return (
        "<html><head><title>T</title></head><body>"
        f"{header}<main><header class='post-heading'><h1>Title</h1></header>"
        "<p>Body</p><footer class='post-footer'><p>Note</p></footer></main>"
        f"{footer}</body></html>"
    )


def _tags(tree: LexborHTMLParser) -> list[str]:
    return [node.tag or "" for node in tree.root.traverse()]


def test_drop_site_chrome_takes_the_body_level_header_and_footer_only() -> None:
    tree = LexborHTMLParser(_chrome_page("<header><nav><ul><li>Topics</li></ul></nav></header>"))
    assert drop_site_chrome(tree) == 2
    assert tree.css_first("nav") is None
    # The content's own header and footer, inside <main>, stay.
    assert [n.attributes.get("class") for n in tree.css("header, footer")] == [
        "post-heading",
        "post-footer",
    ]
    assert text_of(tree.css_first("h1")) == "Title"


@pytest.mark.parametrize(
    "kept",
    [
        "<h1>The page's title in the banner</h1>",
        "<main><p>Content</p></main>",
        "<article><p>Content</p></article>",
        "<meta name='citation_title' content='T'>",
        "<link rel='next' href='/p2.html'>",
        "<script type='application/ld+json'>{}</script>",
    ],
)
def test_drop_site_chrome_keeps_a_block_holding_what_parsers_read_anywhere(kept: str) -> None:
    page = _chrome_page(f"<header>{kept}</header>", f"<footer>{kept}</footer>")
    tree = LexborHTMLParser(page)
    before = _tags(tree)
    assert drop_site_chrome(tree) == 0
    assert _tags(tree) == before


def test_a_teaser_list_in_the_site_banner_does_not_make_a_page_a_listing() -> None:
    nav = "<header><nav><ul class='teasers'><li><h3><a href='/x.html'>X</a></h3></li></ul>"
    body = f"""<html><head><meta charset="utf-8"></head><body>{nav}</nav></header>
    <main><div class="product-header"><h1>A Report</h1></div></main></body></html>"""
    parsed = parse_page("https://www.rand.org/topics/a.html", body.encode())
    assert parsed.kind == "product"
    assert parsed.record.title == "A Report"


_TAGS = ["a", "strong", "th", "td", "img", "p", "template", "svg", "li"]
_FRAGMENT = st.recursive(
    st.sampled_from(["x", "", "<img>", "<img src='i.png'>", "<!-- a -->"]),
    lambda inner: st.builds(
        lambda tag, href, parts: f"<{tag}{href}>{''.join(parts)}</{tag}>",
        st.sampled_from(_TAGS),
        st.sampled_from(["", " href", " href='/a'", " HREF='/b'"]),
        st.lists(inner, max_size=3),
    ),
    max_leaves=12,
)


@given(_FRAGMENT, st.sampled_from(["a", "strong", "th", "td", "img", "li"]), st.booleans())
@settings(max_examples=400, deadline=None)
def test_first_element_and_elements_are_lexbors_answers(
    fragment: str, tag: str, with_href: bool
) -> None:
    tree = LexborHTMLParser(
        f"<table><tr><td>{fragment}</td></tr></table><ul><li>{fragment}</li></ul>"
    )
    selector = f"{tag}[href]" if with_href else tag
    attribute = "href" if with_href else None
    for root in [*tree.css("td"), *tree.css("li"), *tree.css("svg")]:
        expected = root.css_first(selector)
        found = first_element(root, tag, attribute)
        assert (found.mem_id if found else None) == (expected.mem_id if expected else None)
        assert [n.mem_id for n in elements(root, tag, attribute)] == [
            n.mem_id for n in root.css(selector)
        ]
