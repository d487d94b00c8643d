"""Constants the command line needs before it imports anything heavy.

``harvest --version``, ``--help`` and a usage error read these without loading the
fetcher, the parsers or DuckDB (a third of a second and hundreds of modules).
"""

from __future__ import annotations

import os

from harvest._version import __version__

CONFIG_FILE = "harvest.toml"
DEFAULT_USER_AGENT = (
    f"harvest/{__version__} (+https://github.com/harvest-scraper/harvest; research-data crawler)"
)


def debug_enabled() -> bool:
    """True when HARVEST_DEBUG asks for tracebacks of internal errors."""
    return os.environ.get("HARVEST_DEBUG", "") not in ("", "0")
