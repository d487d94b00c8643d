"""Shared test helpers: the recorded site, the golden-file switch and the suite's seed.

Every random choice the tests make comes from one seed: ``--seed N``, else the
``TEST_SEED`` variable, else a new one each run. The header prints it, and so does
each failing test that drew on it (the ``seed`` fixture, or a Hypothesis test), so
``TEST_SEED=N`` runs the same choices again. Hypothesis is pinned to it too
(``--hypothesis-seed``, unless given); a pinned Hypothesis keeps no example database.
"""

from __future__ import annotations

import logging
import os
import random
import subprocess
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from harvest.fetch import url_for
from harvest.parse import Parsed, parse_page

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "fixtures" / "site"
GOLDEN = ROOT / "tests" / "golden"

# Not a HARVEST_ name: harvest warns of HARVEST_ variables that are not its settings.
SEED_VARIABLE = "TEST_SEED"
_SEED = pytest.StashKey[int]()
_HYPOTHESIS_PINNED = pytest.StashKey[bool]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-golden",
        action="store_true",
        help="Rewrite tests/golden/*.json from the current parsers (on purpose only).",
    )
    parser.addoption(
        "--seed",
        type=int,
        default=None,
        help=f"The suite's random seed (default: ${SEED_VARIABLE}, else a new one each run; "
        "the header and each failure that drew on it print it).",
    )


@pytest.hookimpl(tryfirst=True)  # before Hypothesis's plugin reads --hypothesis-seed
def pytest_configure(config: pytest.Config) -> None:
    seed = _suite_seed(config)
    config.stash[_SEED] = seed
    pinned = config.getoption("hypothesis_seed", None) is None
    if pinned:
        config.option.hypothesis_seed = str(seed)
    config.stash[_HYPOTHESIS_PINNED] = pinned


def _suite_seed(config: pytest.Config) -> int:
    given: int | None = config.getoption("--seed")
    if given is not None:
        return given
    text = os.environ.get(SEED_VARIABLE, "").strip()
    if not text:
        return random.SystemRandom().randrange(1_000_000)
    try:
        return int(text)
    except ValueError:
        raise pytest.UsageError(f"{SEED_VARIABLE} must be a whole number, not {text!r}") from None


def pytest_report_header(config: pytest.Config) -> str:
    seed = config.stash[_SEED]
    return f"random seed: {seed} (the same choices again: {SEED_VARIABLE}={seed})"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed and _draws_at_random(item):
        seed = item.config.stash[_SEED]
        report.sections.append(
            ("random seed", f"{seed}: {SEED_VARIABLE}={seed} makes the same random choices")
        )
    return report


def _draws_at_random(item: pytest.Item) -> bool:
    if "seed" in getattr(item, "fixturenames", ()):
        return True
    hypothesis = hasattr(getattr(item, "obj", None), "hypothesis")  # a @given test
    return hypothesis and item.config.stash[_HYPOTHESIS_PINNED]


@pytest.fixture
def seed(request: pytest.FixtureRequest) -> int:
    """The suite's random seed: a test draws from ``random.Random(seed)``, never the
    module-level ``random``, so that a failure can be run again."""
    return request.config.stash[_SEED]


@pytest.fixture
def regen_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--regen-golden"))


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[Any] | None = None) -> None:
    """Poll until ``condition()`` holds; fail at once if ``process`` exits first.

    No deadline: how fast the machine is is not under test, and a test that hangs
    is ended by pytest-timeout (``timeout`` in pyproject.toml).
    """
    while not condition():
        if process is not None and process.poll() is not None:
            pytest.fail(f"the process exited ({process.returncode}) before it got there")
        time.sleep(0.01)


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


@pytest.fixture(autouse=True)
def _harvest_logging_as_before() -> Iterator[None]:
    """A command called in-process (``main([...])``) logs to the ``sys.stderr`` of its
    test; once that test's capture is closed, a later test's log lines would go to a
    closed stream. Each test leaves the harvest logger as it found it."""
    logger = logging.getLogger("harvest")
    handlers, level = list(logger.handlers), logger.level
    yield
    for handler in [h for h in logger.handlers if h not in handlers]:
        logger.removeHandler(handler)
        handler.close()
    for handler in handlers:
        if handler not in logger.handlers:
            logger.addHandler(handler)
    logger.setLevel(level)
