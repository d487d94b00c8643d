"""The export's tables, as SQL over the JSONL files of the chosen runs.

``load_records`` has DuckDB read the runs' JSONL files itself (streamed, every
column declared from the models, nothing guessed) into the work tables
``work.publications`` and ``work.topics``: the current picture (the latest record
per ``url``, less the pages whose latest event is a removal) or, with
``history``, every record line. ``table_sql`` selects each export table from
them, in the types a format wants; ``VIEWS`` are the DuckDB database's extras.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from harvest.contract.export._columns import (
    Column,
    Field,
    Mode,
    fields_of,
    flat_columns,
    json_type,
    quote,
    select_list,
)
from harvest.contract.export._runs import Run
from harvest.models import ErrorRecord, Publication, Topic

# export table -> (record kind, model)
RECORDS: dict[str, tuple[str, type[BaseModel]]] = {
    "publications": ("publication", Publication),
    "topics": ("topic", Topic),
}


@dataclass(frozen=True)
class Child:
    """A flat table of the items of a record's list field, keyed by the record's url."""

    name: str
    parent: str
    items: str  # the record's list field
    # item columns renamed where they would be ambiguous beside the record's url
    renames: Mapping[str, str] = field(default_factory=dict)


CHILDREN = (
    Child("authors", "publications", "authors", {"url": "profile_url"}),
    Child("downloads", "publications", "downloads", {"url": "file_url"}),
    Child(
        "print_offers",
        "publications",
        "print_offers",
        {"price_amount": "amount", "price_currency": "currency"},
    ),
    Child("topic_entries", "topics", "entries", {"url": "entry_url"}),
)
TABLES = (*RECORDS, *(child.name for child in CHILDREN))
# Every table's rows say which run they come from (with --history, which version).
RUN_ID: Column = ("run_id", "run_id")
_KINDS = ("publication", "topic", "error")
# With --history a url has several versions: the views look at the last one fetched.
_LATEST_FIRST = "row_number() OVER (PARTITION BY url ORDER BY fetched_at DESC)"

VIEWS = {
    # amounts per currency, over each page's latest version
    "print_offer_amounts": f"""
        SELECT o.currency, count(*) AS offers, count(DISTINCT o.url) AS publications,
               sum(o.amount) AS total, min(o.amount) AS cheapest, max(o.amount) AS dearest
        FROM print_offers AS o
        JOIN (SELECT url, run_id FROM publications QUALIFY {_LATEST_FIRST} = 1) USING (url, run_id)
        WHERE o.amount IS NOT NULL
        GROUP BY o.currency ORDER BY o.currency""",
    # per year published: how many, and the most recent of them
    "latest_publications_by_year": f"""
        SELECT published_year AS year, count(*) AS publications,
               max(published) AS latest_published,
               arg_max(title, published) AS latest_title, arg_max(url, published) AS latest_url
        FROM (SELECT * FROM publications QUALIFY {_LATEST_FIRST} = 1)
        WHERE published_year IS NOT NULL
        GROUP BY published_year ORDER BY published_year DESC""",
}


def load_records(con: Any, runs: Sequence[Run], *, as_of: datetime | None, history: bool) -> None:
    """Fill ``work.publications`` and ``work.topics`` with the records to export."""
    con.execute("CREATE TABLE work.files (filename VARCHAR, run_id VARCHAR, run_order INTEGER)")
    rows = [
        (str(run.file(kind)), run.run_id, order)
        for order, run in enumerate(runs)
        for kind in _KINDS
    ]
    if rows:
        con.executemany("INSERT INTO work.files VALUES (?, ?, ?)", rows)
    _load_removals(con, runs, as_of)
    for table, (kind, model) in RECORDS.items():
        fields = fields_of(model)
        source, params = _lines(runs, kind, fields)
        if history:
            con.execute(
                f"CREATE TABLE work.{table} AS SELECT * FROM ({source}) AS l "
                f"WHERE true{_until(as_of, 'fetched_at')}",
                params,
            )
        else:
            _load_latest(con, table, runs, kind, fields, as_of)
            con.execute(
                f"CREATE TABLE work.{table} AS SELECT * FROM ({source}) AS l "
                f"SEMI JOIN work.{table}_latest USING (run_id, url, fetched_at)",
                params,
            )


def _load_removals(con: Any, runs: Sequence[Run], as_of: datetime | None) -> None:
    fields = [f for f in fields_of(ErrorRecord) if f.name in ("url", "outcome", "at")]
    source, params = _lines(runs, "error", fields)
    con.execute(
        f'CREATE TABLE work.removals AS SELECT run_order, url, "at" FROM ({source}) '
        f"WHERE outcome = 'removed'{_until(as_of, 'at')}",
        params,
    )


def _load_latest(
    con: Any,
    table: str,
    runs: Sequence[Run],
    kind: str,
    fields: Sequence[Field],
    as_of: datetime | None,
) -> None:
    """``work.TABLE_latest``: the key of the line to export per url, pages removed left out.

    Decided on three short columns per line, with an aggregate (which spills to
    disk), so a long history costs disk, not memory.
    """
    keys, params = _lines(runs, kind, [f for f in fields if f.name in ("url", "fetched_at")])
    con.execute(
        f"CREATE TABLE work.{table}_latest AS SELECT * FROM (SELECT url, "
        "last.run_order AS run_order, last.fetched_at AS fetched_at, last.run_id AS run_id "
        "FROM (SELECT url, max({'run_order': run_order, 'fetched_at': fetched_at, "
        f"'run_id': run_id}}) AS last FROM ({keys}) "
        f"WHERE true{_until(as_of, 'fetched_at')} GROUP BY url)) AS l "
        "WHERE NOT EXISTS (SELECT 1 FROM work.removals AS r WHERE r.url = l.url AND "
        "(r.run_order > l.run_order OR "
        '(r.run_order = l.run_order AND r."at" > l.fetched_at)))',
        params,
    )


def _lines(runs: Sequence[Run], kind: str, fields: Sequence[Field]) -> tuple[str, dict[str, Any]]:
    """Every line of one kind's files, typed as declared, with its run id."""
    files = [str(run.file(kind)) for run in runs if run.file(kind).is_file()]
    if not files:  # read_json wants a file: an empty relation of the same types
        casts = ", ".join(f"CAST(NULL AS {json_type(f)}) AS {quote(f.name)}" for f in fields)
        return (
            "SELECT CAST(NULL AS VARCHAR) AS run_id, CAST(NULL AS INTEGER) AS run_order, "
            f"{casts} WHERE false",
            {},
        )
    columns = ", ".join(f"'{f.name}': '{json_type(f)}'" for f in fields)
    source = (
        "SELECT files.run_id, files.run_order, r.* EXCLUDE (filename) FROM read_json($files, "
        "format = 'newline_delimited', filename = true, hive_partitioning = false, "
        f"columns = {{{columns}}}) AS r JOIN work.files AS files USING (filename)"
    )
    return source, {"files": files}


def _until(as_of: datetime | None, column: str) -> str:
    if as_of is None:
        return ""
    return f" AND {quote(column)} <= CAST('{as_of.isoformat()}' AS TIMESTAMPTZ)"


def columns_of(table: str, mode: Mode) -> list[Column]:
    """The export table's columns: (name, SQL over its work table), in order."""
    if table in RECORDS:
        model = RECORDS[table][1]
        return [
            *(column for f in fields_of(model) for column in select_list(f, quote(f.name), mode)),
            RUN_ID,
        ]
    child = _child(table)
    item = _list_field(child).item
    assert item is not None and item.kind == "struct", child
    flat = [(child.renames.get(name, name), sql) for name, sql in flat_columns(item, "item", mode)]
    return [("url", "url"), ("position", "position"), *flat, RUN_ID]


def table_sql(table: str, mode: Mode) -> str:
    """The SELECT of one export table.

    Rows come in no particular order: ``ORDER BY`` over whole records would have
    DuckDB hold the table in memory. Sort on ``url`` (``run_id``, ``position``).
    """
    select = ", ".join(f"{sql} AS {quote(name)}" for name, sql in columns_of(table, mode))
    if table in RECORDS:
        return f"SELECT {select} FROM work.{table}"
    child = _child(table)
    items = quote(child.items)
    return (
        f"SELECT {select} FROM (SELECT url, run_id, "
        f"unnest(generate_series(1, len({items}))) AS position, unnest({items}) AS item "
        f"FROM work.{child.parent})"
    )


def _child(table: str) -> Child:
    return next(child for child in CHILDREN if child.name == table)


def _list_field(child: Child) -> Field:
    model = RECORDS[child.parent][1]
    return next(f for f in fields_of(model) if f.name == child.items)
