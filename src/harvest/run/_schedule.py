"""When to ask for a known page again: an adaptive revisit interval, with no I/O.

Each page the crawl has seen carries an interval and a next-visit time. A run
revisits the pages whose time has come, most overdue first, within its budget
(``revisit_budget``); the frontier applies what this module decides.

- A page seen for the first time starts at an interval that grows with its age: a
  publication from this week is checked again tomorrow, one from 2004 in
  ``max_interval``. Its first revisit falls at a point of that interval picked
  from its URL (``phase``), so that a first crawl of 40,000 pages does not make
  them all due on the same night.
- Unchanged since the last visit: the interval grows (``grow``), and is never
  shorter than the page's age times ``recency``.
- Changed: the interval shrinks (``shrink``): a page that changes comes back sooner.
- A failure is asked again after ``min_interval``; a removed or skipped page after
  ``max_interval``, in case it comes back.

Every interval stays within ``[min_interval, max_interval]``. This is the adaptive
fetch schedule of Apache Nutch (``AdaptiveFetchSchedule``), with the age of the
publication as a second signal, since a publisher edits new reports more often
than old ones.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from harvest.errors import ConfigError

DAY = timedelta(days=1)


class Visit(StrEnum):
    """What a visit of a page found, as far as the schedule cares."""

    FIRST = "first"  # the page was not known before
    UNCHANGED = "unchanged"  # 304, the same body, or the same record
    CHANGED = "changed"  # its record differs from the one emitted before
    FAILED = "failed"  # fetch or parse failed: try again soon
    GONE = "gone"  # removed (404, 410) or skipped (robots.txt ...): look again much later


@dataclass(frozen=True)
class RevisitPolicy:
    """The bounds and factors of the adaptive interval (``[schedule]`` in the config)."""

    min_interval: timedelta = DAY
    max_interval: timedelta = 30 * DAY
    grow: float = 2.0
    shrink: float = 0.5
    recency: float = 0.25

    def __post_init__(self) -> None:
        if self.min_interval <= timedelta(0):
            raise ConfigError("min_interval_days must be more than 0")
        if self.max_interval < self.min_interval:
            raise ConfigError("max_interval_days must be at least min_interval_days")
        if self.grow < 1:
            raise ConfigError("grow must be 1 or more")
        if not 0 < self.shrink <= 1:
            raise ConfigError("shrink must be more than 0 and at most 1")
        if self.recency < 0:
            raise ConfigError("recency must be 0 or more")

    def clamp(self, interval: timedelta) -> timedelta:
        return max(self.min_interval, min(self.max_interval, interval))

    def age_bound(self, published: date | None, now: datetime) -> timedelta:
        """The shortest interval a page of this age is given (``max_interval`` if unknown)."""
        if published is None:
            return self.max_interval
        age = max(now - datetime(published.year, published.month, published.day, tzinfo=UTC), DAY)
        return self.clamp(age * self.recency)


@dataclass(frozen=True)
class Revisit:
    """The schedule of a page after a visit: its interval and when to ask again."""

    interval: timedelta
    at: datetime


def next_visit(
    policy: RevisitPolicy,
    visit: Visit,
    now: datetime,
    *,
    url: str,
    interval: timedelta | None = None,
    published: date | None = None,
) -> Revisit:
    """When to ask for ``url`` again after a visit at ``now`` that found ``visit``.

    ``interval`` is the page's interval before this visit (None: it has none yet);
    ``published`` its publication date, where it shows one.

    >>> policy, now = RevisitPolicy(), datetime(2026, 1, 10, tzinfo=UTC)
    >>> grown = next_visit(policy, Visit.UNCHANGED, now, url="u", interval=4 * DAY,
    ...                    published=date(2026, 1, 1))
    >>> grown.interval.days, grown.at == now + 8 * DAY
    (8, True)
    >>> next_visit(policy, Visit.CHANGED, now, url="u", interval=8 * DAY).interval.days
    4
    >>> old = next_visit(policy, Visit.UNCHANGED, now, url="u", interval=DAY,
    ...                  published=date(2004, 8, 15))
    >>> old.interval.days
    30
    """
    if visit is Visit.FAILED:
        kept = interval or policy.min_interval
        return Revisit(kept, now + policy.min_interval)
    if visit is Visit.GONE:
        return Revisit(policy.max_interval, now + policy.max_interval)
    if visit is Visit.FIRST or interval is None:
        first = policy.age_bound(published, now)
        return Revisit(first, now + first * phase(url))
    if visit is Visit.UNCHANGED:
        interval = policy.clamp(max(interval * policy.grow, policy.age_bound(published, now)))
    else:
        interval = policy.clamp(interval * policy.shrink)
    return Revisit(interval, now + interval)


def phase(url: str) -> float:
    """A point in (0, 1] picked from the URL: where in its first interval a page falls due.

    >>> 0 < phase("https://www.rand.org/pubs/monographs/MG115.html") <= 1
    True
    """
    digest = hashlib.sha256(url.encode("utf-8")).digest()
    return (int.from_bytes(digest[:8], "big") + 1) / 2**64


def published_date(text: str | None) -> date | None:
    """A record's ``published`` (``2004-08-15``, ``2020-01`` or ``2004``) as its first day.

    >>> published_date("2020-01"), published_date("2004-08-15"), published_date("soon")
    (datetime.date(2020, 1, 1), datetime.date(2004, 8, 15), None)
    """
    if not text:
        return None
    parts = text.split("-")
    try:
        numbers = [int(part) for part in parts[:3]] + [1] * (3 - min(len(parts), 3))
        return date(numbers[0], numbers[1], numbers[2])
    except ValueError:
        return None
