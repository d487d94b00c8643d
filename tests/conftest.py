"""Shared test helpers: the recorded site and the golden-file switch."""

from __future__ import annotations

from pathlib import Path

import pytest

from harvest.fetch import url_for
from harvest.parse import Parsed, parse_page

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "fixtures" / "site"
GOLDEN = ROOT / "tests" / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-golden",
        action="store_true",
        help="Rewrite tests/golden/*.json from the current parsers (on purpose only).",
    )
    parser.addoption(
        "--kill-seed",
        type=int,
        default=None,
        help="The seed of the random kill test's moments (default: a new one each run; "
        "a failure names the seed it drew, to run it again).",
    )


@pytest.fixture
def regen_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--regen-golden"))


def site_pages() -> list[Path]:
    """Every page of the recorded site."""
    return sorted(p for p in SITE.rglob("*") if p.is_file() and not p.name.startswith("."))


def parse_fixture(relpath: str) -> Parsed:
    """Parse a page of the recorded site, at the URL its path stands for."""
    path = SITE / relpath
    url = url_for(path)
    assert url is not None, relpath
    return parse_page(url, path.read_bytes())


@pytest.fixture(autouse=True)
def _no_proxy_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Live fetches read HTTP_PROXY and the like: the tests' own come from the tests only."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
