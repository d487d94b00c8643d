"""harvest: research publishers' web pages (rand.org first) into clean, validated JSONL.

Library use::

    import harvest
    parsed = harvest.parse_page(url, body)        # one page -> record
    settings = harvest.load_config(replay="fixtures/site", max_pages=50)
    result = harvest.crawl_sync(settings)         # one run, published under out

The names below are imported when first used: a parse worker process imports
``harvest.parse._jobs`` and, through this package, would otherwise load the fetcher,
the run loop and httpx it never uses (half of its start-up).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from harvest._version import __version__

if TYPE_CHECKING:
    from harvest.config import Settings, load_config
    from harvest.contract.export import ExportResult
    from harvest.contract.export import export_runs as export
    from harvest.errors import ConfigError, FetchError, HarvestError, ParseError, WriteError
    from harvest.models import (
        SCHEMA_VERSION,
        Author,
        Download,
        ErrorRecord,
        Image,
        Money,
        PrintOffer,
        Publication,
        Topic,
        TopicEntry,
        record_schema,
    )
    from harvest.parse import Parsed, Suspect, Unmapped, parse_page
    from harvest.run import RunResult, crawl, crawl_sync

# public name -> the module it comes from
_WHERE = {
    **dict.fromkeys(
        ("ConfigError", "FetchError", "HarvestError", "ParseError", "WriteError"), "errors"
    ),
    **dict.fromkeys(
        (
            "SCHEMA_VERSION",
            "Author",
            "Download",
            "ErrorRecord",
            "Image",
            "Money",
            "PrintOffer",
            "Publication",
            "Topic",
            "TopicEntry",
            "record_schema",
        ),
        "models",
    ),
    **dict.fromkeys(("Parsed", "Suspect", "Unmapped", "parse_page"), "parse"),
    **dict.fromkeys(("RunResult", "crawl", "crawl_sync"), "run"),
    **dict.fromkeys(("Settings", "load_config"), "config"),
    **dict.fromkeys(("ExportResult", "export"), "contract.export"),
}

# public name -> its name in its module, where they differ
_NAMED = {"export": "export_runs"}

__all__ = [
    "SCHEMA_VERSION",
    "Author",
    "ConfigError",
    "Download",
    "ErrorRecord",
    "ExportResult",
    "FetchError",
    "HarvestError",
    "Image",
    "Money",
    "ParseError",
    "Parsed",
    "PrintOffer",
    "Publication",
    "RunResult",
    "Settings",
    "Suspect",
    "Topic",
    "TopicEntry",
    "Unmapped",
    "WriteError",
    "__version__",
    "crawl",
    "crawl_sync",
    "export",
    "load_config",
    "parse_page",
    "record_schema",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'harvest' has no attribute {name!r}")
    value = getattr(import_module(f"harvest.{module}"), _NAMED.get(name, name))
    globals()[name] = value  # the next lookup finds it without this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
