"""The output as analysts load it: DuckDB and pandas types, and the code of docs/records.md.

A module fixture crawls a copy of the recorded site twice, as a schedule would: once,
then a month later (every page due for a revisit) after the site changed (MG115's
paperback went from $20.00 to $25.00 and one article was taken down). The tests load
those run folders with DuckDB and pandas and check the types an analyst gets,
including the surprises docs/records.md warns about; then they run every code block
of docs/records.md marked ``<!-- test -->`` against the same folders, and check that
the field tables name exactly the models' fields, so the documentation cannot rot.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the dev group
import pytest
from pydantic import BaseModel

from harvest.config._settings import Settings
from harvest.fetch import OUTCOMES
from harvest.models import (
    Author,
    Download,
    ErrorRecord,
    Image,
    Money,
    PrintOffer,
    Publication,
    Record,
    Topic,
    TopicEntry,
)
from harvest.run._runner import crawl

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "fixtures" / "site"
DOC = ROOT / "docs" / "records.md"

MG115 = "https://www.rand.org/pubs/monographs/MG115.html"
RB9056 = "https://www.rand.org/pubs/research_briefs/RB9056.html"
GONE = "https://www.rand.org/blog/2020/07/are-us-japan-relations-on-the-rocks.html"
OLD_PRICE = b'<td class="price">$20.00</td>'
NEW_PRICE = b'<td class="price">$25.00</td>'


@dataclass(frozen=True)
class Runs:
    """Two runs of one output folder; ``base`` holds ``output/``."""

    base: Path
    first: Path
    second: Path


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    base = tmp_path_factory.mktemp("analysts")
    site = base / "site"
    shutil.copytree(SITE, site)
    settings = Settings(replay_dir=site, out_dir=base / "output")
    first = asyncio.run(crawl(settings))
    page = site / "www.rand.org/pubs/monographs/MG115.html"
    page.write_bytes(page.read_bytes().replace(OLD_PRICE, NEW_PRICE))
    (site / GONE.removeprefix("https://")).unlink()
    month_later = datetime.now(UTC) + timedelta(days=31)
    second = asyncio.run(crawl(replace(settings, clock=month_later)))
    return Runs(base, first.run_dir, second.run_dir)


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def read(path: Path) -> str:
    """A DuckDB relation of one JSONL file, every type guessed."""
    return f"read_json('{path}', format = 'newline_delimited')"


def column_types(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    return {row[0]: row[1] for row in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = con.execute(sql).fetchone()
    assert row is not None, sql
    return row[0]


def test_the_runs_are_the_ones_the_doc_describes(runs: Runs) -> None:
    first = json.loads((runs.first / "manifest.json").read_text(encoding="utf-8"))
    second = json.loads((runs.second / "manifest.json").read_text(encoding="utf-8"))
    assert first["counts"]["records"] == {"publication": 31, "topic": 2, "error": 0}
    assert second["counts"]["records"] == {"publication": 1, "topic": 0, "error": 1}
    assert second["removed_urls"] == [GONE]
    assert (runs.base / "output" / "latest").resolve() == runs.second.resolve()
    for run, manifest in ((runs.first, first), (runs.second, second)):
        for kind, name in manifest["files"].items():
            assert len(lines(run / name)) == manifest["counts"]["records"][kind]
    [updated] = lines(runs.second / "publications.jsonl")
    assert (updated["url"], updated["change"]) == (MG115, "updated")


# -- DuckDB -----------------------------------------------------------------------------


def test_duckdb_reads_publications_with_usable_types(
    runs: Runs, con: duckdb.DuckDBPyConnection
) -> None:
    path = runs.first / "publications.jsonl"
    pubs = read(path)
    types = column_types(con, pubs)
    assert types["fetched_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["authors"].startswith("STRUCT(") and types["authors"].endswith(")[]")
    assert scalar(con, f"SELECT typeof(authors[1].name) FROM {pubs} LIMIT 1") == "VARCHAR"
    sizes = con.execute(
        f"SELECT DISTINCT typeof(d.size_bytes) FROM (SELECT unnest(downloads) AS d FROM {pubs})"
    ).fetchall()
    assert sizes == [("BIGINT",)]
    assert types["published"] == "VARCHAR"  # RB9056's "2004" is not a DATE
    assert scalar(con, f"SELECT count(*) FROM {pubs}") == len(lines(path))
    # The instant is the one written (fetched as microseconds: Python objects need pytz).
    text = next(line["fetched_at"] for line in lines(path) if line["url"] == MG115)
    since_epoch = datetime.fromisoformat(text) - datetime(1970, 1, 1, tzinfo=UTC)
    micros = scalar(con, f"SELECT epoch_us(fetched_at) FROM {pubs} WHERE url = '{MG115}'")
    assert micros == since_epoch // timedelta(microseconds=1)


def test_duckdb_casts_full_dates_to_date_and_leaves_partial_ones_null(
    runs: Runs, con: duckdb.DuckDBPyConnection
) -> None:
    pubs = read(runs.first / "publications.jsonl")
    rows = con.execute(
        f"SELECT url, published, TRY_CAST(published AS DATE) FROM {pubs} ORDER BY url"
    ).fetchall()
    for url, text, day in rows:
        if len(text) == 10:
            assert day == date.fromisoformat(text), url
        else:
            assert day is None, url
    assert {url: text for url, text, _ in rows}[RB9056] == "2004"


def test_duckdb_casts_amounts_to_exact_decimals(runs: Runs, con: duckdb.DuckDBPyConnection) -> None:
    pubs = read(runs.first / "publications.jsonl")
    rows = con.execute(
        "SELECT url, offer.format, offer.price.amount,"
        " CAST(offer.price.amount AS DECIMAL(18, 2)), offer.price.currency"
        f" FROM (SELECT url, unnest(print_offers) AS offer FROM {pubs})"
    ).fetchall()
    assert (MG115, "Paperback", "20.00", Decimal("20.00"), "USD") in rows
    assert {currency for *_, currency in rows} == {"USD", "GBP", "EUR"}
    for _, _, text, amount, _ in rows:
        assert isinstance(amount, Decimal) and str(amount) == text


def test_duckdb_reads_topics_with_usable_types(runs: Runs, con: duckdb.DuckDBPyConnection) -> None:
    path = runs.first / "topics.jsonl"
    topics = read(path)
    types = column_types(con, topics)
    assert types["fetched_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["entries"].startswith("STRUCT(") and types["entries"].endswith(")[]")
    assert scalar(con, f"SELECT count(*) FROM {topics}") == len(lines(path))
    entries = con.execute(
        "SELECT CAST(e.date AS VARCHAR), e.date_raw, TRY_CAST(e.date AS DATE), typeof(e.featured)"
        f" FROM (SELECT unnest(entries) AS e FROM {topics})"
    ).fetchall()
    assert len(entries) == sum(len(topic["entries"]) for topic in lines(path)) == 30
    for text, raw, day, featured in entries:
        assert day == date.fromisoformat(text), raw
        assert featured == "BOOLEAN"


def test_duckdb_guesses_types_per_file_as_the_doc_warns(
    runs: Runs, con: duckdb.DuckDBPyConnection
) -> None:
    first = column_types(con, read(runs.first / "publications.jsonl"))
    second = column_types(con, read(runs.second / "publications.jsonl"))
    # The second run holds only MG115: a full date, no key findings, no image.
    assert (first["published"], second["published"]) == ("VARCHAR", "DATE")
    assert (first["key_findings"], second["key_findings"]) == ("VARCHAR[]", "JSON[]")
    assert second["image"] == '"NULL"'
    assert 'caption "NULL"' in first["cover_image"]  # covers never have a caption
    entries = column_types(con, read(runs.first / "topics.jsonl"))["entries"]
    assert "date DATE" in entries  # every entry on these listings has a full date
    assert column_types(con, read(runs.second / "topics.jsonl")) == {"json": "JSON"}  # empty
    assert column_types(con, read(runs.second / "errors.jsonl"))["at"] == (
        "TIMESTAMP WITH TIME ZONE"
    )
    every_file = f"read_json_auto('{runs.base}/output/*/publications.jsonl')"
    assert scalar(con, f"SELECT count(*) FROM {every_file}") == 31 + 1 + 1  # latest counted


# -- pandas -----------------------------------------------------------------------------


def test_pandas_by_default_turns_digit_strings_into_numbers(runs: Runs) -> None:
    pubs = pd.read_json(runs.first / "publications.jsonl", lines=True)
    assert pubs["isbn"].dtype == "float64"
    assert pubs.set_index("url").loc[MG115, "print_offers"][0]["price"]["amount"] == "20.00"
    fetched = pubs["fetched_at"].dtype
    assert isinstance(fetched, pd.DatetimeTZDtype) and str(fetched.tz) == "UTC"
    errors = pd.read_json(runs.second / "errors.jsonl", lines=True)
    assert not pd.api.types.is_datetime64_any_dtype(errors["at"])  # `at` is not a date name
    assert pd.read_json(runs.second / "topics.jsonl", lines=True).columns.empty
    # A run whose records all have a bare year: "published" becomes a number.
    only_rb9056 = runs.base / "rb9056.jsonl"
    only_rb9056.write_text(
        "".join(
            line + "\n"
            for line in (runs.first / "publications.jsonl").read_text("utf-8").splitlines()
            if RB9056 in line
        ),
        encoding="utf-8",
    )
    assert pd.read_json(only_rb9056, lines=True)["published"].dtype == "int64"


def test_pandas_without_guessing_keeps_every_value_as_written(runs: Runs) -> None:
    path = runs.first / "publications.jsonl"
    pubs = pd.read_json(path, lines=True, dtype=False)
    assert len(pubs) == len(lines(path))
    assert not any(pd.api.types.is_float_dtype(dtype) for dtype in pubs.dtypes)
    assert not any(pd.api.types.is_numeric_dtype(dtype) for dtype in pubs.dtypes)
    by_url = pubs.set_index("url")
    assert by_url.loc["https://www.rand.org/pubs/research_reports/RR2646.html", "isbn"] == (
        "9781977403186"
    )
    assert by_url.loc[RB9056, "published"] == "2004"

    pubs["fetched_at"] = pd.to_datetime(pubs["fetched_at"], utc=True, format="ISO8601")
    fetched = pubs["fetched_at"].dtype
    assert isinstance(fetched, pd.DatetimeTZDtype) and str(fetched.tz) == "UTC"
    assert fetched.unit in ("us", "ns")  # pandas 3 keeps microseconds, pandas 2 nanoseconds

    day = pd.to_datetime(pubs["published"], format="%Y-%m-%d", errors="coerce")
    for text, value in zip(pubs["published"], day, strict=True):
        if len(text) == 10:
            assert value.date() == date.fromisoformat(text)
        else:
            assert value is pd.NaT

    amounts = [
        (url, offer["price"]["amount"], Decimal(offer["price"]["amount"]))
        for url, offers in zip(pubs["url"], pubs["print_offers"], strict=True)
        for offer in offers
    ]
    assert (MG115, "20.00", Decimal("20.00")) in amounts
    for _, text, amount in amounts:
        assert isinstance(text, str) and str(amount) == text


def test_pandas_to_datetime_needs_iso8601_when_a_fraction_is_missing() -> None:
    stamps = pd.Series(["2026-11-23T18:44:42.439777Z", "2026-11-23T18:44:42Z"])
    with pytest.raises(ValueError, match="doesn't match format"):
        pd.to_datetime(stamps, utc=True)
    assert pd.to_datetime(stamps, utc=True, format="ISO8601").notna().all()


# -- docs/records.md --------------------------------------------------------------------

_SNIPPET = re.compile(r"^<!-- test -->\n```(python|sql)\n(.*?)^```", re.M | re.S)
_SECTION = re.compile(r"^### `(\w+)`")
_FIELD_ROW = re.compile(r"^\| `(\w+)` \|")


def snippets(language: str) -> list[tuple[str, str]]:
    """The doc's code blocks marked for testing: (where, code), in order."""
    text = DOC.read_text(encoding="utf-8")
    return [
        (f"{DOC.name}:{text.count(chr(10), 0, match.start()) + 3}", match.group(2))
        for match in _SNIPPET.finditer(text)
        if match.group(1) == language
    ]


def field_tables() -> dict[str, list[str]]:
    """Per ``### `Model``` section of the doc, the fields of its first table, in order."""
    tables: dict[str, list[str]] = {}
    section: str | None = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        heading = _SECTION.match(line)
        if heading or line.startswith("## "):
            section = heading.group(1) if heading else None
            continue
        if section is None:
            continue
        row = _FIELD_ROW.match(line)
        if row:
            tables.setdefault(section, []).append(row.group(1))
        elif section in tables and not line.startswith("|"):
            section = None  # the first table ended: later tables are not field tables
    return tables


def own_fields(model: type[BaseModel]) -> list[str]:
    inherited = Record.model_fields if issubclass(model, Record) and model is not Record else {}
    return [name for name in model.model_fields if name not in inherited]


def test_the_field_tables_name_every_field_of_every_model_in_order() -> None:
    models: list[type[BaseModel]] = [
        Record,
        Publication,
        Author,
        Download,
        PrintOffer,
        Money,
        Image,
        Topic,
        TopicEntry,
        ErrorRecord,
    ]
    tables = field_tables()
    assert list(tables) == [model.__name__ for model in models]
    for model in models:
        assert tables[model.__name__] == own_fields(model), model.__name__


def test_the_records_follow_the_conventions_the_doc_states(runs: Runs) -> None:
    """Every field on every line, in model order; no empty strings; no null lists."""

    def strings(value: Any) -> list[Any]:
        if isinstance(value, dict):
            return [s for item in value.values() for s in strings(item)]
        if isinstance(value, list):
            return [s for item in value for s in strings(item)]
        return [value] if isinstance(value, str) else []

    for run in (runs.first, runs.second):
        for name, model in (
            ("publications.jsonl", Publication),
            ("topics.jsonl", Topic),
            ("errors.jsonl", ErrorRecord),
        ):
            for record in lines(run / name):
                assert list(record) == list(model.model_fields)
                assert "" not in strings(record)
                for field, info in model.model_fields.items():
                    if getattr(info.annotation, "__origin__", None) is list:
                        assert isinstance(record[field], list), field


def test_the_outcome_table_names_every_outcome_an_error_line_can_have() -> None:
    text = DOC.read_text(encoding="utf-8")
    table = text[text.index("| `outcome` | stage | kind | meaning |") :]
    table = table[: table.index("\n\n")]
    named = {match.group(1) for match in map(_FIELD_ROW.match, table.splitlines()[2:]) if match}
    pipeline_outcomes = {"removed", "parse_error", "parser_bug", "internal_error"}
    # a page had, unchanged, or a duplicate (counted in the manifest) is no error line
    no_error = {"ok", "not_modified", "duplicate"}
    assert named == (set(OUTCOMES) - no_error) | pipeline_outcomes


def test_the_python_snippets_run_and_give_what_they_promise(
    runs: Runs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(runs.base)
    code = snippets("python")
    assert len(code) >= 3
    namespace: dict[str, Any] = {}
    for where, source in code:
        exec(compile(source, where, "exec"), namespace)

    assert len(namespace["newest"]) == 1  # latest: the second run's one change
    pubs = namespace["publications"].set_index("url")
    assert len(pubs) == 31 - 1 and GONE not in pubs.index
    assert pubs.loc[MG115, "change"] == "updated"
    assert pubs.loc[MG115, "published_date"].date() == date(2004, 8, 15)
    assert pubs.loc[RB9056, "published_date"] is pd.NaT
    assert pubs.loc[RB9056, "published_year"] == 2004
    fetched = namespace["publications"]["fetched_at"].dtype
    assert isinstance(fetched, pd.DatetimeTZDtype) and str(fetched.tz) == "UTC"

    offers = namespace["offers"]
    mg115 = offers[offers["record_url"] == MG115]
    assert mg115[["format", "price.amount"]].values.tolist() == [["Paperback", "25.00"]]
    assert mg115["amount"].tolist() == [Decimal("25.00")]
    assert all(isinstance(amount, Decimal) for amount in offers["amount"])
    assert offers["pages"].dtype == "Int64"
    assert namespace["totals"]["USD"] == sum(
        offers.loc[offers["price.currency"] == "USD", "amount"], Decimal(0)
    )

    downloads = namespace["downloads"]
    assert downloads["size_bytes"].dtype == "Int64"
    assert downloads["size_bytes"].isna().sum() == 1  # RRA346-1's button shows no size
    assert downloads["size_bytes"].max() == 1288490189
    assert len(namespace["authors"]) == sum(len(a) for a in namespace["publications"]["authors"])
    entries = namespace["entries"]
    assert len(entries) == 30 and entries["day"].notna().all()


def test_the_sql_snippets_run_and_give_what_they_promise(
    runs: Runs, monkeypatch: pytest.MonkeyPatch, con: duckdb.DuckDBPyConnection
) -> None:
    monkeypatch.chdir(runs.base)
    code = snippets("sql")
    assert len(code) >= 5
    for where, source in code:
        try:
            con.execute(source).fetchnumpy()  # fetchall would need pytz for TIMESTAMPTZ
        except duckdb.Error as exc:
            pytest.fail(f"{where}: {exc}")

    for view, model in (
        ("publication_history", Publication),
        ("topic_history", Topic),
        ("error_history", ErrorRecord),
    ):
        assert list(column_types(con, view)) == [*model.model_fields, "filename"], view
    types = column_types(con, "publication_history")
    assert types["fetched_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["downloads"].endswith(")[]") and "size_bytes BIGINT" in types["downloads"]

    assert scalar(con, "SELECT count(*) FROM publication_history") == 31 + 1
    assert scalar(con, "SELECT count(*) FROM current_publications") == 31 - 1
    assert scalar(con, "SELECT count(DISTINCT url) FROM current_publications") == 31 - 1
    assert scalar(con, f"SELECT count(*) FROM current_publications WHERE url = '{GONE}'") == 0
    assert scalar(con, "SELECT count(*) FROM current_topics") == 2
    assert con.execute(
        f"SELECT format, amount, currency FROM print_offers WHERE url = '{MG115}'"
    ).fetchall() == [("Paperback", Decimal("25.00"), "USD")]
    assert scalar(con, "SELECT count(*) FROM error_history WHERE outcome = 'removed'") == 1
