"""The public API and the one-way dependencies between harvest's modules."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import harvest
import harvest.archive
import harvest.fetch
import harvest.normalize
import harvest.parse
import harvest.state
import harvest.write

SRC = Path(harvest.__file__).parent
# module (or package) -> harvest modules it must never import
FORBIDDEN = {
    "models": {"harvest"},  # models import nothing of harvest
    "normalize": {
        "harvest.parse",
        "harvest.fetch",
        "harvest.write",
        "harvest.pipeline",
        "harvest.cli",
        "harvest.models",
        "harvest.crawl",
        "harvest.settings",
    },
    "parse": {
        "harvest.fetch",
        "harvest.write",
        "harvest.pipeline",
        "harvest.cli",
        "harvest.crawl",
        "harvest.settings",
    },
    "fetch": {"harvest.parse", "harvest.write", "harvest.pipeline", "harvest.cli"},
    "write": {"harvest.parse", "harvest.fetch", "harvest.pipeline", "harvest.cli"},
    # parse workers run parse_page in other processes: nothing of the network or output
    "workers": {"harvest.fetch", "harvest.write", "harvest.pipeline", "harvest.cli"},
    # the processes and their sockets: what runs in them is handed in
    "parse_workers": {"harvest"},
    # the state knows nothing of pages, HTTP or output files: it stores what it is told
    "state": {
        "harvest.parse",
        "harvest.fetch",
        "harvest.write",
        "harvest.pipeline",
        "harvest.cli",
        "harvest.models",
    },
    # raw pages in, raw pages out: archives never parse and never write records
    "archive": {"harvest.parse", "harvest.write", "harvest.pipeline", "harvest.cli"},
    # checking a file needs the contract only
    "validate": {
        "harvest.parse",
        "harvest.fetch",
        "harvest.write",
        "harvest.pipeline",
        "harvest.cli",
        "harvest.state",
    },
    "logs": {"harvest"},
    # the policies of what a run asks for: pure functions of a page's history and the time
    "schedule": {
        "harvest.state",
        "harvest.fetch",
        "harvest.parse",
        "harvest.write",
        "harvest.pipeline",
        "harvest.cli",
        "harvest.crawl",
        "harvest.models",
    },
    "discovery": {"harvest"},
    # the export reads run folders and writes tables: no fetching, parsing or crawling
    "export": {
        "harvest.fetch",
        "harvest.parse",
        "harvest.pipeline",
        "harvest.cli",
        "harvest.crawl",
        "harvest.state",
    },
    # the report reads what runs published (manifests, the export): it runs nothing
    "report": {
        "harvest.fetch",
        "harvest.pipeline",
        "harvest.cli",
        "harvest.crawl",
        "harvest.state",
        "harvest.write.jsonl",
    },
    # the sitemap parser: bytes in, entries out; it may only decode (harvest.fetch.decode)
    "sitemaps": {
        "harvest.state",
        "harvest.parse",
        "harvest.write",
        "harvest.pipeline",
        "harvest.cli",
        "harvest.crawl",
        "harvest.fetch.client",
    },
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _files(name: str) -> list[Path]:
    package = SRC / name
    return sorted(package.rglob("*.py")) if package.is_dir() else [SRC / f"{name}.py"]


@pytest.mark.parametrize("name", sorted(FORBIDDEN))
def test_dependencies_point_one_way(name: str) -> None:
    for path in _files(name):
        for module in _imports(path):
            for banned in FORBIDDEN[name]:
                if module == banned or module.startswith(banned + "."):
                    pytest.fail(f"{path.relative_to(SRC)} imports {module}")


@pytest.mark.parametrize(
    "package",
    [
        harvest,
        harvest.archive,
        harvest.fetch,
        harvest.normalize,
        harvest.parse,
        harvest.state,
        harvest.write,
    ],
)
def test_all_names_exist(package: object) -> None:
    names = package.__all__  # type: ignore[attr-defined]
    missing = [name for name in names if not hasattr(package, name)]
    assert not missing


def test_version_is_exposed() -> None:
    assert harvest.__version__ == "0.1.0"


def test_a_parse_worker_imports_no_fetching_or_output() -> None:
    # A worker process starts by importing harvest.workers: the package's names are
    # loaded when used, so the fetcher, the pipeline and httpx stay out of it.
    code = "import sys, harvest.workers; print(' '.join(sorted(sys.modules)))"
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    loaded = [name for name in found if name.split(".")[0] in ("harvest", "httpx")]
    assert "harvest.parse" in loaded
    unwanted = ("httpx", "harvest.fetch", "harvest.pipeline", "harvest.write", "harvest.cli")
    assert not [name for name in loaded if name.startswith(unwanted)]


def test_harvest_crawl_is_the_crawl_function_whatever_was_imported_first() -> None:
    # The submodule harvest.crawl shares the name; importing it must not replace the
    # package's crawl (the names are loaded on first use).
    code = (
        "import harvest.crawl, harvest.pipeline, harvest\n"
        "print(harvest.crawl is harvest.pipeline.crawl, callable(harvest.crawl))"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout.split() == ["True", "True"]
    assert harvest.crawl is harvest.pipeline.crawl


def test_parse_page_takes_text_as_well_as_bytes() -> None:
    page = Path(__file__).parent.parent / "fixtures/site/www.rand.org/pubs/monographs/MG115.html"
    url = "https://www.rand.org/pubs/monographs/MG115.html"
    from_text = harvest.parse_page(url, page.read_text(encoding="utf-8")).record
    from_bytes = harvest.parse_page(url, page.read_bytes()).record
    skip = {"fetched_at", "content_sha256"}
    assert from_text.model_dump(exclude=skip) == from_bytes.model_dump(exclude=skip)


def test_the_package_says_it_is_typed() -> None:
    assert (SRC / "py.typed").is_file()  # PEP 561: type checkers use harvest's annotations


def test_the_cli_starts_without_the_fetcher_parsers_or_duckdb() -> None:
    # Issue 19: `harvest --version` imported 519 modules (1.5-2.3 s on a slow machine);
    # cron's exit-75 path and one-off commands pay it. The commands import their own.
    code = (
        "import sys, harvest.cli; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('httpx', 'httpcore', 'duckdb', 'selectolax', 'matplotlib', 'pydantic') "
        "or m in ('harvest.pipeline', 'harvest.fetch', 'harvest.parse', 'harvest.export')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
