"""Discovery: how far a run walks a newest-first listing, decided with no I/O.

rand.org's listings (``/pubs.html?start=N``, topic pages) put the newest entries
first. A run walks each listing from its first page and stops following the
next-page link once ``stop_after_known`` pages in a row brought no entry new to the
state: what lies further was seen by an earlier run. Two cases are walked whole,
to the last page, whatever they bring:

- a walk no run has finished yet (the first run, or one cut by ``max_pages`` or a
  kill): it goes on from where it stopped (the walk's ``resume_url``);
- a listing whose dates are not newest first (``order_problem``): stopping early
  would miss entries, so it is walked whole and the log says why.

Featured entries (pinned at the top of a page, whatever their date) are left out
of the order check.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    """What discovery needs of a listing entry."""

    url: str
    date: str | None  # ISO, as precise as the page: 2020-01-14, 2020-01 or 2020
    featured: bool = False


@dataclass(frozen=True)
class Step:
    """What to do with a listing page's next page."""

    follow: bool
    whole: bool  # the next page is walked whatever it brings
    streak: int  # pages in a row, this one included, that brought nothing new
    reason: str


def order_problem(entries: Iterable[Entry], floor: str | None = None) -> str | None:
    """Why these entries are not newest first, or None when they are.

    ``floor`` is the last date of the page before (entries may not be newer).
    Dates are compared as precisely as the less precise of the two.

    >>> order_problem([Entry("a", "2025-12-11"), Entry("b", "2025-12"), Entry("c", "2024")])
    >>> order_problem([Entry("a", "2020-01-14"), Entry("b", "2021-03-01")])
    'b dated 2021-03-01 comes after 2020-01-14'
    >>> order_problem([Entry("a", "2004", featured=True), Entry("b", "2025-12-01")])
    """
    last = floor
    for entry in entries:
        if entry.featured or not entry.date:
            continue
        if last is not None:
            width = min(len(last), len(entry.date))
            if entry.date[:width] > last[:width]:
                return f"{entry.url} dated {entry.date} comes after {last}"
        last = entry.date
    return None


def last_date(entries: Iterable[Entry]) -> str | None:
    """The date of the last dated, not featured entry: the next page's ``floor``."""
    dates = [entry.date for entry in entries if entry.date and not entry.featured]
    return dates[-1] if dates else None


def next_step(
    *,
    has_next: bool,
    new: int,
    whole: bool,
    streak: int,
    disorder: str | None,
    stop_after_known: int,
) -> Step:
    """Whether to follow a listing page's next page.

    ``new``: entries on this page new to the state; ``whole``: this page belongs to a
    walk that goes to the end; ``streak``: pages in a row before it that brought
    nothing new.

    >>> next_step(has_next=True, new=0, whole=False, streak=0, disorder=None,
    ...           stop_after_known=1).follow
    False
    >>> next_step(has_next=True, new=3, whole=False, streak=0, disorder=None,
    ...           stop_after_known=1).follow
    True
    """
    streak = 0 if new else streak + 1
    if not has_next:
        return Step(False, whole, streak, "last page")
    if disorder is not None:
        return Step(True, True, streak, f"not newest first ({disorder}): walked whole")
    if whole:
        return Step(True, True, streak, "walked whole")
    if streak >= stop_after_known:
        return Step(False, False, streak, f"{streak} page(s) in a row with nothing new")
    return Step(True, False, streak, "new entries" if new else "within stop_after_known")
