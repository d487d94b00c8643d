"""The state file's schema, one script per version, and what each upgrade fills in.

A file is upgraded in place when opened (``harvest.state._db.Database``); a file
newer than this harvest is refused.
"""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import timedelta

from harvest.state._stamps import read_stamp, stamp

STATE_VERSION = 2

# One script per version: MIGRATIONS[n] takes a version-n file to version n + 1.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE pages (
        url TEXT PRIMARY KEY,
        kind TEXT,
        status INTEGER,
        fetched_at TEXT,
        etag TEXT,
        last_modified TEXT,
        content_sha256 TEXT,
        record_sha256 TEXT,
        links TEXT,
        filled TEXT,
        first_seen_run TEXT,
        last_run TEXT,
        removed_at TEXT
    );
    CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        outcome TEXT NOT NULL,
        config_digest TEXT NOT NULL,
        pid INTEGER,
        out_dir TEXT NOT NULL,
        counts TEXT,
        manifest TEXT
    );
    CREATE TABLE frontier (
        url TEXT PRIMARY KEY,
        depth INTEGER NOT NULL,
        done_run TEXT,
        outcome TEXT
    );
    CREATE INDEX frontier_done ON frontier (done_run);
    CREATE TABLE run_files (
        run_id TEXT NOT NULL,
        file TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        PRIMARY KEY (run_id, file)
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 2: the revisit schedule and listing walks (harvest.run._schedule, harvest.run._discovery).
    """
    ALTER TABLE pages ADD COLUMN next_visit TEXT;
    ALTER TABLE pages ADD COLUMN interval_s REAL;
    ALTER TABLE pages ADD COLUMN published TEXT;
    ALTER TABLE pages ADD COLUMN changed_at TEXT;
    ALTER TABLE pages ADD COLUMN next_page TEXT;
    ALTER TABLE pages ADD COLUMN checked_at TEXT;
    UPDATE pages SET checked_at = fetched_at;
    CREATE INDEX pages_next_visit ON pages (next_visit);
    CREATE TABLE sitemaps (
        url TEXT PRIMARY KEY,
        etag TEXT,
        last_modified TEXT,
        checked_at TEXT
    );
    ALTER TABLE frontier ADD COLUMN walk TEXT;
    ALTER TABLE frontier ADD COLUMN whole INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE frontier ADD COLUMN streak INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE frontier ADD COLUMN revisit INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE walks (
        root TEXT PRIMARY KEY,
        complete INTEGER NOT NULL DEFAULT 0,
        resume_url TEXT,
        resume_depth INTEGER,
        unordered TEXT,
        updated_at TEXT
    );
    """,
)
assert len(MIGRATIONS) == STATE_VERSION
# What a file of version 1 knew of its pages' schedule: none. Their first revisits are
# spread over the longest default interval from their last fetch, as a first crawl's
# are; pages that never gave a record are due at once.
_BACKFILL_DAYS = 30


def backfill(db: sqlite3.Connection, version: int) -> None:
    """What a file upgraded to ``version`` must have that the script cannot give."""
    if version == 2:
        _backfill_schedule(db)


def _backfill_schedule(db: sqlite3.Connection) -> None:
    rows = db.execute(
        "SELECT url, fetched_at, record_sha256, removed_at FROM pages"
        " WHERE kind IS NOT 'listing' AND fetched_at IS NOT NULL"
    ).fetchall()
    spread = _BACKFILL_DAYS * 86400.0
    updates = []
    for url, fetched_at, record, removed in rows:
        wait = spread * _backfill_phase(url) if record is not None or removed else 0.0
        updates.append((stamp(read_stamp(fetched_at) + timedelta(seconds=wait)), spread, url))
    db.executemany("UPDATE pages SET next_visit = ?, interval_s = ? WHERE url = ?", updates)
    # Version 1 kept no next page of a listing: read each listing once more in full
    # (its record is kept, so nothing is emitted again when it has not changed).
    db.execute(
        "UPDATE pages SET etag = NULL, last_modified = NULL, content_sha256 = NULL"
        " WHERE kind = 'listing'"
    )


def statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def _backfill_phase(url: str) -> float:
    """Where in the backfill spread a page falls: frozen with migration 2 (the schedule's
    ``phase`` of that release), so that the migration does the same on every state file
    whatever the schedule later becomes."""
    digest = hashlib.sha256(url.encode("utf-8")).digest()
    return (int.from_bytes(digest[:8], "big") + 1) / 2**64
