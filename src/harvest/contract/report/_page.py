"""``harvest report --html``: the run history as one self-contained HTML page.

The page holds everything it shows: its style, and its charts as inline SVG
(``harvest.contract.report._charts``). It loads nothing from the network and runs no
script, so it opens from a mail attachment or a file share, and prints.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape
from pathlib import Path

from harvest.contract.export import DatasetSummary
from harvest.contract.report._charts import coverage_charts, dataset_charts, run_charts
from harvest.contract.report._drawing import Chart
from harvest.contract.report._history import RunSummary

TABLE_RUNS = 100  # the runs table lists the newest this many

_STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: #222; margin: 0 auto; padding: 1.5rem; max-width: 62rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 2.2rem 0 .5rem; border-bottom: 1px solid #ddd; }
.meta { color: #555; margin: 0 0 1rem; }
.cards { display: flex; flex-wrap: wrap; gap: .75rem; margin: 1rem 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: .5rem .8rem; min-width: 9rem; }
.card b { display: block; font-size: 1.35rem; }
.card span { color: #555; font-size: .85rem; }
.alarm { color: #b03a00; }
.ok { color: #006b4f; }
figure { margin: 1.25rem 0; }
figure svg.chart { width: 100%; height: auto; display: block; }
figcaption { color: #444; font-size: .9rem; }
figcaption b { display: block; color: #222; font-size: 1rem; }
table { border-collapse: collapse; font-size: .85rem; width: 100%; }
th, td { padding: .2rem .45rem; border-bottom: 1px solid #eee; text-align: right; }
th:first-child, td:first-child, td.text { text-align: left; white-space: nowrap; }
thead th { position: sticky; top: 0; background: #fafafa; }
#doubts th, #doubts td { text-align: left; }
.scroll { max-height: 28rem; overflow: auto; border: 1px solid #eee; }
@media print { .scroll { max-height: none; overflow: visible; } }
"""


def render(
    runs: Sequence[RunSummary],
    dataset: DatasetSummary,
    *,
    out_dir: Path,
    generated_at: datetime,
    version: str,
) -> str:
    """The whole page, as text."""
    title = "harvest: run history"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}: {escape(str(out_dir))}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">{escape(_about(runs, out_dir, generated_at, version))}</p>',
        *_cards(runs, dataset),
        '<section id="runs">',
        "<h2>Runs</h2>",
        *([_figure(chart) for chart in run_charts(runs)] if runs else ["<p>No run yet.</p>"]),
        *_runs_table(runs),
        "</section>",
        '<section id="coverage">',
        "<h2>Field coverage</h2>",
        *([_figure(chart) for chart in coverage_charts(runs)] if runs else []),
        "</section>",
        *_doubts(runs),
        '<section id="dataset">',
        "<h2>The dataset now</h2>",
        f"<p>{escape(_dataset_line(dataset))}</p>",
        *(_figure(chart) for chart in dataset_charts(dataset.by_year, dataset.by_content_type)),
        "</section>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _about(runs: Sequence[RunSummary], out_dir: Path, generated_at: datetime, version: str) -> str:
    span = ""
    if runs:
        first, last = runs[0].started_at, runs[-1].started_at
        span = f"{len(runs)} runs, {first:%Y-%m-%d} to {last:%Y-%m-%d}, "
    return f"{span}under {out_dir}; made {generated_at:%Y-%m-%d %H:%M} UTC by harvest {version}"


def _cards(runs: Sequence[RunSummary], dataset: DatasetSummary) -> Iterable[str]:
    yield '<div class="cards">'
    if runs:
        last = runs[-1]
        rate = f"{100 * last.error_rate:.1f}%" if last.error_rate is not None else "-"
        changed = sum(last.pages[change] for change in ("new", "updated", "removed"))
        yield _card(last.outcome, f"last run, {last.started_at:%Y-%m-%d %H:%M} UTC",
                    "ok" if last.outcome == "complete" else "alarm")  # fmt: skip
        yield _card(f"{last.total_pages:,}", "pages asked for")
        yield _card(f"{changed:,}", "records new, updated or removed")
        yield _card(rate, "error rate", _rate_class(last))
        yield _card(
            f"{len(last.alarms)}",
            "drift alarms" if len(last.alarms) != 1 else "drift alarm",
            "alarm" if last.alarms else "ok",
        )
    yield _card(f"{dataset.publications:,}", "publications now")
    yield _card(f"{dataset.topics:,}", "topic pages now")
    yield "</div>"
    if runs and runs[-1].alarms:
        yield '<ul class="alarm">'
        for alarm in runs[-1].alarms:
            yield f"<li>drift alarm: {escape(str(alarm.get('message', alarm)))}</li>"
        yield "</ul>"


def _card(value: str, label: str, css: str = "") -> str:
    extra = f' class="{css}"' if css else ""
    return f'<div class="card"><b{extra}>{escape(value)}</b><span>{escape(label)}</span></div>'


def _rate_class(run: RunSummary) -> str:
    if run.error_rate is None or run.max_error_rate is None:
        return ""
    return "alarm" if run.error_rate > run.max_error_rate else "ok"


def _figure(chart: Chart) -> str:
    return (
        f'<figure id="{chart.id}"><figcaption><b id="{chart.id}-title">'
        f"{escape(chart.title)}</b>{escape(chart.caption)}</figcaption>{chart.svg}</figure>"
    )


_COLUMNS = ("run", "started (UTC)", "outcome", "duration", "new", "updated", "removed",
            "unchanged", "skipped", "failed", "error rate", "alarms")  # fmt: skip


def _runs_table(runs: Sequence[RunSummary]) -> Iterable[str]:
    if not runs:
        return
    shown = list(reversed(runs))[:TABLE_RUNS]
    more = f" (the newest {len(shown)} of {len(runs)})" if len(runs) > len(shown) else ""
    yield f"<h3>Every run{escape(more)}</h3>"
    yield '<div class="scroll"><table id="runs-table"><thead><tr>'
    yield "".join(f"<th>{escape(name)}</th>" for name in _COLUMNS)
    yield "</tr></thead><tbody>"
    for run in shown:
        rate = f"{100 * run.error_rate:.1f}%" if run.error_rate is not None else ""
        cells = [
            f'<td class="text">{escape(run.run_id)}</td>',
            f'<td class="text">{run.started_at:%Y-%m-%d %H:%M}</td>',
            f'<td class="text{" alarm" if run.outcome != "complete" else ""}">'
            f"{escape(run.outcome)}{' (full)' if run.full else ''}</td>",
            f"<td>{_duration(run.duration_s)}</td>",
            *(f"<td>{run.pages[key]:,}</td>" for key in ("new", "updated", "removed")),
            *(f"<td>{run.pages[key]:,}</td>" for key in ("unchanged", "skipped", "failed")),
            f'<td class="{_rate_class(run)}">{rate}</td>',
            f'<td class="{"alarm" if run.alarms else ""}">{len(run.alarms)}</td>',
        ]
        yield f"<tr>{''.join(cells)}</tr>"
    yield "</tbody></table></div>"


DOUBTS_SHOWN = 30  # rows of each doubts table


def _doubts(runs: Sequence[RunSummary]) -> Iterable[str]:
    """The latest run's suspect values by field and its unmapped labels."""
    run = next((run for run in reversed(runs) if run.doubts), None)
    if run is None:
        return
    doubts = run.doubts
    records, suspect = int(doubts.get("records", 0)), int(doubts.get("suspect_records", 0))
    yield '<section id="doubts">'
    yield "<h2>Doubts</h2>"
    labels = len(doubts.get("unmapped", []))
    yield (
        f"<p>Run {escape(run.run_id)} parsed {_count(records, 'record')}; "
        f'<b class="{"alarm" if suspect else "ok"}">{suspect:,}</b> '
        f"{'holds' if suspect == 1 else 'hold'} a suspect value (kept as read), and its "
        f"pages showed {_count(labels, 'label')} that no field took.</p>"
    )
    rows = [
        [str(item[key]) for key in ("field", "rule", "value", "url")]
        for item in doubts.get("suspects", [])[:DOUBTS_SHOWN]
    ]
    yield from _table("suspects-table", ("field", "rule", "value", "page"), rows)
    rows = [
        [str(item.get(key) or "") for key in ("kind", "label", "pages", "example")]
        + [(item.get("urls") or [""])[0]]
        for item in doubts.get("unmapped", [])[:DOUBTS_SHOWN]
    ]
    yield from _table("unmapped-table", ("kind", "label", "pages", "example", "first page"), rows)
    yield "</section>"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _table(table_id: str, columns: Sequence[str], rows: list[list[str]]) -> Iterable[str]:
    """A table of text cells, or nothing when it has no row."""
    if not rows:
        return
    head = "".join(f"<th>{escape(name)}</th>" for name in columns)
    yield f'<div class="scroll"><table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>'
    for row in rows:
        yield "<tr>" + "".join(f'<td class="text">{escape(cell)}</td>' for cell in row) + "</tr>"
    yield "</tbody></table></div>"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 120:
        return f"{seconds:.1f} s"
    minutes = seconds / 60
    return f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def _dataset_line(dataset: DatasetSummary) -> str:
    if not dataset.publications:
        return "No publication in the current picture yet."
    years = sorted(dataset.by_year)
    span = f", published {years[0]} to {years[-1]}" if years else ""
    undated = f" ({dataset.undated:,} without a date)" if dataset.undated else ""
    return (
        f"{dataset.publications:,} publications{span}{undated}, and {dataset.topics:,} topic "
        f"pages: the latest record of each page across {dataset.runs} runs, less the pages "
        "removed since (as harvest export has it)."
    )
