"""Putting an export in place atomically, so a reader never sees half of one.

Everything is written into a temporary sibling of ``--to`` (``PATH.tmp-XXXXXX``),
then renamed into place: a database file replaces the old one in one rename; a
folder takes the old one's place after the old one is renamed aside, and the
old one is removed after. On any error the temporary sibling is removed and
``--to`` is left as it was. What ``--to`` may replace is checked first: only an
export of the same kind, never a folder or file that is something else.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from harvest.errors import ConfigError, WriteError

# The first bytes of a DuckDB database: 8 bytes of checksum, then the magic.
_DUCKDB_MAGIC = (8, b"DUCK")
MARKER = "export.json"  # a folder export holds it; an existing folder without it is kept


def check_target(to: Path, *, folder: bool, fmt: str, flag: str = "") -> None:
    """Refuse a ``--to`` that an export of this format must not replace.

    ``flag``: how the message names the target (``--to PATH`` by default).
    """
    flag = flag or f"--to {to}"
    if folder and to.exists() and not to.is_dir():
        raise ConfigError(f"{flag} is a file: --format {fmt} writes a folder")
    if folder and to.is_dir() and any(to.iterdir()) and not (to / MARKER).is_file():
        raise ConfigError(f"{flag} is a folder that holds no export ({MARKER}): not replaced")
    if not folder and to.is_dir():
        raise ConfigError(f"{flag} is a folder: --format {fmt} writes one database file")
    if not folder and to.exists() and not _is_duckdb(to):
        raise ConfigError(f"{flag} is not a DuckDB database: not replaced")


def _is_duckdb(path: Path) -> bool:
    offset, magic = _DUCKDB_MAGIC
    try:
        with path.open("rb") as fh:
            return fh.read(offset + len(magic))[offset:] == magic
    except OSError:
        return False


@contextlib.contextmanager
def workspace(to: Path) -> Iterator[Path]:
    """A hidden scratch folder beside ``to`` (DuckDB's work tables and spill files)."""
    try:
        to.parent.mkdir(parents=True, exist_ok=True)
        scratch = tempfile.mkdtemp(prefix=f".{to.name}.work-", dir=to.parent)
    except OSError as exc:
        raise WriteError(f"cannot write beside {to}: {exc.strerror or exc}") from exc
    try:
        yield Path(scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@contextlib.contextmanager
def staged(to: Path, *, folder: bool) -> Iterator[Path]:
    """A temporary sibling of ``to`` to write into, put in place if the block ends well."""
    tmp = to.with_name(f"{to.name}.tmp-{secrets.token_hex(3)}")
    try:
        if folder:
            tmp.mkdir()
        yield tmp
        _publish(tmp, to, folder=folder)
    except OSError as exc:
        _remove(tmp)
        raise WriteError(f"cannot write {to}: {exc.strerror or exc}") from exc
    except BaseException:
        _remove(tmp)
        raise


def _publish(tmp: Path, to: Path, *, folder: bool) -> None:
    _sync(tmp)
    if not folder or not to.exists():
        os.replace(tmp, to)  # a file over a file is one atomic step
        return
    old = to.with_name(f"{to.name}.old-{secrets.token_hex(3)}")
    os.replace(to, old)
    try:
        os.replace(tmp, to)
    except OSError:
        os.replace(old, to)  # put the previous export back
        raise
    shutil.rmtree(old, ignore_errors=True)


def _sync(path: Path) -> None:
    """Flush the written files to disk, so the rename publishes whole files."""
    for file in [path] if path.is_file() else [p for p in path.iterdir() if p.is_file()]:
        with file.open("rb") as fh:
            os.fsync(fh.fileno())


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
    Path(f"{path}.wal").unlink(missing_ok=True)  # DuckDB's log, if it was left open
