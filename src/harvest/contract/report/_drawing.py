"""How the report's charts are drawn: matplotlib's style, the page's palette, and the
SVG made inline-safe (ids salted with the chart's name; text kept as text)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from harvest.contract.report._history import RunSummary

# Okabe and Ito's palette, told apart with any colour vision.
COLOURS = {
    "new": "#009E73",
    "updated": "#0072B2",
    "unchanged": "#BBBBBB",
    "removed": "#CC79A7",
    "skipped": "#E69F00",
    "failed": "#D55E00",
}
ALARM = "#D55E00"
INK = "#333333"
WIDTH_IN = 9.0  # inches: the page's column at 72 pt an inch
_RC: dict[str, Any] = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.edgecolor": "#999999",
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "legend.frameon": False,
}


@dataclass(frozen=True)
class Chart:
    """One chart: its id in the page, its title and caption, and the SVG element."""

    id: str
    title: str
    caption: str
    svg: str


def chart(
    chart_id: str, title: str, caption: str, draw: Callable[[Axes], None], *, height: float = 2.8
) -> Chart:
    with _style(chart_id):
        from matplotlib.figure import Figure  # noqa: PLC0415

        figure: Figure = Figure(figsize=(WIDTH_IN, height), layout="constrained")
        draw(figure.add_subplot())
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Title": title})
    return Chart(chart_id, title, caption, _inline(buffer.getvalue(), chart_id, title))


@contextmanager
def _style(salt: str) -> Iterator[None]:
    import matplotlib as mpl  # noqa: PLC0415

    style: Any = {**_RC, "svg.hashsalt": salt}  # the stubs list every key as a literal
    with mpl.rc_context(style):
        yield


def stacked(ax: Axes, runs: list[RunSummary], series: dict[str, list[int]]) -> None:
    bottom = [0] * len(runs)
    for name, values in series.items():
        ax.bar(range(len(runs)), values, bottom=bottom, color=COLOURS[name], label=name, width=0.8)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.legend(ncols=len(series), loc="upper left", bbox_to_anchor=(0, 1.18), fontsize=8)
    top = clip(bottom)
    if top is not None:  # a first crawl dwarfs the nights after it: cut it, and say so
        ax.set_ylim(0, top)
        for x, total in enumerate(bottom):
            if total > top:
                ax.annotate(f"{total:,} (cut)", (x, top), xytext=(8, -10),
                            textcoords="offset points", color=INK, fontsize=8)  # fmt: skip
    elif not any(bottom):
        ax.set_ylim(0, 1)
    run_axis(ax, runs)


def clip(totals: list[int]) -> float | None:
    """A y limit that keeps the usual runs readable beside a few huge ones, or None.

    When the largest bar is more than 8 times the median of the bars, the axis
    stops at twice the largest bar under 4 times the median.
    """
    usual = sorted(t for t in totals if t)
    if len(usual) < 5:
        return None
    median = usual[len(usual) // 2]
    if usual[-1] <= 8 * median:
        return None
    return 2.0 * max(t for t in usual if t <= 4 * median)


def threshold(ax: Axes, y: float, label: str) -> None:
    """A dashed line across the chart at ``y``, named at its left end."""
    ax.axhline(y, color=INK, linestyle="--", linewidth=1)
    ax.annotate(label, (0, y), xytext=(2, 3), textcoords="offset points", color=INK)


def run_axis(ax: Axes, runs: list[RunSummary]) -> None:
    """Runs along x, one step each, labelled by their UTC start; at most about 10 labels."""
    step = max(1, -(-len(runs) // 10))
    ticks = list(range(0, len(runs), step))
    same_day = runs[-1].started_at - runs[0].started_at < timedelta(days=1)
    form = "%H:%M:%S" if same_day else "%Y-%m-%d\n%H:%M" if len(ticks) <= 6 else "%m-%d %H:%M"
    ax.set_xticks(ticks, [runs[i].started_at.strftime(form) for i in ticks])
    ax.set_xlim(-0.6, len(runs) - 0.4)
    day = f", {runs[0].started_at:%Y-%m-%d}" if same_day else ""
    ax.set_xlabel(f"run (UTC start{day})")


def cell(column: int, row: int) -> Any:
    from matplotlib.patches import Rectangle  # noqa: PLC0415

    return Rectangle((column - 0.5, row - 0.5), 1, 1, fill=False, edgecolor=ALARM, linewidth=2)


def colormap() -> Any:
    import matplotlib as mpl  # noqa: PLC0415

    return mpl.colormaps["viridis"].with_extremes(bad="#E8E8E8")


def nothing(ax: Axes) -> None:
    ax.text(0.5, 0.5, "no publications yet", ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()


_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.S)
_ID = re.compile(r'\bid="([^"]+)"')
_REFERENCE = re.compile(r'(url\(#|href="#)([^)"]+)')


def _inline(svg: str, chart_id: str, title: str) -> str:
    """The ``<svg>`` element alone, labelled for screen readers, its ids its own.

    matplotlib numbers its groups per figure (``axes_1`` ...): inline beside other
    charts, every id and reference to one is prefixed with the chart's id.
    """
    element = _PROLOGUE.sub("", svg, count=1)
    own = set(_ID.findall(element))
    element = _ID.sub(lambda m: f'id="{chart_id}-{m.group(1)}"', element)
    element = _REFERENCE.sub(
        lambda m: m.group(1) + (f"{chart_id}-" if m.group(2) in own else "") + m.group(2),
        element,
    )
    return element.replace(
        "<svg ", f'<svg role="img" aria-labelledby="{chart_id}-title" class="chart" ', 1
    )


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "kind"
