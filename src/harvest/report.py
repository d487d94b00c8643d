"""``harvest report``: a run's counts, coverage and drift as tables a person can read."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def print_report(console: Console, data: dict[str, Any]) -> None:
    """Counts, then one coverage table per page kind (with the run before), then the alarms."""
    counts = data["counts"]
    console.print(
        f"[bold]run {data['run_id']}[/] ({data['outcome']}, started {data['started_at']})"
    )
    shown = ("pages", "new", "updated", "unchanged", "removed", "skipped", "fetch_failed",
             "parse_failed", "empty_pages")  # fmt: skip
    console.print("  ".join(f"{key} {counts[key]}" for key in shown if key in counts))
    drift = data["drift"]
    flagged = {
        (alarm.get("page_kind"), alarm.get("field"))
        for alarm in drift.get("alarms", [])
        if alarm["alarm"] == "coverage"
    }
    before, coverage = data["previous_coverage"], data["coverage"]
    kinds = sorted(coverage)
    table = Table(title="coverage: share of records with the field filled", title_justify="left")
    table.add_column("field")
    for kind in kinds:
        was = before.get(kind)
        header = f"{kind}\n{coverage[kind]['records']} records"
        if was:
            header += f"\n(before: {was['records']})"
        table.add_column(header, justify="right")
    fields = dict.fromkeys(name for kind in kinds for name in coverage[kind]["fields"])
    for name in fields:
        cells, ringing = [], False
        for kind in kinds:
            share = coverage[kind]["fields"].get(name)
            if share is None:
                cells.append("")
                continue
            cell = f"{share:.0%}"
            old = before.get(kind, {}).get("fields", {}).get(name)
            if old is not None and old != share:
                cell += f" ({(share - old) * 100:+.0f})"
            ringing |= (kind, name) in flagged
            cells.append(cell)
        table.add_row(name, *cells, style="bold red" if ringing else None)
    console.print(table)
    alarms = drift.get("alarms", [])
    if drift.get("note"):
        console.print(f"drift: {drift['note']}")
    if not alarms:
        console.print("[green]no drift alarm[/]")
    for alarm in alarms:
        console.print(f"[bold red]drift alarm:[/] {alarm['message']}")
