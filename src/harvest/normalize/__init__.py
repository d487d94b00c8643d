"""Pure normalizers: page text in, clean values out; they never raise.

Modules, one concern each:

* ``text``: ``clean_text``, ``clean_paragraphs`` (entities, NFC, whitespace).
* ``dates``: ``parse_date`` (partial ISO 8601: YYYY-MM-DD, YYYY-MM or YYYY).
* ``sizes``: ``parse_size`` (file sizes to bytes; 1 KB = 1024 bytes).
* ``money``: ``parse_price``, ``ParsedPrice`` (decimal-string amount + ISO 4217).
* ``names``: ``parse_author_list``, ``AuthorList``, ``person_name``.
* ``captions``: ``split_caption``, ``clean_credit`` (image caption vs photo credit).
* ``identifiers``: ``parse_doi``, ``parse_isbn``.
* ``urls``: ``normal_url``, ``join_url``, ``is_http_url``, ``host_of`` (a site's own
  spelling of its URLs is ``harvest.sites.canonical_url``).

Every function takes ``str | None`` and returns a value or ``None`` on junk.
"""

from __future__ import annotations

from harvest.normalize._captions import clean_credit, split_caption
from harvest.normalize._dates import parse_date
from harvest.normalize._identifiers import parse_doi, parse_isbn
from harvest.normalize._money import ParsedPrice, parse_price
from harvest.normalize._names import AuthorList, parse_author_list, person_name
from harvest.normalize._sizes import parse_size
from harvest.normalize._text import clean_paragraphs, clean_text
from harvest.normalize._urls import (
    host_of,
    in_scope_origin,
    is_http_url,
    is_ip_literal,
    join_url,
    normal_url,
    origin_of,
)

__all__ = [
    "AuthorList",
    "ParsedPrice",
    "clean_credit",
    "clean_paragraphs",
    "clean_text",
    "host_of",
    "in_scope_origin",
    "is_http_url",
    "is_ip_literal",
    "join_url",
    "normal_url",
    "origin_of",
    "parse_author_list",
    "parse_date",
    "parse_doi",
    "parse_isbn",
    "parse_price",
    "parse_size",
    "person_name",
    "split_caption",
]
