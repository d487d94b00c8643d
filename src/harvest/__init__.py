"""harvest: research publishers' web pages (rand.org first) into clean, validated JSONL.

Library use::

    import harvest
    parsed = harvest.parse_page(url, body)        # one page -> record
    result = harvest.crawl_sync(harvest.Settings(replay_dir=Path("fixtures/site")))

The names below are imported when first used: a parse worker process imports
``harvest.workers`` and, through this package, would otherwise load the fetcher,
the pipeline and httpx it never uses (half of its start-up).
"""

from __future__ import annotations

import sys
import types
from importlib import import_module
from typing import TYPE_CHECKING, Any

from harvest._version import __version__

if TYPE_CHECKING:
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
    from harvest.parse import Parsed, parse_page
    from harvest.pipeline import RunResult, crawl, crawl_sync
    from harvest.settings import Settings

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
    **dict.fromkeys(("Parsed", "parse_page"), "parse"),
    **dict.fromkeys(("RunResult", "crawl", "crawl_sync"), "pipeline"),
    "Settings": "settings",
}

__all__ = [
    "SCHEMA_VERSION",
    "Author",
    "ConfigError",
    "Download",
    "ErrorRecord",
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
    "Topic",
    "TopicEntry",
    "WriteError",
    "__version__",
    "crawl",
    "crawl_sync",
    "parse_page",
    "record_schema",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'harvest' has no attribute {name!r}")
    value = getattr(import_module(f"harvest.{module}"), name)
    globals()[name] = value  # the next lookup finds it without this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(types.ModuleType):
    """``harvest.crawl`` is the ``crawl`` function, whatever was imported first.

    The submodule ``harvest.crawl`` has the same name, and importing it sets the
    package's attribute to the module. A name loaded on first use would then be
    shadowed; this property keeps the function (the submodule stays importable as
    ``harvest.crawl`` in import statements, which look in ``sys.modules``).
    """

    @property
    def crawl(self) -> Any:
        if "_crawl" not in self.__dict__:
            self.__dict__["_crawl"] = __getattr__("crawl")
        return self.__dict__["_crawl"]

    @crawl.setter
    def crawl(self, value: Any) -> None:
        if not isinstance(value, types.ModuleType):  # the import system's binding: ignored
            self.__dict__["_crawl"] = value


sys.modules[__name__].__class__ = _Package
