"""The options as the table in docs/configuration.md shows them (a test holds the two
together: the docs are made from the declarations, never the other way)."""

from __future__ import annotations

from harvest.config._declare import Option
from harvest.config._loader import OPTIONS

_TYPES = {"int": "int", "float": "float", "str": "str", "bool": "bool", "Path": "path"}


def options_table() -> str:
    """The Markdown table of every option: section, key, flag, type, default, meaning."""
    lines = ["| section | key | flag | type | default | meaning |", "|---|---|---|---|---|---|"]
    section: str | None = None
    for option in OPTIONS:
        shown_section = f"`[{option.section}]`" if option.section != section else ""
        section = option.section
        meaning = " ".join(part for part in (option.declared.help, option.declared.more) if part)
        flag = option.flag or option.declared.flag or "none"
        flag = f"`{flag}`" if flag != "none" else flag
        cells = (
            shown_section,
            f"`{option.name}`",
            flag,
            _type(option),
            option.shown_default,
            meaning,
        )
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def _type(option: Option) -> str:
    """The declared type text, else the type's name (a field in seconds ends in ``_s``)."""
    if option.declared.doc_type:
        return option.declared.doc_type
    name = getattr(option.kind, "__name__", str(option.kind))
    name = _TYPES.get(name.replace("pathlib.", "").replace(" | None", ""), name)
    return f"{name}, s" if option.field.endswith("_s") else name
