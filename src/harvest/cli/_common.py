"""What every ``harvest`` command shares: the app, logging and errors, progress, options.

Every failure the user can cause ends in one line on stderr and a non-zero exit,
never a traceback (``HARVEST_DEBUG=1`` shows one for an internal error). Each
command imports the modules it needs itself, so ``--version``, ``--help`` and a
usage error load none of the fetcher, the parsers or DuckDB.
"""

from __future__ import annotations

import enum
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Annotated, Any

import typer

from harvest._constants import CONFIG_FILE
from harvest._logs import LogFormat
from harvest._logs import configure as configure_logs
from harvest._version import __version__
from harvest.errors import ConfigError

if TYPE_CHECKING:  # the rest is imported by the commands that use it: start-up stays light
    import rich.progress
    from rich.console import Console

    from harvest.contract.export import ExportResult

log = logging.getLogger("harvest")
ProgressCallback = Callable[[int, int], None]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_DRIFT = 0, 1, 2, 3
EXIT_INTERNAL, EXIT_LOCKED, EXIT_INTERRUPTED = 70, 75, 130

app = typer.Typer(
    name="harvest",
    help="Harvest research publishers' web pages (rand.org) into validated JSONL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: whole option names, [default: …] shown
)


def _configure_logs(fmt: LogFormat, level: int) -> Console | None:
    """The logs as asked, with the root's --log-file; a file that cannot be opened is a
    usage error."""
    path = _LOG_FILE["path"]
    try:
        return configure_logs(fmt, level, path)
    except OSError as exc:
        configure_logs(fmt, level)
        raise ConfigError(f"--log-file {path}: cannot write there: {exc.strerror or exc}") from exc


def _asked_format(argv: list[str]) -> LogFormat:
    """--log-format as given on the command line, read before click parses it: a usage
    error found before any option is read is told in the asked format too."""
    for i, arg in enumerate(argv):
        value = arg.partition("=")[2] if arg.startswith("--log-format=") else None
        if arg == "--log-format" and i + 1 < len(argv):
            value = argv[i + 1]
        if value in ("auto", "json", "text"):
            return value  # type: ignore[return-value]
    return "auto"


def _log_format(choice: LogFormatChoice | None) -> LogFormat:
    """A command's own --log-format, else the root's."""
    return choice.value if choice is not None else _LOGS["format"]


def _error(message: str) -> None:
    log.error(message, extra={"event": "error"})


class LogFormatChoice(enum.StrEnum):
    auto = "auto"
    json = "json"
    text = "text"


QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Log only problems; no summary.")]
LogFormatOption = Annotated[
    LogFormatChoice | None,
    typer.Option(
        help="Logs and errors on stderr: JSON lines, or text; auto: text on a terminal, "
        "JSON off one. [default: harvest --log-format, else auto]",
        show_default=False,
    ),
]
# The root's --log-format: every command's errors and logs, unless it has its own.
_LOGS: dict[str, LogFormat] = {"format": "auto"}
_LOG_FILE: dict[str, Path | None] = {"path": None}


class Progress:
    """A progress bar on a terminal only (no console: every call does nothing).

    The default shows pages finished over pages known (a crawl); ``columns`` and
    the task's ``fields`` make others.
    """

    def __init__(
        self, console: Console | None, *columns: rich.progress.ProgressColumn, **fields: Any
    ) -> None:
        import rich.progress

        self._bar: rich.progress.Progress | None = None
        self._task: rich.progress.TaskID | None = None
        self._fields = fields
        if console is not None:
            self._bar = rich.progress.Progress(
                *(
                    columns
                    or (
                        rich.progress.TextColumn("pages"),
                        rich.progress.BarColumn(),
                        rich.progress.MofNCompleteColumn(),
                        rich.progress.TimeElapsedColumn(),
                    )
                ),
                console=console,
                transient=True,
            )

    def __enter__(self) -> Progress:
        if self._bar is not None:
            self._bar.start()
            self._task = self._bar.add_task("run", total=None, **self._fields)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.stop()

    def update(self, done: int, total: int | None, **fields: Any) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=done, total=total, **fields)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"harvest {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
    log_format: Annotated[
        LogFormatChoice,
        typer.Option(
            help="Logs and errors on stderr, for every command: JSON lines, or text; auto: "
            "text on a terminal, JSON off one (cron, a pipe)."
        ),
    ] = LogFormatChoice.auto,
    log_file: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Also append every log line, as JSON, to FILE (whatever --log-format says).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Harvest research publishers' web pages (rand.org) into validated JSONL."""
    _LOGS["format"] = log_format.value
    _LOG_FILE["path"] = log_file
    _configure_logs(_LOGS["format"], logging.INFO)


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        help=f"TOML config file [default: $HARVEST_CONFIG, else ./{CONFIG_FILE} if present].",
        show_default=False,
    ),
]


def _opt(help_text: str, default: object = None, *names: str, metavar: str | None = None) -> Any:
    """A crawl option that may come from the config file or environment as well."""
    shown = f" [default: {default}]" if default is not None else ""
    return typer.Option(*names, help=help_text + shown, show_default=False, metavar=metavar)


def _writable_folder(folder: Path, flag: str) -> None:
    """A usage error (exit 2) unless ``folder`` is, or can be made, a folder harvest
    can write in: found before a run starts, not as its pages' failures."""
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{flag} {folder} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        import tempfile

        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise ConfigError(f"{flag} {folder}: cannot write there: {exc.strerror or exc}") from exc


def _log_export(result: ExportResult) -> None:
    log.info(
        "exported %s from %d run(s) -> %s",
        ", ".join(f"{rows} {table}" for table, rows in result.rows.items()),
        len(result.runs),
        result.path,
        extra={"event": "export", "rows": result.rows, "runs": len(result.runs)},
    )


def _console() -> Console:
    """stdout as rich sees it; wide when it is a file or a pipe, so rows are not folded."""
    from rich.console import Console  # loaded by the commands that print

    return Console() if sys.stdout.isatty() else Console(width=200)


def _manifest_of(run_dir: Path) -> dict[str, Any]:
    from harvest.write._run import read_manifest

    manifest = read_manifest(run_dir)
    if manifest is None:
        raise ConfigError(f"no run at {run_dir} (no readable manifest.json)")
    return manifest
