"""A listing walk's state after one of its pages, from what the state knew before and
what this run saw (no I/O): what ``Frontier`` stores with the page's checkpoint."""

from __future__ import annotations

from harvest.run._plan import WalkCount
from harvest.run._requests import Request
from harvest.state import WalkState


def walk_after(
    before: WalkState | None,
    seen: WalkCount,
    following: Request,
    *,
    follow: bool,
    disorder: str | None,
    max_depth: int | None,
) -> WalkState | None:
    """The walk's state to store after this page; None when it does not change.

    ``following`` is the walk's next page (its URL empty at the last page);
    ``follow`` whether the walk goes on to it; ``disorder`` why this page's dates
    are out of order. A walk that reached its last page (or the depth limit) is
    complete, and in order unless this run saw otherwise. A whole walk that goes on
    records where, so that a run that stops before the end is followed by one that
    goes on.
    """
    walk = following.walk or following.url
    unordered = disorder or (before.unordered if before else None)
    beyond_depth = max_depth is not None and following.depth > max_depth
    if not following.url or (follow and beyond_depth):
        if seen.unchecked and not seen.disorder:  # not all read again: as it was
            return WalkState(walk, True, None, None, before.unordered if before else None)
        return WalkState(walk, True, None, None, seen.disorder)
    if follow and following.whole:
        complete = before.complete if before else False
        return WalkState(walk, complete, following.url, following.depth, unordered)
    if disorder is not None:
        return WalkState(
            walk,
            before.complete if before else False,
            before.resume_url if before else None,
            before.resume_depth if before else None,
            disorder,
        )
    return None


def walk_cut(before: WalkState | None, request: Request) -> WalkState:
    """A walk cut at this page by max_pages: unfinished again, so a later run goes on
    from here to the end (never losing what did not fit, at the cost of a whole walk)."""
    walk = request.walk or request.url
    unordered = before.unordered if before else None
    return WalkState(walk, False, request.url, request.depth, unordered)
