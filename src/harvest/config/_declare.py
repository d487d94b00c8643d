"""How a setting is declared: once, as a field of ``Settings`` with ``setting(...)``.

The declaration holds everything the rest of harvest needs to know of it: the
TOML key and section, the type (the field's annotation), the default, the help
text, how a given value becomes the field's (MiB to bytes, say) and the rule a
value must keep. The environment variable (``HARVEST_`` + the key in capitals)
and the flag (``--`` + the key with dashes) follow from the key. The loader, the
``crawl`` command's options and the table in ``docs/configuration.md`` all read
the declarations (``OPTIONS``); adding a setting is one field plus its use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from harvest.config._targets import ExportTarget, export_target
from harvest.errors import ConfigError

ENV_PREFIX = "HARVEST_"
MIB = 1024 * 1024
NO_FLAG = ""  # a setting of the file and the environment only
ARGUMENTS = "URL..."  # the command's arguments, not a flag
AWARE_TIME = "aware time"  # pydantic.AwareDatetime, which the loader imports when needed


def _identity(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Rule:
    """What a value must be: ``test`` holds, else ``must`` completes "KEY must ..."."""

    test: Callable[[Any], bool]
    must: str

    def check(self, label: str, value: Any) -> None:
        if value is not None and not self.test(value):
            raise ConfigError(f"{label} must {self.must}, not {value!r}")


def at_least(low: float) -> Rule:
    return Rule(lambda value: value >= low, f"be at least {low:g}" if low else "be 0 or more")


def positive() -> Rule:
    return Rule(lambda value: value > 0, "be positive")


def between(low: float, high: float, *, open_low: bool = False) -> Rule:
    if open_low:
        return Rule(lambda value: low < value <= high, f"be between {low:g} and {high:g}")
    return Rule(lambda value: low <= value <= high, f"be between {low:g} and {high:g}")


@dataclass(frozen=True)
class Declared:
    """A setting's declaration, kept in its ``Settings`` field's metadata."""

    section: str | None
    help: str
    key: str | None = None  # the TOML key when it is not the field's name
    more: str = ""  # what the docs table adds to ``help``
    given: Any = None  # the type a value is given as, when not the field's type
    convert: Callable[[Any], Any] = _identity  # given value -> field value
    doc_type: str | None = None  # the docs table's type column
    shown: str | None = None  # the default as the docs and --help show it
    flag: str | None = None  # None: --KEY; NO_FLAG: none
    metavar: str | None = None
    rule: Rule | None = None
    path: bool = False  # a path: a relative one in a file is taken from the file's folder
    under: Callable[[Path, Any], Any] | None = None  # how other values take that folder


def setting(default: Any, section: str | None, help: str, **declared: Any) -> Any:
    """A ``Settings`` field that is an option (``dataclasses.field`` with its declaration)."""
    return field(default=default, metadata={"harvest": Declared(section, help, **declared)})


def check_rules(settings: Any) -> None:
    """Hold every declared field of ``settings`` to its rule (ConfigError naming it)."""
    for each in fields(settings):
        declared = each.metadata.get("harvest")
        if declared is not None and declared.rule is not None:
            label = (declared.key or each.name).replace("_", "-")
            declared.rule.check(label, getattr(settings, each.name))


@dataclass(frozen=True)
class Option:
    """One option as the loader, the CLI and the docs use it: a declared field."""

    field: str
    kind: Any  # the type a value is given as (TOML, environment, flag)
    default: Any
    declared: Declared

    @property
    def name(self) -> str:
        return self.declared.key or self.field

    @property
    def section(self) -> str | None:
        return self.declared.section

    @property
    def key(self) -> str:
        return f"{self.section}.{self.name}" if self.section else self.name

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()

    @property
    def flag(self) -> str | None:
        """``--name`` (or the declared flag); None when the option has none."""
        flag = self.declared.flag
        if flag in (NO_FLAG, ARGUMENTS):
            return None
        return flag or "--" + self.name.replace("_", "-")

    @property
    def path(self) -> bool:
        return self.declared.path

    @property
    def under(self) -> Callable[[Path, Any], Any] | None:
        return self.declared.under

    def convert(self, value: Any) -> Any:
        return self.declared.convert(value)

    def check(self, value: Any) -> None:
        if self.declared.rule is not None:
            self.declared.rule.check(self.name.replace("_", "-"), value)

    @property
    def shown_default(self) -> str:
        """The default as people read it (docs table, ``--help``)."""
        if self.declared.shown is not None:
            return self.declared.shown
        if self.default is None or self.default == ():
            return "none"
        if isinstance(self.default, bool):
            return str(self.default).lower()
        return f"{self.default:g}" if isinstance(self.default, float) else str(self.default)


# How values given become the fields' values (declared as ``convert=`` and ``under=``).


def mib_to_bytes(value: float) -> int:
    return int(value * MIB)


def host_table(value: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(
        (host.strip().lower(), address.strip().strip("[]")) for host, address in value.items()
    )


def export_targets(value: list[str]) -> tuple[ExportTarget, ...]:
    return tuple(map(export_target, value))


def exports_under(folder: Path, value: list[str]) -> list[str]:
    """Each FORMAT:PATH with a relative PATH taken from ``folder`` (the config file's)."""
    targets = [export_target(text) for text in value]
    return [f"{t.format}:{t.path if t.path.is_absolute() else folder / t.path}" for t in targets]


def proxy_ok(text: str) -> bool:
    if text.strip().lower() in ("", "direct", "none"):
        return True
    return "://" in text and text.split("://", 1)[0].lower() in ("http", "https")
