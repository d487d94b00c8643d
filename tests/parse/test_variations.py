"""Layout variations of real rand.org pages that the recorded site does not show.

Small inline pages, each isolating one variation, so a failure names it.
"""

from __future__ import annotations

from harvest.models import Publication, Topic
from harvest.parse import parse_page

URL = "https://www.rand.org/pubs/research_reports/RRA1-1.html"


def _page(main: str, head: str = "") -> bytes:
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">{head}</head><body>
    <header id="header"><nav><ul class="teasers"><li><h3 class="title"><a href="/x.html">Nav
    </a></h3></li></ul></nav></header><main id="page-content">{main}</main>
    <footer><p>RAND® is a registered trademark.</p></footer></body></html>""".encode()


def _product(main: str, head: str = "") -> Publication:
    record = parse_page(URL, _page(main, head)).record
    assert isinstance(record, Publication)
    return record


HEADER = """<div class="product-header"><h1 id="RANDTitleHeadingId">A Title</h1>
<p class="authors">By Jane Roe and <a href="/about/people/d/doe_john.html">John Doe</a></p>
<p class="type-published"><span class="type">Research Brief</span>
<span class="published">Published Jan 2020</span></p></div>"""


def test_partial_date_is_kept_partial() -> None:
    record = _product(HEADER, '<meta name="citation_publication_date" content="2020/1/1">')
    assert (record.published, record.published_raw) == ("2020-01", "Jan 2020")


def test_author_line_with_and_and_an_unlinked_author() -> None:
    record = _product(HEADER)
    assert [(a.name, a.url) for a in record.authors] == [
        ("Jane Roe", None),
        ("John Doe", "https://www.rand.org/about/people/d/doe_john.html"),
    ]
    assert record.content_type == "Research Brief"


def test_authors_fall_back_to_citation_meta_in_inverted_form() -> None:
    main = '<div class="product-header"><h1 id="RANDTitleHeadingId">T</h1></div>'
    head = (
        '<meta name="citation_author" content="Levin, Norman D.">'
        '<meta name="citation_author" content="Müller, Jürgen">'
    )
    record = _product(main, head)
    assert [a.name for a in record.authors] == ["Norman D. Levin", "Jürgen Müller"]


def test_metadata_title_carrying_the_subtitle_is_split_by_the_h1() -> None:
    main = (
        '<div class="product-header"><h1 id="RANDTitleHeadingId">Do the Ties Still Bind?</h1>'
        '<p class="subtitle">The U.S.-ROK Security Relationship After 9/11</p></div>'
    )
    head = (
        '<meta name="citation_title" content="Do the Ties Still Bind? The U.S.-ROK Security '
        'Relationship After 9/11">'
    )
    record = _product(main, head)
    assert record.title == "Do the Ties Still Bind?"
    assert record.subtitle == "The U.S.-ROK Security Relationship After 9/11"


def test_print_offers_written_in_the_buybox() -> None:
    main = (
        HEADER
        + """<div id="buybox" class="buybox"><div class="btn-download">
    <a href="/content/dam/rand/pubs/research_briefs/RBA1/RAND_RBA1.pdf">Download PDF</a></div>
    <form><label for="f">Format</label><select id="f"><option>Paperback (96 pages): $20.00</option>
    <option>Hardcover (112 pages): $35.00</option></select>
    <button>Add to Cart</button></form></div>"""
    )
    record = _product(main)
    assert [
        (o.format, o.pages, o.price.amount if o.price else None) for o in record.print_offers
    ] == [("Paperback", 96, "20.00"), ("Hardcover", 112, "35.00")]
    assert [(d.format, d.section, d.size_text) for d in record.downloads] == [("PDF", None, None)]


def test_download_table_read_by_headers_in_another_column_order() -> None:
    main = (
        HEADER
        + """<div id="download"><h2>Download eBook for Free</h2><table>
    <tr><th>Notes</th><th>File Size</th><th>Format</th></tr>
    <tr><td>For Kindle</td><td>850 KB</td><td><a href="/a.mobi">MOBI file</a></td></tr>
    </table></div>"""
    )
    record = _product(main)
    assert [
        (d.format, d.size_text, d.size_bytes, d.notes, d.section) for d in record.downloads
    ] == [("MOBI", "850 KB", 850 * 1024, "For Kindle", None)]


def test_download_format_from_a_format_class_on_the_cell_or_inside_it() -> None:
    main = (
        HEADER
        + """<div id="download"><table><tr><th>Format</th><th>File Size</th></tr>
    <tr><td class="format-pdf"><a href="/a.pdf">Full document</a></td><td>1 MB</td></tr>
    <tr><td><!-- icon --><span class="icon format-epub"></span><a href="/a.epub">eBook</a></td>
    <td>2 MB</td></tr>
    <tr><td><span class="FORMAT-MOBI xformat-"></span><a href="/a.mobi">MOBI</a></td><td>3 MB</td>
    </tr></table></div>"""
    )
    record = _product(main)
    assert [d.format for d in record.downloads] == ["PDF", "EPUB", "MOBI"]


def test_sponsor_sentence_variants() -> None:
    indicia = """<div id="indicia"><p>Funding for this research was provided by the Smith
    Richardson Foundation.</p><p>This research was conducted by RAND Health Care.</p></div>"""
    record = _product(HEADER + indicia)
    assert record.sponsor == "Smith Richardson Foundation"
    assert (record.program, record.division, record.funding) == (None, "RAND Health Care", None)


def test_copyright_notice_never_leaks_into_the_summary() -> None:
    abstract = """<div class="abstract product-page-abstract"><p>The real abstract.</p>
    <p>This document and trademark(s) contained herein are protected by law.</p></div>"""
    assert _product(HEADER + abstract).summary == "The real abstract."


def test_listing_in_2025_layout_with_description_and_wrapping_links() -> None:
    main = """<div class="page-heading"><h1 id="RANDTitleHeadingId">Military Drones</h1>
    <p>RAND research on unmanned aircraft.</p></div>
    <ul class="teaser-list teasers list"><li><a href="/pubs/commentary/2025/11/x.html">
    <div class="img-col"><p class="type">Commentary</p><p class="date">Nov 3, 2025</p>
    <div class="img-wrap"><img src="/content/rand/x.jpeg" alt=""></div></div>
    <div class="text"><h3 class="title">Drones Now</h3><p class="desc">Teaser.</p></div>
    </a></li></ul>
    <div class="pagination"><ul class="pagination-list"><li class="next">
    <a href="/content/rand/topics/military-drones.html?page=2#list">Next</a></li></ul></div>"""
    record = parse_page("https://www.rand.org/topics/military-drones.html", _page(main)).record
    assert isinstance(record, Topic)
    assert (record.name, record.description) == (
        "Military Drones",
        "RAND research on unmanned aircraft.",
    )
    assert [(e.title, e.url, e.date, e.content_type, e.featured) for e in record.entries] == [
        (
            "Drones Now",
            "https://www.rand.org/pubs/commentary/2025/11/x.html",
            "2025-11-03",
            "Commentary",
            False,
        )
    ]
    image = record.entries[0].image
    assert image is not None and (image.url, image.alt, image.caption) == (
        "https://www.rand.org/x.jpeg",
        None,
        None,
    )
    assert record.next_page == "https://www.rand.org/topics/military-drones.html?page=2"


def test_html_comments_in_an_article_body_are_skipped() -> None:
    main = """<article class="blog"><div class="post-heading"><h1>A Post</h1></div>
    <div class="body-text"><!-- ad slot --><p>First.</p><!-- end --><div><!-- x --><p>Second.</p>
    </div></div></article>"""
    url = "https://www.rand.org/blog/2020/07/a-post.html"
    record = parse_page(url, _page(main)).record
    assert isinstance(record, Publication)
    assert record.body == "First.\n\nSecond."
