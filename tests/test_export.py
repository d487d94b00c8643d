"""``harvest export``: the runs' records as typed tables, read back as analysts would.

Two module fixtures crawl the recorded site in-process: ``one`` once; ``two`` twice,
as a schedule would (a month later every page is due), after the site changed
between the runs (MG115's paperback went from $20.00 to $25.00 and one article was
taken down), as in tests/test_analysts.py. Exports are made through the CLI, in
process, and read back with DuckDB, pyarrow, pandas, the csv module and json.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args

import duckdb
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the dev group
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest
from pydantic import BaseModel

import harvest.contract.export as export_module
from harvest.cli import main
from harvest.config._settings import Settings
from harvest.contract.export._columns import Mode, fields_of
from harvest.contract.export._tables import TABLES, columns_of
from harvest.models import SCHEMA_VERSION, Author, Publication, Topic
from harvest.run._runner import crawl_sync
from tests.conftest import ROOT, SITE

MG115 = "https://www.rand.org/pubs/monographs/MG115.html"
RB9056 = "https://www.rand.org/pubs/research_briefs/RB9056.html"
RR2646 = "https://www.rand.org/pubs/research_reports/RR2646.html"
GONE = "https://www.rand.org/blog/2020/07/are-us-japan-relations-on-the-rocks.html"
OLD_PRICE = b'<td class="price">$20.00</td>'
NEW_PRICE = b'<td class="price">$25.00</td>'


@dataclass(frozen=True)
class Runs:
    out: Path
    ids: tuple[str, ...]
    between: datetime  # after the first run, before the second


@pytest.fixture(scope="module")
def one(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    out = tmp_path_factory.mktemp("one") / "output"
    first = crawl_sync(Settings(replay_dir=SITE, out_dir=out))
    return Runs(out, (first.run_dir.name,), datetime.now(UTC))


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    base = tmp_path_factory.mktemp("two")
    site = base / "site"
    shutil.copytree(SITE, site)
    settings = Settings(replay_dir=site, out_dir=base / "output")
    first = crawl_sync(settings)
    between = datetime.now(UTC)
    page = site / "www.rand.org/pubs/monographs/MG115.html"
    page.write_bytes(page.read_bytes().replace(OLD_PRICE, NEW_PRICE))
    (site / GONE.removeprefix("https://")).unlink()
    second = crawl_sync(replace(settings, clock=datetime.now(UTC) + timedelta(days=31)))
    return Runs(base / "output", (first.run_dir.name, second.run_dir.name), between)


def cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["--log-format", "text", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, err


def export(runs: Path, to: Path, fmt: str, capsys: pytest.CaptureFixture[str], *flags: str) -> Path:
    code, err = cli(
        ["export", "--out", str(runs), "--format", fmt, "--to", str(to), *flags], capsys
    )
    assert code == 0, err
    return to


def rows(path: Path) -> list[dict[str, Any]]:
    """A Parquet file's rows as Python values (dates, Decimals, aware datetimes)."""
    result: list[dict[str, Any]] = pq.read_table(path).to_pylist()
    return result


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def describe(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    return {row[0]: row[1] for row in con.execute(f"DESCRIBE {relation}").fetchall()}


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = con.execute(sql).fetchone()
    assert row is not None, sql
    return row[0]


# -- Parquet, as DuckDB and pandas read it ----------------------------------------------


def test_parquet_gives_duckdb_its_types_without_declarations(
    one: Runs, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = export(one.out, tmp_path / "x", "parquet", capsys)
    con = duckdb.connect()
    pubs = f"'{folder}/publications.parquet'"
    assert scalar(con, f"SELECT count(*) FROM {pubs}") == 31
    types = describe(con, pubs)
    assert types["published"] == "DATE"
    assert types["fetched_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["isbn"] == types["doi"] == types["document_number"] == "VARCHAR"
    assert "amount DECIMAL(18,2)" in types["print_offers"]
    assert "size_bytes BIGINT" in types["downloads"]
    rb9056 = con.execute(
        "SELECT published, published_precision, published_year, published_month, published_iso"
        f" FROM {pubs} WHERE url = '{RB9056}'"
    ).fetchall()
    assert rb9056 == [(date(2004, 1, 1), "year", 2004, None, "2004")]
    offers = f"'{folder}/print_offers.parquet'"
    assert describe(con, offers)["amount"] == "DECIMAL(18,2)"
    assert con.execute(
        f"SELECT amount, currency FROM {offers} WHERE url = '{MG115}'"
    ).fetchall() == [(Decimal("20.00"), "USD")]


def test_pandas_reads_the_parquet_typed(
    one: Runs, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = export(one.out, tmp_path / "x", "parquet", capsys)
    pubs = pd.read_parquet(folder / "publications.parquet").set_index("url")
    assert len(pubs) == 31
    assert pd.api.types.is_string_dtype(pubs["isbn"]) or pubs["isbn"].dtype == object
    assert pubs.loc[RR2646, "isbn"] == "9781977403186"
    fetched = pubs["fetched_at"].dtype
    assert isinstance(fetched, pd.DatetimeTZDtype) and str(fetched.tz) == "UTC"
    assert pubs.loc[MG115, "published"] == date(2004, 8, 15)
    assert pubs.loc[RB9056, ["published", "published_precision"]].tolist() == [
        date(2004, 1, 1),
        "year",
    ]
    offers = pd.read_parquet(folder / "print_offers.parquet", dtype_backend="numpy_nullable")
    assert all(isinstance(amount, Decimal) for amount in offers["amount"])
    assert offers["pages"].dtype == "Int64"
    downloads = pd.read_parquet(folder / "downloads.parquet", dtype_backend="numpy_nullable")
    assert downloads["size_bytes"].dtype == "Int64"
    assert downloads["size_bytes"].isna().sum() == 1  # RRA346-1's button shows no size


def test_parquet_and_duckdb_carry_the_schema_version_and_the_runs(
    two: Runs, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = export(two.out, tmp_path / "x", "parquet", capsys)
    for table in TABLES:
        meta = pq.read_schema(folder / f"{table}.parquet").metadata
        assert meta[b"harvest.schema_version"] == SCHEMA_VERSION.encode()
        assert json.loads(meta[b"harvest.runs"]) == list(two.ids)
    about = json.loads((folder / "export.json").read_text(encoding="utf-8"))
    assert (about["schema_version"], about["runs"]) == (SCHEMA_VERSION, list(two.ids))
    assert about["tables"]["publications"] == {"file": "publications.parquet", "rows": 30}

    database = export(two.out, tmp_path / "x.duckdb", "duckdb", capsys)
    con = duckdb.connect(str(database), read_only=True)
    runs = con.execute("SELECT run_id, outcome FROM _runs ORDER BY started_at").fetchall()
    assert runs == [(run_id, "complete") for run_id in two.ids]
    values = dict(con.execute("SELECT key, value FROM _export").fetchall())
    assert values["schema_version"] == SCHEMA_VERSION


# -- The columns come from the models ---------------------------------------------------


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The record model a field holds (directly, optional, or in a list), if any."""
    for arg in (annotation, *get_args(annotation)):
        for inner in (arg, *get_args(arg)):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    return None


def _missing(model: type[BaseModel], arrow: Any, where: str) -> list[str]:
    """Model fields with no column (or struct member) in an Arrow schema or struct type."""
    names = {field.name: field.type for field in arrow}
    missing = []
    for name, info in model.model_fields.items():
        if name not in names:
            missing.append(f"{where}.{name}")
            continue
        nested = _model_of(info.annotation)
        if nested is not None:
            kind = names[name]
            inner = kind.value_type if pa.types.is_list(kind) else kind
            missing += _missing(nested, inner, f"{where}.{name}")
    return missing


def test_every_model_field_has_a_column(
    one: Runs, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = export(one.out, tmp_path / "x", "parquet", capsys)
    for table, model in (("publications", Publication), ("topics", Topic)):
        schema = pq.read_schema(folder / f"{table}.parquet")
        assert _missing(model, schema, table) == []


def test_the_flat_tables_columns_are_a_contract() -> None:
    """A field added to an item model shows up here: add it to the list and the docs."""
    expected = {
        "authors": ["url", "position", "name", "profile_url", "role", "run_id"],
        "downloads": [
            "url", "position", "section", "format", "file_url", "size_bytes", "size_text",
            "notes", "run_id",
        ],
        "print_offers": [
            "url", "position", "format", "pages", "amount", "currency", "price_text", "run_id",
        ],
        "topic_entries": [
            "url", "position", "content_type", "title", "entry_url", "date", "date_precision",
            "date_year", "date_month", "date_iso", "date_raw", "summary", "image_url",
            "image_alt", "image_caption", "image_credit", "featured", "run_id",
        ],
    }  # fmt: skip
    for table, names in expected.items():
        assert [name for name, _ in columns_of(table, Mode.TYPED)] == names, table
    assert [f.name for f in fields_of(Author)] == list(Author.model_fields)


def test_a_field_of_a_type_without_a_column_rule_is_an_error() -> None:
    class Odd(BaseModel):
        url: str
        score: float

    with pytest.raises(TypeError, match=r"Odd\.score"):
        fields_of(Odd)


# -- The current picture, a past one, and the history -----------------------------------


def _latest_records(out: Path, name: str) -> dict[str, dict[str, Any]]:
    """The latest JSONL record per url across the runs, less pages removed after it.

    Runs in the order they started (two runs can share a second, and a run id holds
    its second only).
    """
    latest: dict[str, dict[str, Any]] = {}
    removed: dict[str, datetime] = {}
    manifests = [json.loads(path.read_text("utf-8")) for path in out.glob("[0-9]*/manifest.json")]
    for manifest in sorted(manifests, key=lambda m: datetime.fromisoformat(m["started_at"])):
        run = out / manifest["run_id"]
        for record in lines(run / name):
            latest[record["url"]] = record
        for error in lines(run / "errors.jsonl"):
            if error["outcome"] == "removed":
                removed[error["url"]] = datetime.fromisoformat(error["at"])
    never = datetime.min.replace(tzinfo=UTC)
    return {
        url: record
        for url, record in latest.items()
        if removed.get(url, never) < datetime.fromisoformat(record["fetched_at"])
    }


def _expected(value: Any, name: str) -> dict[str, Any]:
    """A JSONL field as the export's columns hold it: a date is five columns."""
    if name not in ("published", "date"):
        return {name: _value(value, name)}
    if value is None:
        return {name: None, **{f"{name}_{part}": None for part in _DATE_PARTS}}
    padded = value + {4: "-01-01", 7: "-01", 10: ""}[len(value)]
    return {
        name: date.fromisoformat(padded),
        f"{name}_precision": {4: "year", 7: "month", 10: "day"}[len(value)],
        f"{name}_year": int(value[:4]),
        f"{name}_month": int(value[5:7]) if len(value) >= 7 else None,
        f"{name}_iso": value,
    }


def _value(value: Any, name: str) -> Any:
    if name == "fetched_at":
        return datetime.fromisoformat(value)
    if name == "amount":
        return Decimal(value)
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _expected(item, key).items()}
    if isinstance(value, list):
        return [_value(item, name) for item in value]
    return value


_DATE_PARTS = ("precision", "year", "month", "iso")


def test_every_exported_field_equals_the_latest_jsonl_record(
    two: Runs, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = export(two.out, tmp_path / "x", "parquet", capsys)
    for table, count in (("publications", 30), ("topics", 2)):
        records = _latest_records(two.out, f"{table}.jsonl")
        exported = {row["url"]: row for row in rows(folder / f"{table}.parquet")}
        assert exported.keys() == records.keys() and len(records) == count, table
        for url, record in records.items():
            row = exported[url]
            for field, value in record.items():
                for column, expected in _expected(value, field).items():
                    assert row[column] == expected, (url, column)


# flat table -> (record file, list field, item keys renamed beside the record's url)
FLAT = {
    "authors": ("publications", "authors", {"url": "profile_url"}),
    "downloads": ("publications", "downloads", {"url": "file_url"}),
    "print_offers": (
        "publications",
        "print_offers",
        {"price_amount": "amount", "price_currency": "currency"},
    ),
    "topic_entries": ("topics", "entries", {"url": "entry_url"}),
}


_NESTED = ("image", "price")  # the objects inside list items


def _flat(item: dict[str, Any], renames: dict[str, str]) -> dict[str, Any]:
    """A list item as its flat row: nested objects as ``name_field`` columns."""
    flat: dict[str, Any] = {}
    for key, value in item.items():
        if key not in _NESTED:
            flat |= _expected(value, key)
        elif value is not None:  # a null one: every column of it null (checked apart)
            flat |= {f"{key}_{k}": v for k, v in _value(value, key).items()}
    return {renames.get(key, key): value for key, value in flat.items()}


@pytest.mark.parametrize("table", sorted(FLAT))
def test_the_flat_tables_hold_every_item_in_page_order(
    table: str, two: Runs, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = export(two.out, tmp_path / "x", "parquet", capsys)
    parent, field, renames = FLAT[table]
    got: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(rows(folder / f"{table}.parquet"), key=lambda r: r["position"]):
        got.setdefault(row.pop("url"), []).append(row)
    records = _latest_records(two.out, f"{parent}.jsonl")
    assert set(got) == {url for url, record in records.items() if record[field]}
    for url, record in records.items():
        for position, (row, item) in enumerate(
            zip(got.get(url, []), record[field], strict=True), 1
        ):
            assert row["position"] == position and row["run_id"] is not None
            for column, value in _flat(item, renames).items():
                assert row[column] == value, (url, position, column)
            for key in (key for key in _NESTED if key in item and item[key] is None):
                assert all(row[c] is None for c in row if c.startswith(f"{key}_")), (url, key)


def test_a_removed_page_leaves_the_picture_but_not_the_past(
    two: Runs, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = {
        r["url"]: r
        for r in rows(export(two.out, tmp_path / "now", "parquet", capsys) / "publications.parquet")
    }
    assert len(now) == 30 and GONE not in now
    assert now[MG115]["print_offers"][0]["price"]["amount"] == Decimal("25.00")
    assert now[MG115]["run_id"] == two.ids[1]

    past_folder = export(
        two.out, tmp_path / "past", "parquet", capsys, "--as-of", two.between.isoformat()
    )
    past = {r["url"]: r for r in rows(past_folder / "publications.parquet")}
    assert len(past) == 31 and GONE in past
    assert past[MG115]["print_offers"][0]["price"]["amount"] == Decimal("20.00")
    about = json.loads((past_folder / "export.json").read_text(encoding="utf-8"))
    assert about["runs"] == [two.ids[0]]

    before = export(two.out, tmp_path / "before", "parquet", capsys, "--as-of", "2000-01-01")
    assert rows(before / "publications.parquet") == []


def test_history_keeps_every_version(
    two: Runs, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = export(two.out, tmp_path / "x", "parquet", capsys, "--history")
    versions = rows(folder / "publications.parquet")
    assert len(versions) == 31 + 1
    mg115 = {(r["run_id"], r["change"]) for r in versions if r["url"] == MG115}
    assert mg115 == {(two.ids[0], "new"), (two.ids[1], "updated")}
    assert GONE in {r["url"] for r in versions}
    offers = {
        (r["run_id"], r["amount"])
        for r in rows(folder / "print_offers.parquet")
        if r["url"] == MG115
    }
    assert offers == {(two.ids[0], Decimal("20.00")), (two.ids[1], Decimal("25.00"))}


# -- Every format; an empty --out -------------------------------------------------------


def test_the_duckdb_database_has_the_tables_and_views(
    two: Runs, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = export(two.out, tmp_path / "x.duckdb", "duckdb", capsys)
    con = duckdb.connect(str(database), read_only=True)
    assert scalar(con, "SELECT count(*) FROM publications") == 30
    assert describe(con, "print_offers")["amount"] == "DECIMAL(18,2)"
    totals = {row[0]: row for row in con.execute("SELECT * FROM print_offer_amounts").fetchall()}
    assert set(totals) == {"USD", "GBP", "EUR"}
    assert all(isinstance(value, Decimal) for value in totals["USD"][3:])
    years = con.execute("SELECT year, publications FROM latest_publications_by_year").fetchall()
    assert sum(count for _, count in years) == 30
    assert years == sorted(years, reverse=True)


def test_csv_is_rfc_4180_with_nested_values_as_json_text(
    two: Runs, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = export(two.out, tmp_path / "x", "csv", capsys)
    raw = (folder / "publications.csv").read_bytes()
    assert raw.count(b"\r\n") >= 31 and raw.decode("utf-8")
    with (folder / "publications.csv").open(encoding="utf-8", newline="") as fh:
        pubs = {row["url"]: row for row in csv.DictReader(fh)}
    assert len(pubs) == 30
    mg115 = pubs[MG115]
    assert json.loads(mg115["print_offers"])[0]["price"] == {"amount": "25.00", "currency": "USD"}
    assert mg115["published"] == "2004-08-15" and mg115["fetched_at"].endswith("Z")
    assert pubs[RR2646]["isbn"] == "9781977403186"
    with (folder / "print_offers.csv").open(encoding="utf-8", newline="") as fh:
        offers = list(csv.DictReader(fh))
    assert {"amount": "25.00", "currency": "USD"}.items() <= next(
        o for o in offers if o["url"] == MG115
    ).items()


def test_jsonl_keeps_amounts_as_decimal_strings(
    two: Runs, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = export(two.out, tmp_path / "x", "jsonl", capsys)
    offers = lines(folder / "print_offers.jsonl")
    assert {"url": MG115, "amount": "25.00", "currency": "USD"}.items() <= next(
        o for o in offers if o["url"] == MG115
    ).items()
    pubs = {p["url"]: p for p in lines(folder / "publications.jsonl")}
    assert len(pubs) == 30
    assert pubs[RB9056]["published"] == "2004-01-01"
    assert pubs[RB9056]["published_precision"] == "year"
    assert pubs[MG115]["print_offers"][0]["price"]["amount"] == "25.00"
    about = json.loads((folder / "export.json").read_text(encoding="utf-8"))
    assert about["tables"]["print_offers"] == {"file": "print_offers.jsonl", "rows": len(offers)}


@pytest.mark.parametrize("fmt", ["parquet", "duckdb", "csv", "jsonl"])
def test_an_empty_out_exports_empty_typed_tables(
    fmt: str, one: Runs, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    to = tmp_path / ("x.duckdb" if fmt == "duckdb" else "x")
    code, err = cli(
        ["export", "--out", str(tmp_path / "none"), "--format", fmt, "--to", str(to)], capsys
    )
    assert code == 0 and "no published runs" in err
    full = export(one.out, tmp_path / ("full.duckdb" if fmt == "duckdb" else "full"), fmt, capsys)
    for table in TABLES:
        if fmt == "duckdb":
            con = duckdb.connect(str(to), read_only=True)
            assert scalar(con, f"SELECT count(*) FROM {table}") == 0
            with duckdb.connect(str(full), read_only=True) as other:
                assert describe(con, table) == describe(other, table)
            con.close()
        elif fmt == "parquet":
            assert pq.read_table(to / f"{table}.parquet").num_rows == 0
            empty, filled = (pq.read_schema(p / f"{table}.parquet") for p in (to, full))
            assert empty.equals(filled, check_metadata=False)
            assert all(field.nullable for field in empty), table  # as in every export
        elif fmt == "csv":
            header = (to / f"{table}.csv").read_bytes()
            assert header == (full / f"{table}.csv").read_bytes().split(b"\r\n")[0] + b"\r\n"
        else:
            assert (to / f"{table}.jsonl").read_bytes() == b""


# -- Atomic replacement; bad input ------------------------------------------------------


def test_an_export_replaces_the_last_one_whole_and_leaves_nothing_beside_it(
    two: Runs, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for fmt, name in (("parquet", "x"), ("duckdb", "x.duckdb")):
        export(two.out, tmp_path / name, fmt, capsys, "--as-of", two.between.isoformat())
        export(two.out, tmp_path / name, fmt, capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x", "x.duckdb"]
    assert len(rows(tmp_path / "x" / "publications.parquet")) == 30


def test_a_failed_export_leaves_the_last_one_as_it_was(
    two: Runs, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = export(two.out, tmp_path / "x", "parquet", capsys)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def broken(*args: object) -> None:
        raise duckdb.IOException("IO Error: disk full\nmore detail")

    monkeypatch.setattr(export_module, "write_tables", broken)
    code, err = cli(
        ["export", "--out", str(two.out), "--format", "parquet", "--to", str(folder)], capsys
    )
    assert code == 1 and err.strip() == "harvest: error: export failed: IO Error: disk full"
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["x"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xlsx", "--to", "{tmp}/x"], "--format must be one of"),
        (["--format", "parquet"], "export needs --format"),
        (["--to", "{tmp}/x"], "export needs --format"),
        (["--format", "csv", "--to", "{tmp}/file.txt"], "is a file"),
        (["--format", "duckdb", "--to", "{tmp}/file.txt"], "is not a DuckDB database"),
        (["--format", "duckdb", "--to", "{tmp}/folder"], "is a folder"),
        (["--format", "jsonl", "--to", "{tmp}/folder"], "holds no export"),
        (["--format", "csv", "--to", "{tmp}/x", "--as-of", "last week"], "--as-of wants"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(
    args: list[str],
    message: str,
    one: Runs,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "file.txt").write_text("notes", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "mine.txt").write_text("keep me", encoding="utf-8")
    argv = ["export", "--out", str(one.out), *(a.format(tmp=tmp_path) for a in args)]
    code, err = cli(argv, capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("harvest: error:")
    assert message in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt", "folder"]
    assert (tmp_path / "folder" / "mine.txt").read_text(encoding="utf-8") == "keep me"


def test_out_comes_from_the_config_file_as_for_crawl(
    one: Runs, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(one.out, tmp_path / "runs", symlinks=True)
    (tmp_path / "harvest.toml").write_text('[output]\nout = "runs"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, err = cli(["export", "--format", "jsonl", "--to", "x"], capsys)
    assert code == 0, err
    assert len(lines(tmp_path / "x" / "publications.jsonl")) == 31
    code, err = cli(["export", "--out", "runs", "--format", "csv", "--to", "y"], capsys)  # relative
    assert code == 0, err
    assert json.loads((tmp_path / "y" / "export.json").read_text("utf-8"))["runs"] == list(one.ids)


# -- docs/records.md --------------------------------------------------------------------

_DOC_SNIPPET = re.compile(r"^<!-- export-test -->\n```(python|sql)\n(.*?)^```", re.M | re.S)


def test_the_docs_one_line_loads_work(
    two: Runs, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    export(two.out, tmp_path / "export", "parquet", capsys)
    monkeypatch.chdir(tmp_path)
    snippets = _DOC_SNIPPET.findall((ROOT / "docs" / "records.md").read_text(encoding="utf-8"))
    assert [language for language, _ in snippets] == ["python", "sql"]
    namespace: dict[str, Any] = {}
    exec(snippets[0][1], namespace)
    publications = namespace["publications"]
    assert len(publications) == 30 and publications["published_month"].dtype == "Int32"
    found = {url: rest for url, *rest in duckdb.connect().execute(snippets[1][1]).fetchall()}
    assert len(found) == 30 and found[RB9056][1:] == [date(2004, 1, 1), "year"]


# -- crawl --export ----------------------------------------------------------------------


def test_crawl_export_refreshes_the_export_after_each_complete_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = tmp_path / "site"
    shutil.copytree(SITE, site)
    out, to = tmp_path / "output", tmp_path / "export"
    argv = ["crawl", "--replay", str(site), "--out", str(out), "--quiet"]
    code, err = cli([*argv, "--export", f"parquet:{to}", "--export", f"csv:{to}-csv"], capsys)
    assert code == 0, err
    assert len(rows(to / "publications.parquet")) == 31
    assert len(list(csv.DictReader((to.parent / "export-csv/publications.csv").open()))) == 31
    (site / GONE.removeprefix("https://")).unlink()
    code, err = cli([*argv, "--full", "--export", f"parquet:{to}"], capsys)
    assert code == 0, err
    meta = json.loads((to / "export.json").read_text("utf-8"))
    assert len(meta["runs"]) == 2
    assert len(rows(to / "publications.parquet")) == 30  # the removal is in the picture


def test_crawl_export_comes_from_the_config_relative_to_its_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    etc = tmp_path / "etc"
    etc.mkdir()
    config = etc / "harvest.toml"
    config.write_text(
        f'replay = "{SITE}"\n[output]\nout = "runs"\nexport = ["duckdb:harvest.duckdb"]\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    code, err = cli(["crawl", "--config", str(config), "--quiet"], capsys)
    assert code == 0, err
    con = duckdb.connect(str(etc / "harvest.duckdb"), read_only=True)
    assert scalar(con, "SELECT count(*) FROM publications") == 31


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("xlsx:{tmp}/x", "--export wants FORMAT:PATH"),
        ("{tmp}/x", "--export wants FORMAT:PATH"),
        ("parquet:", "--export wants FORMAT:PATH"),
        ("csv:{tmp}/folder", "--export csv:{tmp}/folder is a folder that holds no export"),
    ],
)
def test_a_bad_crawl_export_is_refused_before_the_crawl(
    spec: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "mine.txt").write_text("keep me", encoding="utf-8")
    argv = ["crawl", "--replay", str(SITE), "--out", str(tmp_path / "output")]
    code, err = cli([*argv, "--export", spec.format(tmp=tmp_path)], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert message.format(tmp=tmp_path) in err
    assert not (tmp_path / "output").exists()


def test_a_failed_crawl_export_exits_1_with_the_run_published(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise duckdb.IOException("IO Error: disk full")

    monkeypatch.setattr(export_module, "write_tables", broken)
    out = tmp_path / "output"
    argv = ["crawl", "--replay", str(SITE), "--out", str(out), "--quiet"]
    code, err = cli([*argv, "--export", f"parquet:{tmp_path / 'x'}"], capsys)
    assert code == 1
    assert "export failed: IO Error: disk full" in err
    assert "the run is published" in err
    assert len(lines(out / "latest" / "publications.jsonl")) == 31
    assert not (tmp_path / "x").exists()
