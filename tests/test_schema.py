"""The committed JSON Schema: current, versioned by the rules, and true to what records dump.

``schema/records.schema.json`` is what analysts' tools read; ``schema/fields.json`` is
the ledger of every field path each released ``SCHEMA_VERSION`` added, with its JSON
type. Within a major version a field may be added (a minor bump, recorded in the
ledger) but never removed, renamed or retyped (a major bump, starting a new ledger).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from pydantic import BaseModel

from harvest.models import SCHEMA_VERSION, record_schema
from tests.conftest import ROOT
from tests.strategies import FIELDS, RECORDS

SCHEMA_FILE = ROOT / "schema" / "records.schema.json"
LEDGER_FILE = ROOT / "schema" / "fields.json"
REGENERATE = "uv run harvest schema --out schema/records.schema.json"
SEMVER_RULES = (
    "SCHEMA_VERSION in src/harvest/models.py follows semantic versioning: a field "
    "removed, renamed or retyped is a major bump (X+1.0.0); a field added is a minor "
    "bump (X.Y+1.0), recorded in schema/fields.json under the new version"
)


def _version(text: str) -> tuple[int, int, int]:
    major, minor, patch = (int(part) for part in text.split("."))
    return major, minor, patch


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def field_types(schema: dict[str, Any]) -> dict[str, str]:
    """Every JSON path of every record kind, with its JSON types: what analysts rely on.

    Paths are structural (``publication.authors[].name``), so renaming a model class
    changes nothing while renaming or retyping a key does. Enum values, patterns and
    bounds are left out: they narrow a type, they do not change it.
    """
    defs = schema["$defs"]
    found: dict[str, str] = {}
    for ref in schema["oneOf"]:
        kind_schema = _resolve(ref, defs)
        kind = kind_schema["properties"]["kind"]["const"]
        _walk_object(kind_schema, kind, defs, found)
    return found


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = defs[node["$ref"].removeprefix("#/$defs/")]
    return node


def _walk_object(
    node: dict[str, Any], path: str, defs: dict[str, Any], found: dict[str, str]
) -> None:
    for name, prop in node.get("properties", {}).items():
        _walk(prop, f"{path}.{name}", defs, found)


def _walk(node: dict[str, Any], path: str, defs: dict[str, Any], found: dict[str, str]) -> None:
    branches = [_resolve(branch, defs) for branch in node.get("anyOf", [node])]
    found[path] = "|".join(sorted({kind for branch in branches for kind in _types(branch)}))
    for branch in branches:
        if "properties" in branch:
            _walk_object(branch, path, defs, found)
        if "items" in branch:
            _walk(branch["items"], f"{path}[]", defs, found)


def _types(node: dict[str, Any]) -> Iterator[str]:
    kind = node.get("type")
    if isinstance(kind, list):
        yield from kind
    elif kind is not None:
        yield kind
    elif "properties" in node:
        yield "object"
    else:
        yield "any"


def _released(ledger: dict[str, Any], major: int) -> dict[str, dict[str, str]]:
    """The ledger's entries for one major version, by version, oldest first."""
    versions = [key for key in ledger if not key.startswith("$") and _version(key)[0] == major]
    return {key: ledger[key] for key in sorted(versions, key=_version)}


# -- (1) the committed file is the models' schema


def test_the_committed_schema_is_the_models_schema() -> None:
    assert SCHEMA_FILE.exists(), f"schema/records.schema.json is missing: run `{REGENERATE}`"
    committed = _load(SCHEMA_FILE)
    assert committed == record_schema(), (
        f"schema/records.schema.json differs from the models: run `{REGENERATE}` and commit it. "
        + SEMVER_RULES
    )


def test_the_committed_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(_load(SCHEMA_FILE))


# -- (2) the version moves by the rules


def test_a_change_to_the_committed_fields_comes_with_a_version_bump() -> None:
    committed = _load(SCHEMA_FILE)
    before, now = field_types(committed), field_types(record_schema())
    old = _version(committed["x-schema-version"])
    broken = sorted(path for path, kind in before.items() if now.get(path) != kind)
    if broken:
        assert _version(SCHEMA_VERSION)[0] > old[0], (
            f"fields removed or retyped since the committed schema: {broken}. " + SEMVER_RULES
        )
    added = sorted(now.keys() - before.keys())
    if added:
        assert _version(SCHEMA_VERSION)[:2] > old[:2], (
            f"fields added since the committed schema: {added}. " + SEMVER_RULES
        )


def test_released_fields_of_this_major_are_all_still_there_with_their_types() -> None:
    major = _version(SCHEMA_VERSION)[0]
    released = _released(_load(LEDGER_FILE), major)
    assert released, (
        f"schema/fields.json records no field for major version {major}: add the full field set "
        f"of {SCHEMA_VERSION} under it (print it with tests.test_schema.field_types)"
    )
    now = field_types(record_schema())
    broken = {
        f"{path} ({kind}, since {version})": now.get(path, "removed")
        for version, fields in released.items()
        for path, kind in fields.items()
        if now.get(path) != kind
    }
    assert not broken, f"released fields removed or retyped: {broken}. " + SEMVER_RULES


def test_every_field_is_in_the_ledger_once_and_no_ledger_version_is_ahead() -> None:
    major = _version(SCHEMA_VERSION)[0]
    released = _released(_load(LEDGER_FILE), major)
    recorded: dict[str, str] = {}
    for version, fields in released.items():
        assert _version(version) <= _version(SCHEMA_VERSION), (
            f"schema/fields.json has fields of {version}, ahead of SCHEMA_VERSION {SCHEMA_VERSION}"
        )
        twice = sorted(fields.keys() & recorded.keys())
        assert not twice, f"{version} records again fields of an earlier version: {twice}"
        recorded.update(dict.fromkeys(fields, version))
    unrecorded = sorted(field_types(record_schema()).keys() - recorded.keys())
    assert not unrecorded, f"fields not in schema/fields.json: {unrecorded}. " + SEMVER_RULES


def test_field_types_sees_nested_paths_and_nullability() -> None:
    types = field_types(record_schema())
    assert types["publication.title"] == "string"
    assert types["publication.published"] == "null|string"
    assert types["publication.authors"] == "array"
    assert types["publication.authors[].name"] == "string"
    assert types["publication.print_offers[].price.amount"] == "string"
    assert types["publication.cover_image"] == "null|object"
    assert types["topic.entries[].featured"] == "boolean"
    assert types["error.status"] == "integer|null"


# -- (3) what the models dump is what the schema says


@cache
def _validator() -> Draft202012Validator:
    """Built on first use, so a missing schema file fails its own test, not collection."""
    return Draft202012Validator(
        _load(SCHEMA_FILE), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("model", list(FIELDS), ids=lambda model: model.__name__)
def test_every_model_field_has_a_strategy(model: type[BaseModel]) -> None:
    assert set(FIELDS[model]) == set(model.model_fields), "update tests/strategies.py"


@pytest.mark.parametrize("kind", sorted(RECORDS))
@PROPERTY
@given(data=st.data())
def test_dumped_records_validate_against_the_committed_schema(
    kind: str, data: st.DataObject
) -> None:
    record = data.draw(RECORDS[kind])
    dumped = json.loads(record.model_dump_json())
    assert dumped["kind"] == kind
    error = best_match(_validator().iter_errors(dumped))
    assert error is None, f"{error.json_path}: {error.message}"
