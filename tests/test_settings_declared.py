"""Each setting is declared once (a field of Settings); the loader, the crawl command's
flags and the table in docs/configuration.md all come from that declaration, and these
tests fail when any of them disagrees with it."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
import typer

from harvest.cli import app
from harvest.config import (
    OPTIONS,
    Option,
    Settings,
    load,
    load_config,
    options_table,
    settings_from,
)

ROOT = Path(__file__).parent.parent
# A value of each kind a setting is given as, its TOML text, its environment text, and
# its flag arguments.
SAMPLES: dict[str, tuple[Any, str, str, list[str]]] = {
    "int": (7, "7", "7", ["7"]),
    "float": (0.75, "0.75", "0.75", ["0.75"]),
    "str": ("x", '"x"', "x", ["x"]),
    "bool": (False, "false", "false", []),
    "path": ("/tmp/somewhere", '"/tmp/somewhere"', "/tmp/somewhere", ["/tmp/somewhere"]),
    "list": (["a.example"], '["a.example"]', "a.example", ["a.example"]),
}
# Values a rule of the option accepts, where the sample above does not fit.
VALUES = {
    "seeds": ["https://www.rand.org/pubs/monographs/MG115.html"],
    "allowed_hosts": ["a.example"],
    "sitemaps": ["https://www.rand.org/sitemap.xml"],
    "export": ["csv:/tmp/export"],
    "proxy": "http://127.0.0.1:3128",
    "user_agent": "harvest-test (+mailto:x@example.org)",
    "max_error_rate": 0.5,
    "resolve": {"a.example": "192.0.2.1"},
    "clock": "2026-01-01T02:30:00Z",
    "max_body_mb": 2.0,
    "archive_file_mb": 2.0,
}


def _kind(option: Option) -> str:
    text = str(getattr(option.kind, "__name__", option.kind))
    for kind in ("bool", "int", "float", "str", "list", "path"):
        if kind in text.lower():
            return kind
    return text


def _value(option: Option) -> Any:
    if option.kind is bool:
        return not option.default
    return VALUES.get(option.name, SAMPLES.get(_kind(option), (None,))[0])


def _toml(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f'"{k}" = "{v}"' for k, v in value.items()) + " }"
    if isinstance(value, bool):
        return str(value).lower()
    return json.dumps(value)


def _env(value: Any) -> str:
    if isinstance(value, dict):
        return " ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, list):
        return ",".join(value)
    return str(value).lower() if isinstance(value, bool) else str(value)


def test_every_declared_field_is_an_option_and_the_rest_are_not() -> None:
    declared = {each.name for each in fields(Settings) if "harvest" in each.metadata}
    assert {option.field for option in OPTIONS} == declared
    assert {"full", "stop_grace_s"} == {each.name for each in fields(Settings)} - declared
    assert len({option.name for option in OPTIONS}) == len(OPTIONS)


def test_the_docs_table_is_the_declarations() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    start = text.index("<!-- options")
    table = text[text.index("\n", start) + 1 : text.index("<!-- /options -->")]
    assert table == options_table(), (
        "docs/configuration.md's table differs from the declarations: replace it with "
        'the output of uv run python -c "from harvest.config import options_table; '
        'print(options_table(), end=str())"'
    )


def test_every_flag_of_crawl_is_a_declared_option_or_a_switch() -> None:
    crawl = typer.main.get_command(app).commands["crawl"]  # type: ignore[attr-defined]
    shown = {opt for param in crawl.params for opt in param.opts}
    flags = {option.flag for option in OPTIONS if option.flag}
    switches = {"--config", "--full", "--quiet", "-q", "--verbose", "-v", "--log-format"}
    switches |= {"--help", "URL", "seeds"}
    bools = {f"--{o.name.replace('_', '-')}" for o in OPTIONS if o.flag and o.kind is bool}
    assert flags <= shown
    assert shown - flags - switches - bools == set()


@pytest.mark.parametrize("option", OPTIONS, ids=lambda option: option.name)
def test_each_option_is_read_from_the_file_the_environment_and_its_flag(
    option: Option, tmp_path: Path
) -> None:
    value = _value(option)
    assert value is not None, f"add a sample value for {option.name}"
    section = f"[{option.section}]\n" if option.section else ""
    config = tmp_path / "harvest.toml"
    config.write_text(f"{section}{option.name} = {_toml(value)}\n", encoding="utf-8")
    from_file = settings_from(load({}, config=config, environ={}, cwd=tmp_path))
    from_env = settings_from(load({}, environ={option.env: _env(value)}, cwd=tmp_path))
    assert getattr(from_file, option.field) == getattr(from_env, option.field)
    assert getattr(from_file, option.field) != getattr(Settings(), option.field)
    given = load_config(environ={}, cwd=tmp_path, **{option.name: value})  # as a library does
    assert getattr(given, option.field) == getattr(from_file, option.field)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("concurrency", 0, "concurrency must be at least 1, not 0"),
        ("max_error_rate", 2.0, "max-error-rate must be between 0 and 1, not 2.0"),
        ("timeout_s", 0.0, "timeout must be positive, not 0.0"),
        ("proxy", "socks5://x", "proxy must be an http:// or https:// URL (or 'direct')"),
    ],
)
def test_a_declared_rule_names_the_option(field: str, value: Any, message: str) -> None:
    from harvest.errors import ConfigError

    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Settings(**{field: value})
