"""Everything ``parse_page`` gives for every known page, in one JSON file: a safety net.

    uv run --group bench python bench/parse/golden.py /tmp/golden-before.json
    # ... change the parsers for speed ...
    uv run --group bench python bench/parse/golden.py /tmp/golden-after.json
    cmp /tmp/golden-before.json /tmp/golden-after.json   # must be identical

    uv run --group bench python bench/parse/golden.py NEW.json --compare OLD.json

A speed-up of the parsers must not change a byte of what they give. This script parses,
with a fixed ``fetched_at``:

* every page of the recorded site (``fixtures/site``) and the real rand.org bodies of
  ``/work/shared/reference/rand-html`` (the benchmark's corpus, ``corpus.py``);
* every page the parser tests hand to ``parse_page`` (inline pages included): the tests
  of ``tests/parse`` and ``tests/archive/test_transport.py`` are run in-process once with
  ``parse_page`` wrapped to record its arguments (their own results do not matter here);
* mutated variants of each page (``MUTATIONS``: ``<head>`` removed, the product header's
  class renamed, tables removed, ...), so the fallback paths are compared too, and each
  body at a listing URL, so classification is exercised both ways.

Each case gives the record's ``model_dump_json()``, the links, the provenance, or the
``ParseError`` message (any other exception is recorded too, by type and message). The
output is sorted JSON, so two runs compare with ``cmp``; ``--compare`` names the cases
that differ.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import io
import json
import os
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from corpus import REFERENCE, REFERENCE_URLS, ROOT, SITE

import harvest.parse
from harvest.errors import ParseError
from harvest.fetch import url_for

FETCHED_AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
LISTING_URL = "https://www.rand.org/topics/golden-check.html"
TESTS = ("tests/parse", "tests/archive/test_transport.py")

Mutation = Callable[[bytes], bytes]


def _sub(pattern: bytes, repl: bytes) -> Mutation:
    regex = re.compile(pattern, re.I | re.S)
    return lambda body: regex.sub(repl, body)


def _rename(*words: bytes) -> Mutation:
    """Every occurrence of each word spoiled ("zz" before its first letter), so selectors
    naming it miss."""

    def mutate(body: bytes) -> bytes:
        for word in words:
            body = body.replace(word, re.sub(rb"([A-Za-z])", rb"zz\1", word, count=1))
        return body

    return mutate


MUTATIONS: dict[str, Mutation] = {
    "no-head": _sub(rb"<head[\s>].*?</head>", b""),
    "no-product-header": _rename(b"product-header"),
    "no-tables": _sub(rb"<table[\s>].*?</table>", b""),
    "no-th": _sub(rb"<(/?)th([\s>])", rb"<\1td\2"),
    "no-title-id": _rename(b"RANDTitleHeadingId"),
    "no-post-heading": _rename(b"post-heading", b"type-date"),
    "no-type-published": _rename(b"type-published"),
    "no-main": _sub(rb"<(/?)main([\s>])", rb"<\1div\2"),
    "h1-to-h2": _sub(rb"<(/?)h1([\s>])", rb"<\1h2\2"),
    "no-json-ld": _rename(b"application/ld+json"),
    "no-meta": _sub(rb"<meta[^>]*>", b""),
    "no-body-text": _rename(b"body-text", b"article-body"),
    "no-article": _sub(rb"<(/?)article([\s>])", rb"<\1section\2"),
    "no-authors-class": _rename(b"authors"),
    "no-abstract": _rename(b"product-page-abstract", b"abstract"),
    "no-details": _rename(b"document-details", b"indicia"),
    "no-buybox": _rename(b"buybox", b"btn-download"),
    "no-teasers-class": _rename(b"teasers"),
    "no-teaser-list": _rename(b"teaser-list"),
    "no-title-class": _rename(b'"title', b" title"),
    "no-featured": _rename(b"featured", b"feature", b"pubs-intro", b"Featured"),
    "no-caption": _rename(b"caption", b"credit"),
    "no-date-class": _rename(b'"date', b" date", b"published"),
    "no-page-heading": _rename(b"page-heading", b"topic-desc", b"topic-intro"),
    "no-pagination": _rename(b"pagination", b"next"),
    "no-header-footer": _sub(rb"<(/?)(header|footer|nav)([\s>])", rb"<\1div\3"),
    "no-links": _rename(b"href="),
    "no-images": _sub(rb"<img[^>]*>", b""),
    "no-related-topics": _rename(b"related-topics"),
    "no-hero": _rename(b"hero-image", b"photo"),
}


def corpus_pages() -> dict[str, tuple[str, bytes]]:
    """The benchmark's pages: label -> (url, body)."""
    pages = {}
    for path in sorted(p for p in SITE.rglob("*") if p.is_file() and not p.name.startswith(".")):
        url = url_for(path)
        if url is not None:
            pages[f"site:{path.relative_to(SITE)}"] = (url, path.read_bytes())
    if REFERENCE.is_dir():
        for name, url in REFERENCE_URLS.items():
            pages[f"ref:{name}"] = (url, (REFERENCE / name).read_bytes())
    return pages


def test_pages() -> dict[str, tuple[str, bytes]]:
    """What the parser tests pass to ``parse_page``: label -> (url, body).

    A page is labelled by the first test that passed it (some bodies, gzip data, differ
    from run to run), and each page is kept once.
    """
    import pytest  # noqa: PLC0415 (only this mode needs it)

    seen: dict[bytes, tuple[str, str, bytes]] = {}
    original = harvest.parse.parse_page

    def recording(url: str, body: bytes, **kwargs: Any) -> harvest.parse.Parsed:
        if isinstance(url, str) and isinstance(body, bytes):
            test = os.environ.get("PYTEST_CURRENT_TEST", "?").rsplit(" ", 1)[0]
            label = f"test:{test}#{sum(k.startswith(test) for k, _, _ in seen.values())}"
            seen.setdefault(
                hashlib.sha256(url.encode() + b"\0" + body).digest(), (label, url, body)
            )
        return original(url, body, **kwargs)

    # Patched before pytest imports the tests, so their `from harvest.parse import
    # parse_page` picks up the recorder.
    harvest.parse.parse_page = recording  # type: ignore[assignment]
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            # A fixed seed: the property tests then pass the same pages in every run.
            pytest.main(
                [
                    "-q",
                    "-p",
                    "no:cacheprovider",
                    "--hypothesis-seed=0",
                    "--rootdir",
                    str(ROOT),
                    *map(str, _tests()),
                ]
            )
    finally:
        harvest.parse.parse_page = original
    return {label: (url, body) for label, url, body in seen.values()}


def _tests() -> list[Path]:
    return [ROOT / name for name in TESTS]


def outcome(url: str, body: bytes) -> dict[str, Any]:
    """What parse_page gives for one page, as plain JSON values."""
    try:
        parsed = harvest.parse.parse_page(url, body, fetched_at=FETCHED_AT)
    except ParseError as exc:
        return {"error": str(exc)}
    except Exception as exc:  # a crash is an outcome to compare too
        return {"exception": f"{type(exc).__name__}: {exc}"}
    return {
        "kind": parsed.kind,
        "record": parsed.record.model_dump_json(),
        "links": list(parsed.links),
        # A list, not a dict: the JSON is written with sorted keys, and the order in
        # which fields were read is part of what must not change.
        "provenance": [[k, _fields(v)] for k, v in parsed.provenance.items()],
    }


def _fields(provenance: Any) -> dict[str, Any]:
    """A Provenance as a dict, whether a dataclass (before) or a named tuple (now)."""
    if dataclasses.is_dataclass(provenance):
        return dataclasses.asdict(provenance)
    return dict(provenance._asdict())


def cases(pages: dict[str, tuple[str, bytes]]) -> dict[str, dict[str, Any]]:
    """Each page as is, at a listing URL, and under every mutation."""
    found = {}
    for label, (url, body) in pages.items():
        found[label] = outcome(url, body)
        found[f"{label} @listing"] = outcome(LISTING_URL, body)
        for name, mutate in MUTATIONS.items():
            mutated = mutate(body)
            if mutated != body:
                found[f"{label} ~{name}"] = outcome(url, mutated)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("out", type=Path, help="where to write the JSON")
    parser.add_argument("--compare", type=Path, help="an earlier output to compare with")
    args = parser.parse_args()
    pages = corpus_pages() | test_pages()
    found = cases(pages)
    text = json.dumps(found, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    args.out.write_text(text)
    errors = sum("error" in v or "exception" in v for v in found.values())
    print(f"{len(pages)} pages, {len(found)} cases ({errors} refused) -> {args.out}")
    if args.compare is None:
        return 0
    before, found = json.loads(args.compare.read_text()), json.loads(text)
    differ = sorted(k for k in before.keys() | found.keys() if before.get(k) != found.get(k))
    for key in differ[:40]:
        print(f"DIFFERS: {key}")
    print(f"{len(differ)} of {len(before.keys() | found.keys())} cases differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
