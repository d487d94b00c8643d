"""Figures and tables for the parse benchmark: per page, per kind, all pages, targets.

A group's cost is the total time over its pages divided by the number of pages (the
mean, what a crawl of those pages pays); its ratios are ratios of those totals. The
geometric mean of the per-page ratios is kept beside them.

    python bench/parse/report.py results.json     # a saved run as Markdown tables
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import math
import os
import platform
import sys
from pathlib import Path
from typing import Any

CONTENDERS = ("lexbor", "load_html", "harvest", "parsel", "bs4")
GROUPS = ("product", "commentary", "listing", "all")
# (name, numerator, denominator, target, "max" when the ratio must not exceed the target)
RATIOS = (
    ("harvest/lexbor", "harvest", "lexbor", 2.0, "max"),
    ("parsel/harvest", "parsel", "harvest", 2.0, "min"),
    ("bs4/harvest", "bs4", "harvest", 15.0, "min"),
)


def summarize(pages: list[dict[str, Any]]) -> dict[str, Any]:
    """Per kind and over all pages: mean µs and pages/s per contender, and the ratios."""
    summary = {}
    for group in GROUPS:
        members = [p for p in pages if group in ("all", p["kind"])]
        if not members:
            continue
        mean = {
            name: sum(p["us"][name]["median"] for p in members) / len(members)
            for name in CONTENDERS
        }
        ratios = {
            label: {
                "of_totals": mean[top] / mean[bottom],
                "geomean": _geomean(
                    [p["us"][top]["median"] / p["us"][bottom]["median"] for p in members]
                ),
            }
            for label, top, bottom, _, _ in RATIOS
        }
        summary[group] = {
            "pages": len(members),
            "mean_us": mean,
            "pages_per_s": {name: 1e6 / us for name, us in mean.items()},
            "ratios": ratios,
        }
    return summary


def targets(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target against the all-pages ratio of totals."""
    found = []
    for label, _, _, target, sense in RATIOS:
        value = summary["all"]["ratios"][label]["of_totals"]
        met = value <= target if sense == "max" else value >= target
        found.append({"ratio": label, "value": value, "target": target, "sense": sense, "met": met})
    return found


def text_tables(pages: list[dict[str, Any]], summary: dict[str, Any]) -> str:
    """Plain text: one row a page, then the groups, then the targets."""
    per_page = [
        [p["label"], p["kind"], f"{p['bytes'] / 1024:.0f}"]
        + [f"{p['us'][name]['median']:,.0f}" for name in CONTENDERS]
        + [
            f"{p['us'][top]['median'] / p['us'][bottom]['median']:.2f}"
            for _, top, bottom, _, _ in RATIOS
        ]
        for p in pages
    ]
    ratio_heads = [label for label, *_ in RATIOS]
    out = [
        "Per page: µs a page, median of the batches",
        _table(["page", "kind", "KiB", *CONTENDERS, *ratio_heads], per_page),
        "",
        "Per kind: µs/page (pages/s per core); mean = total time over the pages / pages",
        _table(["group", "pages", *CONTENDERS], [_group_row(g, s) for g, s in summary.items()]),
        "",
        "Ratios of totals (geometric mean of the per-page ratios in brackets)",
        _table(["group", *ratio_heads], [_ratio_row(g, s) for g, s in summary.items()]),
        "",
        "Targets (all pages, ratio of totals)",
    ]
    for t in targets(summary):
        bound = "<=" if t["sense"] == "max" else ">="
        verdict = "met" if t["met"] else "NOT met"
        out.append(
            f"  {t['ratio']:16} {t['value']:6.2f}x  target {bound} {t['target']:g}x  {verdict}"
        )
    return "\n".join(out)


def _group_row(group: str, s: dict[str, Any]) -> list[str]:
    cells = [f"{s['mean_us'][n]:,.0f} ({s['pages_per_s'][n]:,.0f}/s)" for n in CONTENDERS]
    return [group, str(s["pages"]), *cells]


def _ratio_row(group: str, s: dict[str, Any]) -> list[str]:
    cells = [
        f"{s['ratios'][label]['of_totals']:.2f}x ({s['ratios'][label]['geomean']:.2f}x)"
        for label, *_ in RATIOS
    ]
    return [group, *cells]


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=True)]
    lines = [headers, ["-" * w for w in widths], *rows]
    return "\n".join(
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        )
        for line in lines
    )


def markdown(results: dict[str, Any]) -> str:
    """The per-kind figures and the ratios of a saved run, as Markdown tables."""
    summary = results["summary"]
    head = "| group | pages | " + " | ".join(f"{n} µs/page (pages/s)" for n in CONTENDERS) + " |"
    rows = [head, "|" + "---|" * (len(CONTENDERS) + 2)]
    rows += ["| " + " | ".join(_group_row(g, s)) + " |" for g, s in summary.items()]
    rows += ["", "| group | " + " | ".join(label for label, *_ in RATIOS) + " |"]
    rows += ["|" + "---|" * (len(RATIOS) + 1)]
    rows += ["| " + " | ".join(_ratio_row(g, s)) + " |" for g, s in summary.items()]
    return "\n".join(rows)


def machine() -> dict[str, Any]:
    """The facts to record with the figures."""
    return {
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "platform": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        **{
            f"{name}_version": _version(name)
            for name in ("harvest", "selectolax", "pydantic", "parsel", "lxml", "beautifulsoup4")
        },
    }


def _cpu_model() -> str | None:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or None


def _version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


if __name__ == "__main__":
    print(markdown(json.loads(Path(sys.argv[1]).read_text())))
