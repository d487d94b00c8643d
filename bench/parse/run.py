"""Parse cost per page: harvest's full extraction beside raw lexbor, parsel and BeautifulSoup.

    uv run --group bench python bench/parse/run.py [--json FILE] [--batch-s 0.3]
        [--batches 5] [--pages REGEX]

One process, one thread. For each page, every contender is warmed up and calibrated
(calls doubled until a batch takes a quarter of ``--batch-s``, then scaled so a batch
takes ``--batch-s``), then timed in ``--batches`` rounds, the contenders in rotating
order within a round so that a noisy neighbour hurts them alike. A page's figure is
the median over the rounds of a batch's time / calls (the best round is kept too).
Before timing, the baselines' output is checked against harvest's record, page by
page: a baseline that finds nothing is not a baseline.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bs4_spider
import parsel_spider
from corpus import Page, load_pages
from report import CONTENDERS, machine, summarize, targets, text_tables
from selectolax.lexbor import LexborHTMLParser

from harvest.models import Publication, Topic
from harvest.parse import parse_page
from harvest.parse._html import load_html

Contender = Callable[[Page], object]

# "load_html" is harvest's own decode + checks + lexbor parse: the part of "harvest"
# that is not extraction. It has no target; it shows where harvest's time goes.
RUNNERS: dict[str, Contender] = {
    "lexbor": lambda page: LexborHTMLParser(page.body),
    "load_html": lambda page: load_html(page.body),
    "harvest": lambda page: parse_page(page.url, page.body).record.model_dump_json(),
    "parsel": lambda page: parsel_spider.extract(page.kind, page.url, page.body),
    "bs4": lambda page: bs4_spider.extract(page.kind, page.url, page.body),
}


class CheckError(Exception):
    """A baseline missed a value harvest found; the message names page, baseline and field."""


def check(pages: list[Page]) -> str:
    """Compare each baseline's items with harvest's records; a one-line summary a baseline."""
    lines = []
    for name, module in (("parsel", parsel_spider), ("bs4", bs4_spider)):
        counts = dict.fromkeys(("titles", "dates", "authors", "summaries", "bodies"), 0)
        counts |= dict.fromkeys(("downloads", "print_offers", "entries"), 0)
        for page in pages:
            item = module.extract(page.kind, page.url, page.body)
            record = parse_page(page.url, page.body).record
            for field, found in _compare(page, name, item, record).items():
                counts[field] += found
        lines.append(
            f"{name}: {len(pages)} pages, " + ", ".join(f"{v} {k}" for k, v in counts.items())
        )
    return "\n".join(lines) + "\n(each count equal to harvest's, page by page)"


def _compare(
    page: Page, name: str, item: dict[str, Any], record: Publication | Topic
) -> dict[str, int]:
    """What the baseline found on one page, after checking it against harvest's record."""

    def expect(field: str, ok: bool) -> None:
        if not ok:
            raise CheckError(f"{name} on {page.label}: {field} differs from harvest's or is empty")

    expect("title", bool(item.get("title")))
    if isinstance(record, Topic):
        expect("entries", len(item["entries"]) == len(record.entries))
        return {"titles": 1, "entries": len(item["entries"])}
    expect("date", bool(item["date"]))
    expect("authors", len(item["authors"]) == len(record.authors))
    expect("summary", bool(item["summary"]) == bool(record.summary))
    found = {
        "titles": 1,
        "dates": 1,
        "authors": len(item["authors"]),
        "summaries": int(bool(item["summary"])),
    }
    if page.kind == "commentary":
        expect("body", bool(item["body"]))
        return found | {"bodies": 1}
    expect("downloads", len(item["downloads"]) == len(record.downloads))
    expect("print_offers", len(item["print_offers"]) == len(record.print_offers))
    return found | {"downloads": len(item["downloads"]), "print_offers": len(item["print_offers"])}


def measure(page: Page, batch_s: float, batches: int) -> dict[str, dict[str, float]]:
    """µs a call for each contender on one page: median and best over the rounds."""
    names = list(RUNNERS)
    calls = {name: _calibrate(RUNNERS[name], page, batch_s) for name in names}
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(batches):
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            samples[name].append(_batch_ns(RUNNERS[name], page, calls[name]) / calls[name] / 1e3)
    return {
        name: {"median": statistics.median(s), "best": min(s), "calls": calls[name]}
        for name, s in samples.items()
    }


def _calibrate(run: Contender, page: Page, batch_s: float) -> int:
    """Calls a batch needs to last ``batch_s``; the doubling runs are the warm-up."""
    calls = 1
    while True:
        elapsed = _batch_ns(run, page, calls)
        if elapsed >= batch_s * 1e9 / 4:
            return max(1, math.ceil(calls * batch_s * 1e9 / elapsed))
        calls *= 2


def _batch_ns(run: Contender, page: Page, calls: int) -> int:
    gc.collect()  # start each batch with no garbage from the one before
    start = time.perf_counter_ns()
    for _ in range(calls):
        run(page)
    return time.perf_counter_ns() - start


def main(argv: list[str] | None = None) -> int:
    """Check the baselines, time every page, print the tables; 0 unless a check fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--batch-s", type=float, default=0.3, help="seconds a timed batch")
    parser.add_argument("--batches", type=int, default=5, help="timed batches a contender")
    parser.add_argument("--pages", default="", help="only pages whose label matches this regex")
    args = parser.parse_args(argv)
    pages = [page for page in load_pages() if re.search(args.pages, page.label)]
    facts = machine()
    print(json.dumps(facts), flush=True)
    try:
        print(check(pages), flush=True)
    except CheckError as exc:
        print(f"check failed: {exc}", file=sys.stderr)
        return 1
    started = time.monotonic()
    found = []
    for i, page in enumerate(pages, 1):
        us = measure(page, args.batch_s, args.batches)
        print(
            f"[{i}/{len(pages)}] {page.label}: harvest {us['harvest']['median']:,.0f} µs",
            flush=True,
        )
        found.append(_row(page, us))
    summary = summarize(found)
    print(f"\n{len(pages)} pages timed in {time.monotonic() - started:.0f} s\n")
    print(text_tables(found, summary))
    if args.json:
        options = {"batch_s": args.batch_s, "batches": args.batches, "pages": args.pages}
        results: dict[str, Any] = {
            "machine": facts,
            "options": options,
            "contenders": list(CONTENDERS),
        }
        results |= {"pages": found, "summary": summary, "targets": targets(summary)}
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


def _row(page: Page, us: dict[str, dict[str, float]]) -> dict[str, Any]:
    return {
        "label": page.label,
        "url": page.url,
        "kind": page.kind,
        "source": page.source,
        "bytes": len(page.body),
        "us": us,
    }


if __name__ == "__main__":
    sys.exit(main())
