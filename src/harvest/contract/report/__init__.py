"""Tables for people: ``harvest report`` (a run's counts, coverage, drift and doubts)
and ``harvest parse --explain`` (where each field of a page came from, and what the
parse doubts)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from harvest.parse import Parsed
from harvest.parse._jobs import BOOKKEEPING


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
    if data.get("doubts"):
        print_doubts(console, data["doubts"])


def print_doubts(console: Console, doubts: dict[str, Any]) -> None:
    """A run's suspect values (by field, then the first few) and its unmapped labels."""
    records, suspect = doubts.get("records", 0), doubts.get("suspect_records", 0)
    by_field = ", ".join(f"{name} {n}" for name, n in doubts.get("suspect", {}).items())
    style = "bold yellow" if suspect else "green"
    console.print(
        f"[{style}]suspect values in {suspect} of {records} records parsed[/]"
        + (f": {by_field}" if by_field else "")
    )
    if doubts.get("suspects"):
        table = Table(title="suspect values (kept as read)", title_justify="left")
        for column in ("field", "rule", "value", "page"):
            table.add_column(column, overflow="fold")
        for item in doubts["suspects"]:
            table.add_row(item["field"], item["rule"], _short(item["value"]), item["url"])
        console.print(table)
    unmapped = doubts.get("unmapped", [])
    if not unmapped:
        console.print("[green]no unmapped labels[/]")
        return
    table = Table(title="unmapped: shown by pages, taken by no field", title_justify="left")
    for column in ("kind", "label", "pages", "example", "first page"):
        table.add_column(column, overflow="fold")
    for item in unmapped:
        urls = item.get("urls") or [""]
        example = _short(item.get("example") or "", 40)
        table.add_row(item["kind"], item["label"], str(item["pages"]), example, urls[0])
    console.print(table)


def print_explanation(console: Console, name: str, parsed: Parsed) -> None:
    """One row a field: its value (shortened), the source that gave it, the sources missed."""
    record = parsed.record
    table = Table(title=f"{name}: {parsed.kind} page, {record.url}", title_justify="left")
    for column in ("field", "value", "source", "tried and missed"):
        table.add_column(column, overflow="fold")
    for field in type(record).model_fields:
        if field in BOOKKEEPING:
            continue
        value = getattr(record, field)
        origin = parsed.provenance.get(field)
        source = origin.source if origin and origin.source else "-" if origin else ""
        missed = ", ".join(origin.tried) if origin else ""
        style = "dim" if value in (None, "", []) else None
        table.add_row(field, _short(value), source, missed, style=style)
    console.print(table)
    for suspect in parsed.suspects:
        console.print(
            f"[bold yellow]suspect:[/] {suspect.field} = {suspect.value!r} "
            f"breaks rule {suspect.rule}"
        )
    for item in parsed.unmapped:
        shown = f": {item.example}" if item.example else ""
        console.print(f"[yellow]unmapped {item.kind}:[/] {item.label}{shown}")
    if not parsed.suspects and not parsed.unmapped:
        console.print("[green]no suspect value, no unmapped label[/]")


def _short(value: Any, width: int = 60) -> str:
    if isinstance(value, list):
        return f"[{len(value)}] " + _short(value[0], width - 5) if value else "[]"
    text = str(value.model_dump(exclude_none=True) if hasattr(value, "model_dump") else value)
    return text if len(text) <= width else text[: width - 1] + "…"
