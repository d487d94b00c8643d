"""The reparse benchmark's archive: N real rand.org pages in one WARC, as a crawl writes it.

    uv run python bench/reparse/warc.py build --pages 50000 --work DIR   # prints JSON
    uv run python bench/reparse/warc.py read FILE                        # prints JSON

``build`` cycles through the parse benchmark's 39 pages (``bench/parse/corpus.py``: the
recorded site and the real December 2025 bodies), giving each copy its own URL of the
same kind, and writes them with ``harvest.archive.WarcArchive``: a response record and a
request record a page, one gzip member each, as ``harvest crawl --archive`` does. The
file is named after what it holds (page count, a digest of the pages and this recipe)
and reused when it is there already. ``read`` times harvest's WARC reader alone over a
file: the floor of a reparse's main process, which reads every page before any parsing.

Both run as their own processes, so the benchmark's driver keeps no harvest import or
page bodies in its memory (Linux carries a parent's peak RSS into its children).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import shutil
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from harvest._version import __version__
from harvest.archive import WarcArchive, iter_archive
from harvest.parse import parse_page

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent / "parse" / "corpus.py"
RECIPE = "1"  # bump when the URLs, headers or dates below change: the cached files go stale
FETCHED_FROM = datetime(2025, 12, 1, tzinfo=UTC)  # page i was fetched i seconds after this
IP = "203.0.113.80"  # a documentation address: no real server was asked
SERVER_HEADERS = [("Server", "Apache"), ("Cache-Control", "max-age=300")]
REQUEST_HEADERS = [
    ("User-Agent", f"harvest/{__version__} (+https://github.com/harvest-scraper/harvest)"),
    ("Accept", "text/html,application/xhtml+xml"),
    ("Accept-Encoding", "gzip, br"),
]


def load_corpus() -> list[Any]:
    """The parse benchmark's pages (``corpus.Page``: label, url, body, kind, source)."""
    spec = importlib.util.spec_from_file_location("bench_parse_corpus", CORPUS)
    if spec is None or spec.loader is None:
        raise SystemExit(f"warc: cannot load {CORPUS}")
    module: ModuleType = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while decorating
    spec.loader.exec_module(module)
    pages: list[Any] = module.load_pages()
    return pages


def page_url(url: str, kind: str, index: int) -> str:
    """A URL of the same kind as ``url``, distinct for each ``index``.

    >>> page_url("https://www.rand.org/pubs/research_reports/RR2646.html", "product", 7)
    'https://www.rand.org/pubs/research_reports/RR2646-b7.html'
    >>> page_url("https://www.rand.org/pubs.html?start=0", "listing", 7)
    'https://www.rand.org/pubs.html?start=7'
    >>> page_url("https://www.rand.org/topics/security-cooperation.html", "listing", 7)
    'https://www.rand.org/topics/security-cooperation.html?page=7'
    """
    parts = urlsplit(url)
    if kind == "listing":  # the listing path decides the kind: vary the page number only
        query = dict(parse_qsl(parts.query))
        query["start" if "start" in query else "page"] = str(index)
        return urlunsplit(parts._replace(query=urlencode(query)))
    path = parts.path.removesuffix(".html") + f"-b{index}.html"
    return urlunsplit(parts._replace(path=path))


def page_mix(corpus: list[Any], pages: int) -> dict[str, int]:
    """Pages of each kind among the first ``pages`` of the cycle."""
    mix = Counter(corpus[i % len(corpus)].kind for i in range(pages))
    return dict(sorted(mix.items()))


def archive_name(corpus: list[Any], pages: int) -> str:
    """The file name (less suffix) for ``pages`` pages of this corpus and recipe."""
    digest = hashlib.sha256(f"recipe {RECIPE}\n".encode())
    for page in corpus:
        digest.update(f"{page.url} {hashlib.sha256(page.body).hexdigest()}\n".encode())
    return f"rand-{pages}p-{digest.hexdigest()[:12]}"


def check_kinds(corpus: list[Any]) -> None:
    """Every page keeps its kind at its new URL, or the benchmark measures something else."""
    for index, page in enumerate(corpus):
        url = page_url(page.url, page.kind, index)
        kind = parse_page(url, page.body).kind
        if kind != page.kind:
            raise SystemExit(f"warc: {url} parses as {kind}, not {page.kind} like {page.url}")


def exchanges(corpus: list[Any], pages: int) -> Iterator[tuple[str, bytes, datetime]]:
    """(URL, body, fetch time) of each page of the archive, in order."""
    for index in range(pages):
        page = corpus[index % len(corpus)]
        fetched_at = FETCHED_FROM + timedelta(seconds=index)
        yield page_url(page.url, page.kind, index), page.body, fetched_at


def build(pages: int, work: Path) -> dict[str, Any]:
    """The archive of ``pages`` pages in ``work``, built unless there already; its facts."""
    corpus = load_corpus()
    name = archive_name(corpus, pages)
    path, facts_path = work / f"{name}.warc.gz", work / f"{name}.json"
    if path.is_file() and facts_path.is_file():
        facts: dict[str, Any] = json.loads(facts_path.read_text(encoding="utf-8"))
        if facts.get("bytes") == path.stat().st_size:
            return facts | {"reused": True}
    check_kinds(corpus)
    staging = work / f".build-{name}-{os.getpid()}"
    started = time.perf_counter()
    try:
        written = _write(corpus, pages, staging, name)
        os.replace(written, path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    facts = {
        "path": str(path),
        "pages": pages,
        "mix": page_mix(corpus, pages),
        "corpus_pages": len(corpus),
        "bytes": path.stat().st_size,
        "build_s": round(time.perf_counter() - started, 1),
        "built_by": f"harvest {__version__}",
        "recipe": RECIPE,
    }
    partial = facts_path.with_suffix(".json.part")
    partial.write_text(json.dumps(facts, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, facts_path)
    return facts | {"reused": False}


def _write(corpus: list[Any], pages: int, staging: Path, name: str) -> Path:
    # One file, however big: the benchmark is "a 50,000-page WARC".
    with WarcArchive(staging, prefix=name, max_file_bytes=2**50) as archive:
        for url, body, fetched_at in exchanges(corpus, pages):
            headers = [
                ("Date", format_datetime(fetched_at, usegmt=True)),
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Encoding", "gzip"),  # as rand.org sends it; kept decoded
                *SERVER_HEADERS,
            ]
            archive.write(
                url,
                status=200,
                headers=headers,
                body=body,
                fetched_at=fetched_at,
                request_headers=REQUEST_HEADERS,
                ip=IP,
            )
    (written,) = archive.paths
    return written


def read(path: Path) -> dict[str, Any]:
    """Time ``iter_archive`` over one file: pages, body bytes, seconds, pages/s."""
    started, cpu = time.perf_counter(), time.process_time()
    pages = body_bytes = 0
    for page in iter_archive(path):
        pages += 1
        body_bytes += len(page.body)
    seconds = time.perf_counter() - started
    return {
        "pages": pages,
        "body_mib": round(body_bytes / 2**20, 1),
        "seconds": round(seconds, 3),
        "cpu_s": round(time.process_time() - cpu, 3),
        "pages_per_s": round(pages / seconds, 1),
    }


def main(argv: list[str] | None = None) -> int:
    """``build`` or ``read``; the result as one JSON line on stdout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    building = commands.add_parser("build", help="build (or find) the archive of N pages")
    building.add_argument("--pages", type=int, required=True)
    building.add_argument("--work", type=Path, required=True, help="folder of built archives")
    reading = commands.add_parser("read", help="time harvest's WARC reader over a file")
    reading.add_argument("path", type=Path)
    args = parser.parse_args(argv)
    if args.command == "build":
        if args.pages < 1:
            parser.error("--pages must be at least 1")
        args.work.mkdir(parents=True, exist_ok=True)
        result = build(args.pages, args.work)
    else:
        result = read(args.path)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
