"""The report's charts, drawn by matplotlib as SVG text to put inline in the page.

Each function takes the history (``harvest.contract.report._history``) or the dataset's
counts and returns a ``Chart``: an id, a title, a caption and the SVG. Text stays
text in the SVG (``svg.fonttype: none``: the browser's sans-serif draws it, and it
can be searched and copied); each chart's ids are salted with its name, so two
charts inline in one page never share an id, and the same data gives the same
bytes. matplotlib is imported here only: ``harvest report --html`` pays its
0.5 s, no other command does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from harvest.contract._drift import MIN_SAMPLE
from harvest.contract.report._drawing import (
    ALARM,
    COLOURS,
    INK,
    Chart,
    cell,
    chart,
    colormap,
    nothing,
    run_axis,
    slug,
    stacked,
    threshold,
)
from harvest.contract.report._history import CHANGES, PAGE_OUTCOMES, RunSummary

if TYPE_CHECKING:
    from matplotlib.axes import Axes

MOST_RUNS = 90  # per-run charts show the last this many runs
HEATMAP_RUNS = 30  # coverage grids show the last this many runs


def run_charts(runs: Sequence[RunSummary]) -> list[Chart]:
    """The per-run charts: records by change, pages by outcome, error rate, duration."""
    shown = list(runs[-MOST_RUNS:])
    note = f" The last {len(shown)} of {len(runs)} runs." if len(runs) > len(shown) else ""
    return [
        _records_by_change(shown, note),
        _pages_by_outcome(shown, note),
        _error_rate(shown, note),
        _duration(shown, note),
    ]


def coverage_charts(runs: Sequence[RunSummary]) -> list[Chart]:
    """Per page kind, a grid of field coverage across runs; then the largest drop per run."""
    shown = list(runs[-HEATMAP_RUNS:])
    kinds = sorted({kind for run in shown for kind in run.coverage})
    charts = [_coverage_grid(shown, kind, len(runs)) for kind in kinds]
    charts.append(_largest_drops(list(runs[-MOST_RUNS:]), len(runs)))
    return charts


def dataset_charts(by_year: dict[int, int], by_type: dict[str, int]) -> list[Chart]:
    """What the current picture holds: publications per year and per content type."""
    return [_per_year(by_year), _per_type(by_type)]


# -- per run ---------------------------------------------------------------------------


def _records_by_change(runs: list[RunSummary], note: str) -> Chart:
    def draw(ax: Axes) -> None:
        stacked(ax, runs, {change: [run.pages[change] for run in runs] for change in CHANGES})
        ax.set_ylabel("records")

    return chart(
        "records-by-change",
        "Records by change",
        "Records each run wrote, by what changed: a page new to the state, a page whose "
        "record changed, a page that answered 404 or 410 after giving a record." + note,
        draw,
    )


def _pages_by_outcome(runs: list[RunSummary], note: str) -> Chart:
    def draw(ax: Axes) -> None:
        stacked(
            ax, runs, {outcome: [run.pages[outcome] for run in runs] for outcome in PAGE_OUTCOMES}
        )
        ax.set_ylabel("pages")

    return chart(
        "pages-by-outcome",
        "Pages by outcome",
        "Pages each run asked for, by outcome. Unchanged pages (a 304, the same body or "
        "the same record) write nothing; skipped ones were left by choice (robots.txt, "
        "scope); failed ones gave an error record." + note,
        draw,
    )


def _error_rate(runs: list[RunSummary], note: str) -> Chart:
    def draw(ax: Axes) -> None:
        xs = range(len(runs))
        rates = [100 * (run.error_rate or 0.0) for run in runs]
        ax.plot(xs, rates, marker="o", markersize=3, color=COLOURS["failed"], label="error rate")
        limits = [run.max_error_rate for run in runs if run.max_error_rate is not None]
        if limits:
            limit = 100 * limits[-1]
            threshold(ax, limit, f"--max-error-rate {limit:g}%: exit 1 above")
            ax.set_ylim(0, max(limit * 2, *rates, 1) * 1.1)
        ax.set_ylabel("% of pages failed")
        run_axis(ax, runs)

    return chart(
        "error-rate",
        "Error rate",
        "Share of the pages a run asked for that failed (fetch or parse), against the "
        "limit above which crawl exits 1." + note,
        draw,
    )


def _duration(runs: list[RunSummary], note: str) -> Chart:
    seconds = [run.duration_s or 0.0 for run in runs]
    unit, scale = ("minutes", 60.0) if max(seconds, default=0) >= 180 else ("seconds", 1.0)

    def draw(ax: Axes) -> None:
        colours = [COLOURS["updated"] if run.outcome == "complete" else ALARM for run in runs]
        ax.bar(range(len(runs)), [s / scale for s in seconds], color=colours, width=0.8)
        ax.set_ylabel(unit)
        run_axis(ax, runs)

    return chart(
        "duration",
        "Duration",
        f"How long each run took, in {unit}; a run that did not end complete "
        "(interrupted, killed, failed) is drawn in orange." + note,
        draw,
    )


# -- coverage --------------------------------------------------------------------------


def _coverage_grid(runs: list[RunSummary], kind: str, total: int) -> Chart:
    fields = list(
        dict.fromkeys(f for run in runs for f in run.coverage.get(kind, {}).get("fields", {}))
    )
    alarms = {
        (column, alarm.get("field"))
        for column, run in enumerate(runs)
        for alarm in run.alarms
        if alarm.get("alarm") == "coverage" and alarm.get("page_kind") == kind
    }
    points = next((run.drift_points for run in reversed(runs) if run.drift_points), 20.0)

    def draw(ax: Axes) -> None:
        import numpy as np  # noqa: PLC0415  # matplotlib's own dependency

        grid = np.full((len(fields), len(runs)), np.nan)
        for column, run in enumerate(runs):
            seen = run.coverage.get(kind)
            if not seen or not run.compares(kind):
                continue
            for row, name in enumerate(fields):
                share = seen["fields"].get(name)
                if share is not None:
                    grid[row, column] = 100 * share
        colours = colormap()
        image = ax.imshow(grid, cmap=colours, vmin=0, vmax=100, aspect="auto")
        ax.set_yticks(range(len(fields)), fields)
        ax.tick_params(axis="y", length=0)
        for column, name in alarms:
            if name in fields:
                ax.add_patch(cell(column, fields.index(name)))
        if len(runs) <= 12:
            for row in range(len(fields)):
                for column in range(len(runs)):
                    value = grid[row, column]
                    if not np.isnan(value):
                        ax.text(column, row, f"{value:.0f}", ha="center", va="center",
                                fontsize=7, color="white" if value < 60 else INK)  # fmt: skip
        run_axis(ax, runs)
        ax.spines[:].set_visible(False)
        bar = ax.figure.colorbar(image, ax=ax, fraction=0.03, pad=0.01)
        bar.set_label("% filled")

    height = 1.2 + 0.2 * max(len(fields), 3)
    note = f" The last {len(runs)} of {total} runs." if total > len(runs) else ""
    return chart(
        f"coverage-{slug(kind)}",
        f"Field coverage: {kind} pages",
        f"The share of {kind} records with each field filled, per run. Grey: the run saw "
        f"no {kind} page, or too few to weigh (under {MIN_SAMPLE}, in a run that was not "
        "a sweep), as the drift alarm does. A cell outlined in orange rang the alarm: the "
        f"field fell by more than {points:g} points against the run it was compared with." + note,
        draw,
        height=height,
    )


def _largest_drops(runs: list[RunSummary], total: int) -> Chart:
    points = next((run.drift_points for run in reversed(runs) if run.drift_points), 20.0)

    def draw(ax: Axes) -> None:
        drops = [max(run.largest_drop[2], 0.0) if run.largest_drop else 0.0 for run in runs]
        colours = [ALARM if drop > points else COLOURS["updated"] for drop in drops]
        ax.bar(range(len(runs)), drops, color=colours, width=0.8)
        threshold(ax, points, f"drift alarm: a drop of more than {points:g} points")
        ax.set_ylim(0, max(points * 1.5, *drops, 1) * 1.1)
        ax.set_ylabel("points")
        run_axis(ax, runs)

    note = f" The last {len(runs)} of {total} runs." if total > len(runs) else ""
    return chart(
        "largest-drop",
        "Largest coverage drop",
        "Per run, the field whose coverage fell most against the run the drift alarm "
        "compared it with, in percentage points (0: nothing fell, or nothing was "
        f"compared), against the alarm's threshold of {points:g} points." + note,
        draw,
    )


# -- the dataset -----------------------------------------------------------------------


def _per_year(by_year: dict[int, int]) -> Chart:
    def draw(ax: Axes) -> None:
        if not by_year:
            nothing(ax)
            return
        years = sorted(by_year)
        ax.bar(years, [by_year[year] for year in years], color=COLOURS["updated"], width=0.8)
        ax.set_ylabel("publications")
        from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))

    return chart(
        "per-year",
        "Publications per year",
        "Publications in the current picture by the year they were published (those with a date).",
        draw,
    )


def _per_type(by_type: dict[str, int]) -> Chart:
    shown = list(by_type.items())[:20]

    def draw(ax: Axes) -> None:
        if not shown:
            nothing(ax)
            return
        labels = [kind or "(none)" for kind, _ in reversed(shown)]
        values = [count for _, count in reversed(shown)]
        ax.barh(range(len(shown)), values, color=COLOURS["new"], height=0.7)
        ax.set_yticks(range(len(shown)), labels)
        ax.set_xlabel("publications")
        for y, value in enumerate(values):
            ax.annotate(f"{value:,}", (value, y), xytext=(3, 0), textcoords="offset points",
                        va="center", color=INK)  # fmt: skip

    more = f" The 20 most common of {len(by_type)}." if len(by_type) > len(shown) else ""
    return chart(
        "per-content-type",
        "Publications per content type",
        "Publications in the current picture by the label the page gives itself "
        "(Research, Commentary …)." + more,
        draw,
        height=1.0 + 0.25 * max(len(shown), 2),
    )
