"""``--export FORMAT:PATH``: the type of the ``export`` setting (the export is
``harvest.contract.export``; the setting is checked where the others are)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harvest.errors import ConfigError

FORMATS = ("parquet", "duckdb", "csv", "jsonl")


@dataclass(frozen=True)
class ExportTarget:
    """``--export FORMAT:PATH``: an export refreshed after each complete run."""

    format: str
    path: Path

    def __str__(self) -> str:
        return f"{self.format}:{self.path}"


def export_target(text: str | ExportTarget) -> ExportTarget:
    """``FORMAT:PATH`` as an ExportTarget.

    >>> export_target("parquet:/var/lib/harvest/export")
    ExportTarget(format='parquet', path=PosixPath('/var/lib/harvest/export'))
    """
    if isinstance(text, ExportTarget):
        return text
    fmt, sep, path = text.partition(":")
    fmt = fmt.strip().lower()
    if not sep or fmt not in FORMATS or not path.strip():
        raise ConfigError(
            f"--export wants FORMAT:PATH, FORMAT one of {', '.join(FORMATS)} "
            f"(parquet:export, say), not {text!r}"
        )
    return ExportTarget(fmt, Path(path.strip()))
