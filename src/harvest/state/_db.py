"""The state file's connection: opened, upgraded, and written in transactions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from harvest.errors import ConfigError
from harvest.state._migrations import MIGRATIONS, STATE_VERSION, backfill, statements


class Database:
    """The SQLite file, in WAL mode, upgraded to ``STATE_VERSION`` when opened.

    The tables' methods (``harvest.state._pages``, ``_runs``, ``_pass``, ``_schedule``)
    are mixed into ``State`` over this.
    """

    db: sqlite3.Connection
    path: Path

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA busy_timeout = 5000")
            mode = self.db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            self.db.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise ConfigError(f"state file {path} is not usable: {exc}") from exc
        except OSError as exc:
            raise ConfigError(f"cannot open state file {path}: {exc.strerror or exc}") from exc
        self.wal = mode == "wal"

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > STATE_VERSION:
            raise ConfigError(
                f"state file {self.path} is version {version}, newer than this harvest "
                f"understands ({STATE_VERSION}): upgrade harvest"
            )
        for number in range(version, STATE_VERSION):
            with self._transaction():
                for statement in statements(MIGRATIONS[number]):
                    self.db.execute(statement)
                backfill(self.db, number + 1)
                self.db.execute(f"PRAGMA user_version = {number + 1}")

    def close(self) -> None:
        self.db.close()

    def _transaction(self) -> _Transaction:
        return _Transaction(self.db)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK when the block raises."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")
