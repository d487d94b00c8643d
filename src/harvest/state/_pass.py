"""The crawl pass in progress: the ``frontier`` table (every URL admitted, and the run
that finished it) and the ``walks`` of listing pages. ``harvest.run._frontier`` is
their one writer during a run."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from harvest.errors import WriteError
from harvest.state._pages import PagesTable, PageUpdate


@dataclass(frozen=True)
class WalkState:
    """What the state knows of one listing walk (``harvest.run._discovery``)."""

    root: str
    complete: bool
    resume_url: str | None
    resume_depth: int | None
    unordered: str | None


@dataclass(frozen=True)
class FrontierRow:
    """One URL of the crawl pass in progress."""

    url: str
    depth: int
    done_run: str | None
    walk: str | None = None
    whole: bool = False
    streak: int = 0
    revisit: bool = False


class PassTables(PagesTable):
    """The pass in progress; ``finish`` also updates the page's row."""

    def pass_digest(self) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'pass_digest'").fetchone()
        return row[0] if row else None

    def start_pass(self, digest: str, seeds: Iterable[tuple[Any, ...]]) -> None:
        """Begin a crawl pass from the seeds, dropping whatever pass was left.

        A seed is ``(url, depth)`` or a whole ``FrontierRow`` less its ``done_run``:
        ``(url, depth, walk, whole, streak, revisit)``.
        """
        with self._transaction():
            self.db.execute("DELETE FROM frontier")
            self.db.execute("DELETE FROM meta WHERE key = 'pass_revisits'")
            self.db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('pass_digest', ?)", (digest,)
            )
            self.db.executemany(_INSERT_FRONTIER, [_frontier_row(seed) for seed in seeds])

    def frontier(self) -> Iterator[FrontierRow]:
        """Every URL of the pass in progress, in the order admitted."""
        rows = self.db.execute(
            "SELECT url, depth, done_run, walk, whole, streak, revisit FROM frontier ORDER BY rowid"
        )
        for url, depth, done, walk, whole, streak, revisit in rows:
            yield FrontierRow(url, depth, done, walk, bool(whole), streak, bool(revisit))

    def admit(
        self, rows: Iterable[tuple[Any, ...]], limit: int | None = None
    ) -> tuple[list[str], int]:
        """Add the rows (as for ``start_pass``) new to the pass, at most ``limit`` of them.

        Returns the URLs added, and how many more were new but did not fit.
        """
        added: list[str] = []
        over = 0
        try:
            with self._transaction():
                for row in rows:
                    if limit is not None and len(added) >= limit:
                        known = self.db.execute("SELECT 1 FROM frontier WHERE url = ?", row[:1])
                        over += known.fetchone() is None
                        continue
                    if self.db.execute(_INSERT_FRONTIER, _frontier_row(row)).rowcount == 1:
                        added.append(row[0])
        except sqlite3.Error as exc:
            raise WriteError(f"cannot write state file {self.path}: {exc}") from exc
        return added, over

    def revisits_admitted(self) -> bool:
        """Whether the pass in progress has admitted its revisits already."""
        row = self.db.execute("SELECT 1 FROM meta WHERE key = 'pass_revisits'").fetchone()
        return row is not None

    def admit_revisits(self, urls: Iterable[str]) -> list[str]:
        """Admit the pages picked for revisiting, once a pass (see ``due``)."""
        try:
            with self._transaction():
                added = [
                    url
                    for url in urls
                    if self.db.execute(_INSERT_FRONTIER, (url, 1, None, 0, 0, 1)).rowcount == 1
                ]
                self.db.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('pass_revisits', '1')"
                )
        except sqlite3.Error as exc:
            raise WriteError(f"cannot write state file {self.path}: {exc}") from exc
        return added

    def walk(self, root: str) -> WalkState | None:
        row = self.db.execute(
            "SELECT root, complete, resume_url, resume_depth, unordered FROM walks WHERE root = ?",
            (root,),
        ).fetchone()
        return None if row is None else WalkState(row[0], bool(row[1]), *row[2:])

    def walks(self) -> list[WalkState]:
        rows = self.db.execute(
            "SELECT root, complete, resume_url, resume_depth, unordered FROM walks ORDER BY root"
        )
        return [WalkState(r[0], bool(r[1]), *r[2:]) for r in rows]

    def is_done(self, url: str) -> bool | None:
        """Whether the pass has finished ``url``; None when the pass has not met it."""
        row = self.db.execute("SELECT done_run FROM frontier WHERE url = ?", (url,)).fetchone()
        return None if row is None else row[0] is not None

    def frontier_size(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM frontier").fetchone()[0])

    def finish(
        self,
        run_id: str,
        url: str,
        outcome: str,
        *,
        page: PageUpdate | None = None,
        also: Iterable[str] = (),
        files: dict[str, int] | None = None,
        walk: WalkState | None = None,
        at: str | None = None,
    ) -> None:
        """Record one finished page and the files' committed sizes.

        ``also``: other URLs the fetch settled (the target of a redirect), so that no
        later run of the pass fetches them again. ``walk``: the listing walk's state
        after this page, stored with it (``at``: when).
        """
        try:
            with self._transaction():
                self.db.executemany(
                    "INSERT INTO frontier (url, depth, done_run, outcome) VALUES (?, 0, ?, ?)"
                    " ON CONFLICT (url) DO UPDATE SET done_run = excluded.done_run,"
                    " outcome = excluded.outcome",
                    [(u, run_id, outcome) for u in (url, *also)],
                )
                if page is not None:
                    self._update_page(run_id, url, page)
                if walk is not None:
                    self.db.execute(
                        "INSERT OR REPLACE INTO walks"
                        " (root, complete, resume_url, resume_depth, unordered, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?)",
                        (
                            walk.root,
                            walk.complete,
                            walk.resume_url,
                            walk.resume_depth,
                            walk.unordered,
                            at,
                        ),
                    )
                if files:
                    self.db.executemany(
                        "INSERT OR REPLACE INTO run_files (run_id, file, bytes) VALUES (?, ?, ?)",
                        ((run_id, name, size) for name, size in files.items()),
                    )
        except sqlite3.Error as exc:
            raise WriteError(f"cannot write state file {self.path}: {exc}") from exc

    def reopen_pages(self, run_id: str, urls: Iterable[str]) -> None:
        """Put pages a dead run finished back in the queue (their output was lost)."""
        with self._transaction():
            self.db.executemany(
                "UPDATE frontier SET done_run = NULL, outcome = NULL"
                " WHERE url = ? AND done_run = ?",
                ((url, run_id) for url in urls),
            )


_INSERT_FRONTIER = (
    "INSERT OR IGNORE INTO frontier (url, depth, walk, whole, streak, revisit)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)


def _frontier_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """(url, depth[, walk, whole, streak, revisit]) with the defaults filled in."""
    return (*row, *(None, 0, 0, 0)[len(row) - 2 :])
