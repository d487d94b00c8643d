"""``harvest export``: the runs' records as typed tables (Parquet, DuckDB, CSV, JSONL).

Runs are incremental, so the current picture of the site is the latest record per
``url`` across the published runs under ``--out`` (the runs in the order they
started, then ``fetched_at``), less the pages whose latest event is a removal. ``export_runs``
writes that picture, or with ``history`` every record line of every run, as the
tables ``publications``, ``topics`` (nested lists kept as lists of structs) and the
flat ``authors``, ``downloads``, ``print_offers`` and ``topic_entries`` keyed by
``url``. Column types come from the record models (``columns``); every table has a
``run_id`` column, the run its row was read from. Rows come in no particular order.

Parquet is written by DuckDB, not pyarrow. Measured on a 2-core machine (DuckDB
2.0.1, pyarrow 26.0.1), exporting the current picture as the publication tables
(publications, authors, downloads, print_offers) in Parquet, each exporter in its
own process, from generated run folders built out of the recorded site's records:

    40,000 lines, 4 runs, 32,500 urls (128 MB)     wall      peak RSS   Parquet
      DuckDB: read_json, declared columns, SQL      1.3-1.5 s  275 MiB    1.2 MB
      pyarrow: Python reads the lines, keeps the
        latest offset per url, Arrow tables         4.2-4.6 s  260 MiB    1.8 MB
    the same urls with 10 times the history (400,000 lines, 1.28 GB)
      DuckDB                                        3.0-4.9 s  275-325 MiB
      pyarrow                                       9.1-9.8 s  260 MiB
    --history of those 400,000 lines, DuckDB        9-12 s     405 MiB

DuckDB is twice to three times as fast for the same memory, which stays flat as
the history grows in both (DuckDB's is capped by ``MEMORY_LIMIT``: beyond it, work
spills to a scratch folder beside ``--to``). It is needed anyway for ``--format
duckdb``; it reads the JSONL itself with every column declared, so no record passes
through Python; and one SQL text per table serves the four formats. (A first
DuckDB version that picked the latest line with a window over whole records
reached 1.1 GB at 400,000 lines and failed under a 256 MB cap: the latest line is
now chosen on its keys alone, ``tables._load_latest``.) pyarrow stays a dev
dependency, for pandas to read Parquet in the tests.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harvest._version import __version__
from harvest.config._targets import FORMATS, ExportTarget, export_target
from harvest.contract.export._columns import Mode
from harvest.contract.export._formats import Meta, literal, write_tables
from harvest.contract.export._runs import find_runs, parse_as_of
from harvest.contract.export._staging import check_target, staged, workspace
from harvest.contract.export._tables import TABLES, load_records, table_sql
from harvest.errors import ConfigError, HarvestError
from harvest.models import SCHEMA_VERSION

__all__ = [
    "FORMATS",
    "TABLES",
    "DatasetSummary",
    "ExportResult",
    "ExportTarget",
    "check_export",
    "export_runs",
    "export_target",
    "parse_as_of",
    "summarize",
]

log = logging.getLogger("harvest")
# DuckDB's share of memory: beyond it, it spills to the scratch folder beside --to.
MEMORY_LIMIT = "256MB"
_DISABLED = ",".join(
    (
        # DuckDB guesses a JSONL file holds few rows, and would build its hash join on
        # every line of every run rather than on the latest keys: memory as the history.
        "build_side_probe_side",
        # With it, DuckDB writes a Parquet column without a null in this export as
        # REQUIRED, and the next export's schema differs: every column stays nullable.
        "statistics_propagation",
    )
)


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: where, from which runs, and each table's row count."""

    path: Path
    format: str
    runs: tuple[str, ...]
    rows: dict[str, int]


def export_runs(
    out_dir: Path,
    to: Path,
    *,
    fmt: str,
    as_of: datetime | None = None,
    history: bool = False,
) -> ExportResult:
    """Export the runs under ``out_dir`` to ``to`` in format ``fmt``, atomically.

    ``as_of``: the picture at that moment (runs started and records fetched at or
    before it). ``history``: every record line, not just the latest per url. No
    runs gives empty tables of the same types (and a warning).
    """
    if fmt not in FORMATS:
        raise ConfigError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    folder = fmt != "duckdb"
    check_target(to, folder=folder, fmt=fmt)
    runs = tuple(find_runs(out_dir, as_of))
    if not runs:
        log.warning("no published runs under %s: exporting empty tables", out_dir)
    meta = Meta(fmt, SCHEMA_VERSION, __version__, datetime.now(UTC), as_of, history, runs)
    with workspace(to) as scratch, staged(to, folder=folder) as tmp:
        rows = _build(tmp, scratch, meta)
    return ExportResult(to, fmt, tuple(run.run_id for run in runs), rows)


def check_export(target: ExportTarget) -> None:
    """Refuse, before a crawl starts, an ``--export`` that could not be written."""
    folder = target.format != "duckdb"
    check_target(target.path, folder=folder, fmt=target.format, flag=f"--export {target}")


def _build(target: Path, scratch: Path, meta: Meta) -> dict[str, int]:
    """Load the records into DuckDB work tables and write every table to ``target``."""
    database = str(target) if meta.format == "duckdb" else ":memory:"
    with _connect(database, scratch, target) as con:
        load_records(con, meta.runs, as_of=meta.as_of, history=meta.history)
        return write_tables(con, target, meta)


@dataclass(frozen=True)
class DatasetSummary:
    """What the current picture holds, for ``harvest report --html``."""

    runs: int
    publications: int
    topics: int
    by_year: dict[int, int]  # publications per year published (those with a date)
    by_content_type: dict[str, int]  # most first; "" for none
    undated: int


def summarize(out_dir: Path) -> DatasetSummary:
    """Count the current picture of the runs under ``out_dir``, as an export has it."""
    import tempfile  # noqa: PLC0415

    runs = tuple(find_runs(out_dir))
    with (
        tempfile.TemporaryDirectory(prefix="harvest-summary-") as scratch,
        _connect(":memory:", Path(scratch), out_dir) as con,
    ):
        load_records(con, runs, as_of=None, history=False)
        sql = table_sql("publications", Mode.TYPED)
        by_year = con.execute(
            f"SELECT published_year, count(*) FROM ({sql}) "
            "WHERE published_year IS NOT NULL GROUP BY 1 ORDER BY 1"
        ).fetchall()
        by_type = con.execute(
            f"SELECT coalesce(content_type, ''), count(*) FROM ({sql}) "
            "GROUP BY 1 ORDER BY 2 DESC, 1"
        ).fetchall()
        (topics,) = con.execute("SELECT count(*) FROM work.topics").fetchone()
    publications = sum(count for _, count in by_type)
    dated = sum(count for _, count in by_year)
    return DatasetSummary(
        runs=len(runs),
        publications=publications,
        topics=int(topics),
        by_year={int(year): int(count) for year, count in by_year},
        by_content_type={str(kind): int(count) for kind, count in by_type},
        undated=publications - dated,
    )


@contextlib.contextmanager
def _connect(database: str, scratch: Path, target: Path) -> Iterator[Any]:
    """A DuckDB connection set up for the export, with the ``work`` database attached."""
    import duckdb  # noqa: PLC0415  # 0.2 s to import: only the export command pays it

    config: dict[str, str | bool | int | float | list[str]] = {
        "memory_limit": MEMORY_LIMIT,
        "temp_directory": str(scratch / "spill"),
    }
    try:
        con = duckdb.connect(database, config=config)
    except duckdb.Error as exc:
        raise HarvestError(f"cannot write {target}: {_first_line(exc)}") from exc
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")  # it would write on stdout
        # No table promises an order (a sort holds a whole table in memory): let DuckDB
        # stream rows as they come, without buffering them to keep the files' order.
        con.execute("SET preserve_insertion_order = false")
        with contextlib.suppress(duckdb.Error):  # a later DuckDB may name them otherwise
            con.execute(f"SET disabled_optimizers = '{_DISABLED}'")
        con.execute(f"ATTACH {literal(str(scratch / 'work.duckdb'))} AS work")
        yield con
    except duckdb.Error as exc:
        raise HarvestError(f"export failed: {_first_line(exc)}") from exc
    finally:
        con.close()


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
