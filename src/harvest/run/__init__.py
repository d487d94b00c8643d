"""A run: the frontier (what to ask for), the loop that fetches, parses and writes,
recovery after a kill, and reparse from an archive.

``crawl`` (async) and ``crawl_sync`` run one crawl; ``reparse`` rebuilds records
from archived pages. The names load on first use: ``harvest status`` and the
frontier's tests need none of the fetcher.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harvest.run._reparse import reparse
    from harvest.run._result import RunResult
    from harvest.run._runner import crawl, crawl_sync
    from harvest.run._stats import RunStats

_WHERE = {
    "RunResult": "_result",
    "RunStats": "_stats",
    "crawl": "_runner",
    "crawl_sync": "_runner",
    "reparse": "_reparse",
}

__all__ = ["RunResult", "RunStats", "crawl", "crawl_sync", "reparse"]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'harvest.run' has no attribute {name!r}")
    value = getattr(import_module(f"harvest.run.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
