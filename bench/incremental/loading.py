"""Load a benchmark module by its path.

The benchmarks' modules are scripts, not a package, and ``import site`` would find the
standard library's ``site``: ``bench/crawl/site.py`` and ``bench/incremental/site.py``
are loaded by path instead, under names of their own.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent


def load_module(name: str, path: Path) -> ModuleType:
    """The module at ``path``, registered as ``name`` (once: later calls get the same one)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up here
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def crawl_site() -> ModuleType:
    """``bench/crawl/site.py``: the page templates and builders this benchmark reuses."""
    return load_module("bench_crawl_site", BENCH / "crawl" / "site.py")


def incremental_site() -> ModuleType:
    """``bench/incremental/site.py``: the simulated site."""
    return load_module("bench_incremental_site", HERE / "site.py")
