"""Logs: JSON lines for machines (cron, log shippers), rich text for a person.

Every message goes through the ``harvest`` logger. ``extra={"event": ...}``
names what happened (``run_start``, ``fetch_failed`` ...) and other extras
(``url``, ``outcome`` ...) become fields of the JSON line. When stderr is not
a terminal the default is JSON, one object a line; on a terminal, text through
rich, sharing its console with the progress bar so the two never garble.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from rich.console import Console

LogFormat = Literal["auto", "json", "text"]

# Attributes every LogRecord has: anything else came from ``extra``.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, event, message, then the extras."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat().replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "event": getattr(record, "event", None) or _event_of(record),
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key != "event":
                line[key] = value
        if record.exc_info and record.levelno >= logging.ERROR:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``harvest: level: message``, as the CLI's own messages read."""

    def format(self, record: logging.LogRecord) -> str:
        text = f"harvest: {record.levelname.lower()}: {record.getMessage()}"
        if record.exc_info and record.levelno >= logging.ERROR:
            text += "\n" + self.formatException(record.exc_info)
        return text


def _event_of(record: logging.LogRecord) -> str:
    return {"DEBUG": "debug", "INFO": "info", "WARNING": "warning"}.get(record.levelname, "error")


def is_terminal() -> bool:
    return sys.stderr.isatty()


def configure(
    fmt: LogFormat = "auto", level: int = logging.INFO, file: Path | None = None
) -> Console | None:
    """Send harvest's logs to stderr, and with ``file`` as JSON lines to that file too.

    ``auto``: JSON lines when stderr is not a terminal, else rich text (the
    console is returned, for a progress bar to share). ``text``: plain
    ``harvest: level: message`` lines. ``json``: JSON lines. The file is appended
    to, one JSON object a line, at info level and up whatever ``level`` keeps from
    stderr (a --quiet cron job still leaves its record). OSError when it cannot be
    opened.
    """
    logger = logging.getLogger("harvest")
    for old in list(logger.handlers):
        logger.removeHandler(old)
        old.close()
    # The file keeps the run's record (info and up) even when stderr is --quiet.
    logger.setLevel(min(level, logging.INFO) if file is not None else level)
    if file is not None:
        to_file = logging.FileHandler(file, encoding="utf-8")
        to_file.setFormatter(JsonFormatter())
        to_file.setLevel(min(level, logging.INFO))
        logger.addHandler(to_file)
    if fmt == "auto" and is_terminal():
        from rich.console import Console  # noqa: PLC0415  # only a person's terminal needs it
        from rich.logging import RichHandler  # noqa: PLC0415

        console = Console(stderr=True)
        rich = RichHandler(console=console, show_time=False, show_path=False, markup=False)
        rich.setLevel(level)
        logger.addHandler(rich)
        return console
    stream = logging.StreamHandler(sys.stderr)
    stream.setFormatter(TextFormatter() if fmt == "text" else JsonFormatter())
    stream.setLevel(level)
    logger.addHandler(stream)
    return None
