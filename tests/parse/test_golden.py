"""Golden tests: every page of the recorded site against its expected JSON, whole.

Each case is a page in fixtures/site and its record in tests/golden/<same path>.json.
A failure names the fields that differ. Regenerate only on purpose, after reading
the diff:  uv run pytest tests/parse/test_golden.py --regen-golden
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harvest.errors import ParseError
from tests.conftest import GOLDEN, SITE, parse_fixture, site_pages

VOLATILE = ("fetched_at",)
PAGES = [p.relative_to(SITE).as_posix() for p in site_pages()]


def _expected_path(relpath: str) -> Path:
    return GOLDEN / (relpath + ".json")


def _actual(relpath: str) -> dict[str, Any]:
    try:
        parsed = parse_fixture(relpath)
    except ParseError as exc:
        return {"error": str(exc)}
    data = parsed.record.model_dump(mode="json")
    for key in VOLATILE:
        data.pop(key, None)
    return data


def test_every_page_has_a_golden_file() -> None:
    missing = [p for p in PAGES if not _expected_path(p).exists()]
    assert not missing, f"no golden file for {missing} (run with --regen-golden)"
    stale = sorted(
        g.relative_to(GOLDEN).as_posix()[:-5]
        for g in GOLDEN.rglob("*.json")
        if g.relative_to(GOLDEN).as_posix()[:-5] not in PAGES
    )
    assert not stale, f"golden files without a page: {stale}"


@pytest.mark.parametrize("relpath", PAGES)
def test_page_matches_golden(relpath: str, regen_golden: bool) -> None:
    actual, expected_path = _actual(relpath), _expected_path(relpath)
    if regen_golden:
        expected_path.parent.mkdir(parents=True, exist_ok=True)
        expected_path.write_text(
            json.dumps(actual, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        pytest.skip("golden file rewritten")
    assert "error" not in actual, f"{relpath} does not parse: {actual.get('error')}"
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    differing = sorted(
        k for k in expected.keys() | actual.keys() if expected.get(k) != actual.get(k)
    )
    assert not differing, f"fields differ: {differing}"
    assert actual == expected
