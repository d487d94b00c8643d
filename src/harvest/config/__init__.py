"""Settings: what a run is told, from a TOML file, ``HARVEST_*`` variables and flags.

``Settings`` is the checked value object a run takes; each of its options is
declared once, as a field (``_declare.setting``). ``load_config`` builds one the
way the command line does (file, then environment, then the overrides given);
``OPTIONS`` lists the declarations, from which the ``crawl`` command's flags and
the table in docs/configuration.md are made (``options_table``).
"""

from __future__ import annotations

from harvest.config._declare import Option
from harvest.config._loader import OPTIONS, Loaded, load, load_config, settings_from
from harvest.config._settings import Settings
from harvest.config._table import options_table
from harvest.sites import DEFAULT_SEEDS

__all__ = [
    "DEFAULT_SEEDS",
    "OPTIONS",
    "Loaded",
    "Option",
    "Settings",
    "load",
    "load_config",
    "options_table",
    "settings_from",
]
