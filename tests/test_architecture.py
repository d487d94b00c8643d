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

# The layers, lowest first: a part imports only from lower layers (and itself).
#   0 the vocabulary: errors, record models, constants, log set-up
#   1 pure value functions (str -> value | None)
#   2 what harvest knows of each site
#   3 the parts: settings, fetching, parsing, the state, writing, archives
#   4 what uses the parts: a run (frontier, loop, recovery, reparse) and the contract
#     around the records (validate, drift, export, report)
#   5 the command line and the public namespace
LAYERS: list[set[str]] = [
    {
        "harvest._version",
        "harvest._constants",
        "harvest._logs",
        "harvest.errors",
        "harvest.models",
        "harvest.manifest",
    },
    {"harvest.normalize"},
    {"harvest.sites"},
    {
        "harvest.config",
        "harvest.fetch",
        "harvest.parse",
        "harvest.state",
        "harvest.write",
        "harvest.archive",
    },
    {"harvest.run", "harvest.contract"},
    {"harvest.cli", "harvest.__main__", "harvest"},
]
# Imports between parts of one layer, each one way only.
SIDEWAYS = {
    ("harvest.archive", "harvest.fetch"),  # WARC replay is a fetch transport; the fetcher
    # hands exchanges to a response hook and knows nothing of archives
    ("harvest.run", "harvest.contract"),  # a run checks drift against the last one
    ("harvest._constants", "harvest._version"),
    ("harvest.manifest", "harvest.errors"),  # the manifest's outcomes are the errors' words
    ("harvest.__main__", "harvest.cli"),
}
# Narrower rules inside the layers: module (or package) -> what it must never import.
FORBIDDEN = {
    "models": {"harvest"},  # the analysts' contract stands alone
    "errors": {"harvest"},
    "_logs": {"harvest"},
    # the processes and their sockets: what runs in them is handed in
    "parse/_pool": {"harvest"},
    # a parse worker process imports this: nothing of the network, the state or output
    "parse/_jobs": {"harvest.fetch", "harvest.write", "harvest.state", "harvest.archive"},
    # the policies of what a run asks for: pure functions of a page's history and the time
    "run/_schedule": {
        "harvest.config",
        "harvest.fetch",
        "harvest.models",
        "harvest.parse",
        "harvest.state",
        "harvest.write",
    },
    # the sitemap parser: bytes in, entries out; it may only decode
    "run/_sitemaps": {
        "harvest.state",
        "harvest.parse",
        "harvest.write",
        "harvest.fetch._client",
        "harvest.fetch._retrying",
        "harvest.fetch._body",
    },
    # the report reads what runs published (manifests, the export): it runs nothing
    "contract/report": {"harvest.fetch", "harvest.run", "harvest.state", "harvest.write._jsonl"},
    # checking a file needs the contract only
    "contract/_validate": {"harvest.parse", "harvest.fetch", "harvest.write", "harvest.state"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(SRC.rglob("*.py"))}


def _imports(path: Path) -> set[str]:
    """Every harvest module ``path`` imports, at the top, in a function or for type
    checking alike (a hidden cycle is still a cycle)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                name = f"{node.module}.{alias.name}"
                found.add(name if name in MODULES else node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.split(".")[0] == "harvest"}


def _part(module: str) -> str:
    """The part of the layers a module belongs to: ``harvest.fetch._wire`` -> ``harvest.fetch``."""
    if module in ("harvest", "harvest.__main__"):
        return module
    return ".".join(module.split(".")[:2])


def _layer(part: str) -> int:
    return next(number for number, parts in enumerate(LAYERS) if part in parts)


def test_every_module_has_a_layer() -> None:
    unplaced = sorted({_part(module) for module in MODULES} - set().union(*LAYERS))
    assert not unplaced, f"add {unplaced} to LAYERS"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down_the_layers(module: str) -> None:
    part = _part(module)
    for imported in _imports(MODULES[module]):
        other = _part(imported)
        if other == part or _layer(other) < _layer(part) or (part, other) in SIDEWAYS:
            continue
        pytest.fail(f"{module} (layer {_layer(part)}) imports {imported} (layer {_layer(other)})")


@pytest.mark.parametrize("name", sorted(FORBIDDEN))
def test_narrower_rules_hold(name: str) -> None:
    package = SRC / name
    paths = sorted(package.rglob("*.py")) if package.is_dir() else [SRC / f"{name}.py"]
    for path in paths:
        for module in _imports(path):
            for banned in FORBIDDEN[name]:
                if module == banned or module.startswith(banned + "."):
                    own = _module_name(path)
                    if not (banned == "harvest" and module.startswith(own)):
                        pytest.fail(f"{path.relative_to(SRC)} imports {module}")


def test_no_import_cycle_between_modules() -> None:
    # Importing harvest.a._b runs harvest.a first: a module depends on its parents too.
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        wanted = set()
        for imported in _imports(path):
            parts = imported.split(".")
            wanted.update(".".join(parts[:k]) for k in range(2, len(parts) + 1))
        graph[module] = {
            name for name in wanted if name in MODULES and not module.startswith(name + ".")
        } - {module}
    assert not _cycles(graph)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


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
    # A worker process starts by importing harvest.parse._jobs: the package's names are
    # loaded when used, so the fetcher, the pipeline and httpx stay out of it.
    code = "import sys, harvest.parse._jobs; print(' '.join(sorted(sys.modules)))"
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    loaded = [name for name in found if name.split(".")[0] in ("harvest", "httpx")]
    assert "harvest.parse" in loaded
    unwanted = ("httpx", "harvest.fetch", "harvest.run._runner", "harvest.write", "harvest.cli")
    assert not [name for name in loaded if name.startswith(unwanted)]


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
        "or m in ('harvest.run._runner', 'harvest.fetch', 'harvest.parse', "
        "'harvest.contract.export')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("argv", [["--version"], ["--help"]])
def test_the_command_starts_on_at_most_200_modules(argv: list[str]) -> None:
    # Issue 19: `python -X importtime -m harvest --version` lists at most 200 modules
    # (it was 519). Everything the interpreter loads counts, harvest's and the stdlib's.
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "harvest", *argv],
        capture_output=True,
        text=True,
        check=True,
    )
    imported = [line for line in done.stderr.splitlines() if line.startswith("import time:")]
    assert len(imported) - 1 <= 200  # less the header line


def test_a_run_that_finds_the_lock_held_exits_before_loading_the_fetcher(tmp_path: Path) -> None:
    # Cron's second run: exit 75 at once, without the fetcher, the parsers or DuckDB.
    from harvest.state import RunLock

    with RunLock.for_state(tmp_path / "state.sqlite").acquire("holder"):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "harvest", "crawl", "--replay",
             "fixtures/site", "--out", str(tmp_path)],
            check=False, capture_output=True, text=True, cwd=SRC.parent.parent,
        )  # fmt: skip
    assert done.returncode == 75, done.stderr[-500:]
    imported = {
        line.rsplit("|", 1)[-1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert {"harvest.cli", "harvest.state._lock"} <= imported  # the list is read right
    for heavy in ("httpx", "duckdb", "selectolax", "harvest.run._runner", "harvest.fetch"):
        assert heavy not in imported
