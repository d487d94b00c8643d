"""What harvest remembers between runs, in one SQLite file.

- ``pages``: per URL, the last fetch (time, status), the validators for a
  conditional GET (ETag, Last-Modified), the hash of the body and of the record
  last emitted, the links it led to (so a 304 listing still leads on) and which
  fields its record had (for coverage).
- ``runs``: per run, its id, start and end, outcome, counts and manifest.
- ``frontier``: the crawl pass in progress: every URL admitted, and the run that
  finished it. A run that stops early leaves the rest for the next run. The crawl's
  dedupe is this table, not a set in memory, so a run's memory does not grow with
  the size of the site.
- ``run_files``: for a run not yet published, how many bytes of each output file
  are committed. A run killed mid-write is cut back to these on recovery.
- ``walks``: per listing walk (keyed by its first page), whether a run ever walked it
  to its last page, where an unfinished walk goes on, and whether its dates were
  found out of order (``harvest.run._discovery``).
- ``pages.next_visit`` and ``interval_s``: the revisit schedule (``harvest.run._schedule``).

A page is finished in one transaction (its page row, its frontier row, the row of
the URL it was redirected to, its file offsets) after its output line has reached the
OS, so a run killed at any moment leaves a state that agrees with its files. The links
a page leads to are admitted (committed) before that, so a finished page's links are
always in the frontier.
"""

from __future__ import annotations

from harvest.state._migrations import STATE_VERSION
from harvest.state._pages import PageState, PageUpdate
from harvest.state._pass import FrontierRow, PassTables, WalkState
from harvest.state._runs import RunRow, RunsTable
from harvest.state._schedule import ScheduleQueries, ScheduleSummary

__all__ = [
    "STATE_VERSION",
    "FrontierRow",
    "PageState",
    "PageUpdate",
    "RunRow",
    "ScheduleSummary",
    "State",
    "WalkState",
]


class State(PassTables, RunsTable, ScheduleQueries):
    """The state file, opened (and migrated) for one run at a time.

    Its methods live by table: the connection and upgrades (``_db``, ``_migrations``),
    ``pages`` (``_pages``), the pass in progress, ``frontier`` and ``walks`` (``_pass``),
    ``runs`` and ``run_files`` (``_runs``), and the revisit schedule with the
    ``sitemaps`` (``_schedule``).
    """
