"""The drift alarm: is this run's harvest much poorer than the last one's?

A site redesign rarely breaks a scraper loudly: pages still answer 200, and a
field quietly comes back empty, or a listing stops listing. Each run's manifest
holds, per page kind, how many records it saw and the share of them with each
field filled. This module compares two manifests of the same configuration and
names what dropped:

- ``coverage``: a field's share fell by more than ``points`` percentage points;
- ``records``: a page kind gave less than half as many records;
- ``empty_pages``: pages answered 200 and gave no record;
- ``suspect``: more than ``suspect_percent`` % of the records the run parsed hold a
  value that breaks its field's plausibility rule (``docs/records.md``). This one
  needs no earlier run.

Only whole crawl passes are compared: a run that went on with a pass begun by an
earlier run saw only part of the site, and its counts would look like a drop.
Likewise a nightly run asks only for what is new or due (``docs/scheduling.md``):
record counts are compared only between sweeps (runs that saw every known page: a
first crawl, ``--full``), and a field's coverage only where the run saw at least
``MIN_SAMPLE`` records of the kind, or swept. Pure functions on manifests: no I/O.
"""

from __future__ import annotations

from typing import Any

from harvest.errors import RunOutcome

DEFAULT_POINTS = 20.0
DEFAULT_SUSPECT_PERCENT = 5.0
MIN_SAMPLE = 10


def compare(
    current: dict[str, Any],
    previous: dict[str, Any] | None,
    points: float = DEFAULT_POINTS,
    *,
    suspect_percent: float = DEFAULT_SUSPECT_PERCENT,
) -> dict[str, Any]:
    """The ``drift`` section of ``current``'s manifest: what was compared, and the alarms."""
    alarms: list[dict[str, Any]] = suspect_alarms(current.get("doubts") or {}, suspect_percent)
    empty = int(current.get("counts", {}).get("empty_pages", 0))
    if empty:
        alarms.append(
            {
                "alarm": "empty_pages",
                "pages": empty,
                "message": f"{empty} pages answered 200 but gave no record",
            }
        )
    section: dict[str, Any] = {"points": points, "compared_with": None, "alarms": alarms}
    if previous is None:
        section["note"] = "no earlier complete run of this configuration to compare with"
        return section
    if not (_whole(current) and _whole(previous)):
        section["note"] = "not compared: a run that goes on with an earlier pass saw part of it"
        return section
    section["compared_with"] = previous.get("run_id")
    sweeps = is_sweep(current) and is_sweep(previous)
    before, after = previous.get("coverage", {}), current.get("coverage", {})
    for kind, was in sorted(before.items()):
        now = after.get(kind, {"records": 0, "fields": {}})
        if sweeps and now["records"] * 2 < was["records"]:
            alarms.append(
                {
                    "alarm": "records",
                    "page_kind": kind,
                    "before": was["records"],
                    "after": now["records"],
                    "message": f"{kind} pages gave {now['records']} records, "
                    f"{was['records']} the run before",
                }
            )
    for kind, name, share, new_share in coverage_pairs(current, previous):
        if (share - new_share) * 100 > points:
            alarms.append(
                {
                    "alarm": "coverage",
                    "page_kind": kind,
                    "field": name,
                    "before": share,
                    "after": new_share,
                    "message": f"{kind} field {name!r} filled in {new_share:.0%} of records, "
                    f"{share:.0%} the run before",
                }
            )
    return section


def suspect_alarms(doubts: dict[str, Any], percent: float) -> list[dict[str, Any]]:
    """The ``suspect`` alarm, when more than ``percent`` % of the records hold one.

    >>> suspect_alarms({"records": 40, "suspect_records": 3, "suspect": {"program": 3}}, 5.0)[0]
    ... # doctest: +NORMALIZE_WHITESPACE
    {'alarm': 'suspect', 'records': 40, 'suspect_records': 3, 'fields': {'program': 3},
     'message': '3 of 40 records hold a suspect value (8%, more than 5%): program 3'}
    >>> suspect_alarms({"records": 40, "suspect_records": 2}, 5.0)
    []
    """
    records, suspect = int(doubts.get("records", 0)), int(doubts.get("suspect_records", 0))
    if not records or suspect * 100 <= percent * records:
        return []
    fields = dict(doubts.get("suspect", {}))
    named = ", ".join(f"{name} {n}" for name, n in fields.items())
    return [
        {
            "alarm": "suspect",
            "records": records,
            "suspect_records": suspect,
            "fields": fields,
            "message": f"{suspect} of {records} records hold a suspect value "
            f"({suspect / records:.0%}, more than {percent:g}%): {named}",
        }
    ]


def coverage_pairs(
    current: dict[str, Any], previous: dict[str, Any]
) -> list[tuple[str, str, float, float]]:
    """(page kind, field, share before, share now) for every field the alarm compares.

    A kind is compared where the run saw records of it: at least ``MIN_SAMPLE``,
    unless both runs were sweeps. A field missing now counts as 0.
    """
    sweeps = is_sweep(current) and is_sweep(previous)
    before, after = previous.get("coverage", {}), current.get("coverage", {})
    pairs = []
    for kind, was in sorted(before.items()):
        now = after.get(kind, {"records": 0, "fields": {}})
        if not now["records"] or (not sweeps and now["records"] < MIN_SAMPLE):
            continue
        for name, share in sorted(was["fields"].items()):
            pairs.append((kind, name, share, now["fields"].get(name, 0.0)))
    return pairs


def is_sweep(manifest: dict[str, Any]) -> bool:
    """A run that saw every page the state knew (manifests before schedules: all did)."""
    return bool(manifest.get("plan", {}).get("sweep", True))


def _whole(manifest: dict[str, Any]) -> bool:
    return not manifest.get("resumed_pages") and manifest.get("outcome") == RunOutcome.COMPLETE
