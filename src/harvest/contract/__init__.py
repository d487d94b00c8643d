"""The analysts' contract around the records: checking files against the schema
(``_validate``), the drift alarm between runs (``_drift``), the typed tables
(``export``) and the run history (``report``).

It reads what runs published and never fetches; the subpackages load their own
heavy libraries (DuckDB, matplotlib) when used.
"""

from __future__ import annotations

__all__: list[str] = []
