"""The ``harvest`` command: argv -> Settings -> the work. No logic of its own.

The commands live in ``pages`` (parse, get), ``crawl``, ``reparse`` and ``runs``
(validate, report, status, export, runs prune, schema); ``common`` holds what they
share. ``main`` is the console script's entry point.
"""

from __future__ import annotations

import logging
import sys

import typer

from harvest._constants import debug_enabled
from harvest._logs import configure as configure_logs
from harvest.cli import _crawl, _pages, _reparse, _runs  # noqa: F401  # they register
from harvest.cli._common import (
    _LOG_FILE,
    _LOGS,
    EXIT_FAILED,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_USAGE,
    _asked_format,
    _error,
    app,
)
from harvest.errors import ConfigError, HarvestError, LockHeldError

__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``harvest`` console script; returns the exit code."""
    # Errors and logs: text on a terminal, JSON lines off one, for every command (the
    # root's --log-format, or crawl's and reparse's own, may say otherwise).
    _LOGS["format"] = _asked_format(sys.argv[1:] if argv is None else argv)
    _LOG_FILE["path"] = None
    configure_logs(_LOGS["format"], logging.INFO)
    try:
        # Not standalone: click's usage errors come here, to be told in one line.
        code = app(args=argv, prog_name="harvest", standalone_mode=False)
    except typer.TyperException as exc:  # click's (vendored) usage errors among them
        command = getattr(getattr(exc, "ctx", None), "command_path", None)
        see = f" (see {command} --help)" if command and exc.exit_code == EXIT_USAGE else ""
        _error(exc.format_message().strip() + see)
        return int(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        _error("interrupted")
        return EXIT_INTERRUPTED
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_OK if exc.code is None else 1
    except Exception as exc:  # the last line of defence: no traceback for users
        return _exit_code(exc)
    return int(code) if isinstance(code, int) else EXIT_OK


def _exit_code(exc: Exception) -> int:
    if isinstance(exc, LockHeldError):
        _error(f"{exc}; try again when it has finished")
        return EXIT_LOCKED
    if isinstance(exc, HarvestError):
        _error(str(exc))
        return EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_FAILED
    if debug_enabled():
        raise exc
    _error(f"internal error: {type(exc).__name__}: {exc} (set HARVEST_DEBUG=1 for details)")
    return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
