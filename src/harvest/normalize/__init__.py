"""Pure normalizers: page text in, clean values out; they never raise.

Modules, one concern each:

* ``_text``: ``clean_text``, ``clean_paragraphs`` (entities, NFC, whitespace).
* ``_dates``: ``parse_date`` (partial ISO 8601: YYYY-MM-DD, YYYY-MM or YYYY).
* ``_sizes``: ``parse_size`` (file sizes to bytes; 1 KB = 1024 bytes).
* ``_money``: ``parse_price``, ``ParsedPrice`` (decimal-string amount + ISO 4217).
* ``_names``: ``parse_author_list``, ``AuthorList``, ``person_name``.
* ``_captions``: ``split_caption``, ``clean_credit`` (image caption vs photo credit).
* ``_identifiers``: ``parse_doi``, ``parse_isbn``.
* ``_plausible``: ``org_name_doubt``, ``person_name_doubt``, ``date_doubt``,
  ``size_doubt``, ``price_doubt``, ``pages_doubt``, ``document_number_doubt``,
  ``doi_doubt``: the plausibility rule a field's value breaks, or None.
* ``_urls``: ``normal_url``, ``join_url``, ``is_http_url``, ``host_of`` (a site's own
  spelling of its URLs is ``harvest.sites.canonical_url``).

Every function takes ``str | None`` and returns a value or ``None`` on junk (the
plausibility rules take a field's value as the record holds it).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harvest.normalize._captions import clean_credit, split_caption
    from harvest.normalize._dates import parse_date
    from harvest.normalize._identifiers import parse_doi, parse_isbn
    from harvest.normalize._money import ParsedPrice, parse_price
    from harvest.normalize._names import AuthorList, parse_author_list, person_name
    from harvest.normalize._plausible import (
        date_doubt,
        document_number_doubt,
        doi_doubt,
        org_name_doubt,
        pages_doubt,
        person_name_doubt,
        price_doubt,
        size_doubt,
    )
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

# name -> the module it comes from: loaded on first use, so that the settings (which
# need the URL functions) do not load the dates, money and names at start-up.
_WHERE = {
    **dict.fromkeys(("clean_credit", "split_caption"), "_captions"),
    "parse_date": "_dates",
    **dict.fromkeys(("parse_doi", "parse_isbn"), "_identifiers"),
    **dict.fromkeys(("ParsedPrice", "parse_price"), "_money"),
    **dict.fromkeys(("AuthorList", "parse_author_list", "person_name"), "_names"),
    **dict.fromkeys(
        (
            "date_doubt",
            "document_number_doubt",
            "doi_doubt",
            "org_name_doubt",
            "pages_doubt",
            "person_name_doubt",
            "price_doubt",
            "size_doubt",
        ),
        "_plausible",
    ),
    "parse_size": "_sizes",
    **dict.fromkeys(("clean_paragraphs", "clean_text"), "_text"),
    **dict.fromkeys(
        (
            "host_of",
            "in_scope_origin",
            "is_http_url",
            "is_ip_literal",
            "join_url",
            "normal_url",
            "origin_of",
        ),
        "_urls",
    ),
}

__all__ = [
    "AuthorList",
    "ParsedPrice",
    "clean_credit",
    "clean_paragraphs",
    "clean_text",
    "date_doubt",
    "document_number_doubt",
    "doi_doubt",
    "host_of",
    "in_scope_origin",
    "is_http_url",
    "is_ip_literal",
    "join_url",
    "normal_url",
    "org_name_doubt",
    "origin_of",
    "pages_doubt",
    "parse_author_list",
    "parse_date",
    "parse_doi",
    "parse_isbn",
    "parse_price",
    "parse_size",
    "person_name",
    "person_name_doubt",
    "price_doubt",
    "size_doubt",
    "split_caption",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'harvest.normalize' has no attribute {name!r}")
    value = getattr(import_module(f"harvest.normalize.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
