"""Writing the export tables in each format, into the staging path.

- ``parquet``: a folder, one ``TABLE.parquet`` per table, zstd-compressed, the
  export's metadata as key-value metadata (``harvest.schema_version``,
  ``harvest.runs`` ...) in every file;
- ``duckdb``: one database file with the tables, the ``VIEWS``, and ``_runs`` (the
  runs read) and ``_export`` (the export's metadata);
- ``csv``: a folder, one RFC 4180 file per table (UTF-8, CRLF, a header row); a
  list or struct column of ``publications`` or ``topics`` is one cell of JSON text;
- ``jsonl``: a folder, one JSONL file per table, amounts as decimal strings.

Beside the files of a folder format, ``export.json`` holds the same metadata and
each table's file and row count.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from harvest.contract.export._columns import Mode, quote
from harvest.contract.export._runs import Run
from harvest.contract.export._tables import TABLES, VIEWS, table_sql
from harvest.models import utc_text
from harvest.write import write_json

MODES = {"parquet": Mode.TYPED, "duckdb": Mode.TYPED, "csv": Mode.CSV, "jsonl": Mode.TEXT}
_COPY_OPTIONS = {
    "parquet": "FORMAT parquet, COMPRESSION zstd",
    "csv": "FORMAT csv, HEADER, NEW_LINE '\\r\\n'",
    "jsonl": "FORMAT json",
}


@dataclass(frozen=True)
class Meta:
    """What an export says about itself."""

    format: str
    schema_version: str
    harvest_version: str
    exported_at: datetime
    as_of: datetime | None
    history: bool
    runs: tuple[Run, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "harvest_version": self.harvest_version,
            "format": self.format,
            "exported_at": utc_text(self.exported_at),
            "as_of": utc_text(self.as_of) if self.as_of else None,
            "history": self.history,
            "runs": [run.run_id for run in self.runs],
        }


def write_tables(con: Any, target: Path, meta: Meta) -> dict[str, int]:
    """Write every table to ``target`` (a folder, or the database ``con`` has open)."""
    if meta.format == "duckdb":
        return _write_database(con, meta)
    counts = {table: _copy(con, table, target, meta) for table in TABLES}
    files = {
        table: {"file": f"{table}.{meta.format}", "rows": rows} for table, rows in counts.items()
    }
    write_json(target / "export.json", {**meta.as_dict(), "tables": files})
    return counts


def _copy(con: Any, table: str, folder: Path, meta: Meta) -> int:
    path = folder / f"{table}.{meta.format}"
    options = _COPY_OPTIONS[meta.format]
    if meta.format == "parquet":
        pairs = ", ".join(
            f"{literal('harvest.' + key)}: {literal(_text(value))}"
            for key, value in meta.as_dict().items()
        )
        options += f", KV_METADATA {{{pairs}}}"
    sql = table_sql(table, MODES[meta.format])
    row = con.execute(f"COPY ({sql}) TO {literal(str(path))} ({options})").fetchone()
    return int(row[0])


def _write_database(con: Any, meta: Meta) -> dict[str, int]:
    counts = {}
    for table in TABLES:
        con.execute(f"CREATE TABLE main.{quote(table)} AS {table_sql(table, Mode.TYPED)}")
        counts[table] = int(con.execute(f"SELECT count(*) FROM main.{quote(table)}").fetchone()[0])
    con.execute("DETACH work")  # the views must bind to this database's tables alone
    for name, sql in VIEWS.items():
        con.execute(f"CREATE VIEW main.{quote(name)} AS {sql}")
    _write_about(con, meta)
    return counts


def _write_about(con: Any, meta: Meta) -> None:
    """The tables ``_runs`` (the runs read) and ``_export`` (the export's metadata)."""
    con.execute(
        "CREATE TABLE main._runs (run_id VARCHAR, outcome VARCHAR, started_at TIMESTAMPTZ, "
        "finished_at TIMESTAMPTZ, schema_version VARCHAR)"
    )
    runs = [_run_row(run) for run in meta.runs]
    if runs:
        con.executemany("INSERT INTO main._runs VALUES (?, ?, ?, ?, ?)", runs)
    con.execute("CREATE TABLE main._export (key VARCHAR, value VARCHAR)")
    about = [(key, _text(value)) for key, value in meta.as_dict().items()]
    con.executemany("INSERT INTO main._export VALUES (?, ?)", about)


def _run_row(run: Run) -> tuple[str | None, ...]:
    started, finished = _stamp(run.started_at), _stamp(run.finished_at)
    return (run.run_id, run.outcome, started, finished, run.schema_version)


def _stamp(value: datetime | None) -> str | None:
    return utc_text(value) if value else None


def _text(value: object) -> str:
    """A metadata value as text: strings as they are, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def literal(text: str) -> str:
    """An SQL string literal (COPY and ATTACH take no parameters)."""
    return "'" + text.replace("'", "''") + "'"
