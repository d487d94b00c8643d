"""The commands over published runs: validate, report, status, export, runs prune, schema."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from harvest._version import __version__
from harvest.errors import ConfigError

if TYPE_CHECKING:  # the rest is imported by the commands that use it: start-up stays light
    pass

from harvest.cli._common import (
    EXIT_FAILED,
    ConfigOption,
    _console,
    _log_export,
    _manifest_of,
    _opt,
    app,
    log,
)


@app.command()
def validate(
    files: Annotated[
        list[Path],
        typer.Argument(metavar="FILE", help="JSONL files to check.", show_default=False),
    ],
    show: Annotated[int, typer.Option(help="Problems shown per file (all are counted).")] = 50,
) -> None:
    """Check every line of JSONL files against the record schema, streaming.

    Prints FILE:LINE: reason for each bad line (not JSON, a truncated last line,
    bad UTF-8, a missing field, a wrong type ...) and a summary per file; exits 1
    when any line is invalid, 0 otherwise.
    """
    from harvest.contract._validate import (
        Summary,
        validate_files,
    )

    total = Summary()
    for report in validate_files(files, keep=show):
        for problem in report.problems:
            typer.echo(f"{report.path}:{problem.line}: {problem.category}: {problem.reason}")
        if report.unshown:
            typer.echo(f"{report.path}: ... and {report.unshown} more invalid lines")
        summary = report.summary
        typer.echo(
            f"{report.path}: {summary.lines} lines, {summary.valid} valid, "
            f"{summary.invalid} invalid",
            err=True,
        )
        total.add(summary)
    if total.invalid:
        raise typer.Exit(EXIT_FAILED)


@app.command()
def report(
    run: Annotated[
        str | None,
        typer.Argument(
            metavar="RUN",
            help="A run folder, or a run id under --out [default: OUT/latest].",
            show_default=False,
        ),
    ] = None,
    config: ConfigOption = None,
    out: Annotated[Path | None, _opt("Folder of the run folders.", "output")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    html: Annotated[
        Path | None,
        typer.Option(
            help="Write the history of every run under --out, and what the dataset holds "
            "now, as one self-contained HTML page (charts included, no network, no script).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Show a run's counts, its per-field coverage and the drift against the run before.

    With --html, the whole history instead: per run, records by change, pages by
    outcome, error rate and duration; per field, coverage across runs against the
    drift threshold; publications per year and content type in the dataset now.
    --out is found as crawl finds it (flag, HARVEST_OUT, config file, else output).
    """
    from harvest.config._loader import load as load_config
    from harvest.config._loader import settings_from
    from harvest.contract.report import print_report
    from harvest.write._run import read_manifest

    out_dir = settings_from(load_config({"out": out}, config=config)).out_dir
    if html is not None:
        if run is not None or as_json:
            raise ConfigError("report --html shows every run under --out: give no RUN or --json")
        _write_html_report(out_dir, html)
        return
    run_dir = Path(run) if run and Path(run).is_dir() else out_dir / (run or "latest")
    manifest = _manifest_of(run_dir)
    drift = manifest.get("drift", {})
    previous_id = drift.get("compared_with")
    previous = read_manifest(run_dir.parent / previous_id) or {} if previous_id else {}
    data = {
        "run_id": manifest.get("run_id"),
        "outcome": manifest.get("outcome"),
        "started_at": manifest.get("started_at"),
        "counts": manifest.get("counts", {}),
        "coverage": manifest.get("coverage", {}),
        "previous_coverage": previous.get("coverage", {}),
        "drift": drift,
        "doubts": manifest.get("doubts"),
    }
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return
    print_report(_console(), data)


def _write_html_report(out_dir: Path, target: Path) -> None:
    from harvest.contract.export import summarize
    from harvest.contract.report._history import read_history
    from harvest.contract.report._page import render  # matplotlib: only here
    from harvest.write import AtomicFile

    if target.is_dir():
        raise ConfigError(f"--html {target} is a folder: give a file name, report.html say")
    runs = read_history(out_dir)
    if not runs:
        log.warning("no runs under %s: the report shows none", out_dir)
    page = render(
        runs,
        summarize(out_dir),
        out_dir=out_dir,
        generated_at=datetime.now(UTC),
        version=__version__,
    )
    with AtomicFile(target) as fh:  # written aside, renamed into place
        fh.write(page)
    log.info(
        "report of %d run(s) under %s -> %s",
        len(runs),
        out_dir,
        target,
        extra={"event": "report", "runs": len(runs), "path": str(target)},
    )


@app.command()
def status(
    seeds: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="URL",
            help="The crawl's seeds, as given to crawl [default: config 'seeds', else "
            "crawl's default seeds].",
            show_default=False,
        ),
    ] = None,
    config: ConfigOption = None,
    out: Annotated[Path | None, _opt("Folder for the runs' output.", "output")] = None,
    state: Annotated[Path | None, _opt("State file.", "OUT/state.sqlite")] = None,
    delay: Annotated[
        float | None, _opt("Seconds between request starts on one host, for the estimate.", 1)
    ] = None,
    revisit_budget: Annotated[
        int | None, _opt("Known pages asked again a run, for the estimate.", 1500)
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Show the revisit schedule: pages known, due, overdue, and what the next run will ask.

    Reads the settings as crawl does (config file, HARVEST_ variables, flags).
    """
    from harvest.config._loader import load as load_config
    from harvest.config._loader import settings_from
    from harvest.run._status import (
        schedule_status,
        status_lines,
    )

    flags = {
        "seeds": seeds or None,
        "out": out,
        "state": state,
        "delay": delay,
        "revisit_budget": revisit_budget,
    }
    settings = settings_from(load_config(flags, config=config))
    if not settings.state_file.is_file():
        raise ConfigError(f"no state file at {settings.state_file}: no crawl has run there yet")
    data = schedule_status(settings, settings.clock or datetime.now(UTC))
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return
    for line in status_lines(data):
        typer.echo(line)


@app.command()
def export(
    config: ConfigOption = None,
    out: Annotated[Path | None, _opt("Folder of the run folders.", "output")] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="parquet (a folder, one .parquet a table), duckdb (one database file), "
            "csv or jsonl (a folder, one file a table).",
            show_default=False,
        ),
    ] = None,
    to: Annotated[
        Path | None,
        typer.Option(
            help="Where to write (a folder, or the database file); an export already "
            "there is replaced, atomically.",
            show_default=False,
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="The picture at this time, ISO 8601 (no zone: UTC): only runs started "
            "and records fetched at or before it.",
            show_default=False,
        ),
    ] = None,
    history: Annotated[
        bool,
        typer.Option("--history", help="Every version of every record (each line of each run)."),
    ] = False,
) -> None:
    """Export the runs' records as typed tables: Parquet, DuckDB, CSV or JSONL.

    By default the current picture of the site: the latest record of each page
    across the runs under --out, less the pages removed since. Tables: publications,
    topics, and the flat authors, downloads, print_offers and topic_entries; see
    docs/records.md. No runs gives empty tables, with a warning.
    """
    from harvest.config._loader import load as load_config
    from harvest.config._loader import settings_from
    from harvest.contract.export import (
        FORMATS,
        export_runs,
        parse_as_of,
    )

    if fmt is None or to is None:
        raise ConfigError(f"export needs --format ({', '.join(FORMATS)}) and --to PATH")
    settings = settings_from(load_config({"out": out}, config=config))
    _log_export(
        export_runs(settings.out_dir, to, fmt=fmt, as_of=parse_as_of(as_of), history=history)
    )


runs_app = typer.Typer(help="Look after the run folders under --out.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")


@runs_app.command("prune")
def prune(
    keep: Annotated[
        int | None,
        typer.Option(help="Keep the newest N runs; older ones may go.", show_default=False),
    ] = None,
    older_than: Annotated[
        str | None,
        typer.Option(
            "--older-than",
            metavar="AGE",
            help="Runs started longer ago than AGE may go: 30d, 12h, 2w.",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would go; remove nothing.")
    ] = False,
    config: ConfigOption = None,
    out: Annotated[Path | None, _opt("Folder of the run folders.", "output")] = None,
) -> None:
    """Remove old run folders, never one the current picture still needs.

    A run holding the latest record of a page (or its latest removal) stays however
    old it is, as does the run latest points to; harvest export rebuilds the same
    dataset after a prune. Takes the state file's lock (exit 75 while a crawl runs).
    """
    from harvest.config._loader import load as load_config
    from harvest.config._loader import settings_from
    from harvest.contract.export._prune import (
        parse_age,
        plan_prune,
        remove_run,
    )
    from harvest.state import RunLock

    settings = settings_from(load_config({"out": out}, config=config))
    age = parse_age(older_than) if older_than is not None else None
    with RunLock.for_state(settings.state_file).acquire("prune"):
        plan = plan_prune(settings.out_dir, keep=keep, older_than=age, now=datetime.now(UTC))
        for run in plan.remove:
            if not dry_run:
                remove_run(run)
            typer.echo(f"{'would remove' if dry_run else 'removed'} {run.run_id}")
    for run in plan.needed:
        typer.echo(f"kept {run.run_id}: the current picture needs it")
    verb = "would remove" if dry_run else "removed"
    log.info(
        "%s %d run(s); kept %d needed by the current picture and %d within the limits",
        verb,
        len(plan.remove),
        len(plan.needed),
        len(plan.kept),
        extra={"event": "prune", "removed": len(plan.remove), "needed": len(plan.needed)},
    )


@app.command()
def schema(
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None,
) -> None:
    """Print the JSON Schema (draft 2020-12) of the records harvest writes."""
    from harvest.models import record_schema

    text = json.dumps(record_schema(), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {out}: {exc.strerror or exc}") from exc
