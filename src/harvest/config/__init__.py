"""Settings: what a run is told, from a TOML file, ``HARVEST_*`` variables and flags.

``Settings`` is the checked value object a run takes; ``load_config`` builds one the
way the command line does (file, then environment, then the overrides given).
"""

from __future__ import annotations

from harvest.config._loader import OPTIONS, Loaded, Option, load, load_config, settings_from
from harvest.config._settings import Settings
from harvest.sites import DEFAULT_SEEDS

__all__ = [
    "DEFAULT_SEEDS",
    "OPTIONS",
    "Loaded",
    "Option",
    "Settings",
    "load",
    "load_config",
    "settings_from",
]
