"""The export's columns, derived from the record models: the one source of its types.

``fields_of(model)`` walks a model's fields and their annotations into a tree of
``Field``. Everything else comes from that tree: the types DuckDB reads the JSONL
with (``json_type``: the values as written) and the SQL that turns a value into
the export's columns (``select_list``):

- a partial date (``PartialDate``: ``"2004-08-15"``, ``"2020-01"``, ``"2004"``) becomes
  a DATE, the first day of its period, with ``_precision`` (day, month, year),
  ``_year``, ``_month`` (null when unknown) and ``_iso`` (the text as written) beside it;
- a money amount a DECIMAL(18, 2); ``fetched_at`` a TIMESTAMP WITH TIME ZONE (UTC);
- integers BIGINT (a size can pass 2^31), text VARCHAR (ISBN, DOI and document
  numbers stay text: a leading 0 or a final X is data);
- a nested model a STRUCT, a list a LIST.

A field whose annotation has no rule here raises ``TypeError``: a field added to
the models cannot be left out of the export without a word.
"""

from __future__ import annotations

import enum
import types
import typing
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from harvest.models import Money, PartialDate

Kind = Literal[
    "text", "integer", "boolean", "timestamp", "partial_date", "decimal", "struct", "list"
]
Column = tuple[str, str]  # (name, SQL expression)

# Text fields holding a decimal amount (the models keep them as strings, as JSON must).
DECIMALS = frozenset({(Money, "amount")})
DECIMAL = "DECIMAL(18, 2)"
_SCALARS: dict[object, Kind] = {str: "text", int: "integer", bool: "boolean", datetime: "timestamp"}
_JSON_TYPES: dict[Kind, str] = {
    "text": "VARCHAR",
    "partial_date": "VARCHAR",
    "decimal": "VARCHAR",
    "integer": "BIGINT",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMPTZ",
}
ISO_UTC = "%Y-%m-%dT%H:%M:%S.%fZ"


class Mode(enum.Enum):
    """How values are written: each format wants its own."""

    TYPED = "typed"  # Parquet, DuckDB: DATE, DECIMAL, TIMESTAMPTZ, lists of structs
    TEXT = "text"  # JSONL: amounts as the decimal strings harvest writes, times ISO 8601 Z
    CSV = "csv"  # as TEXT, and a list or struct as JSON text in one cell


@dataclass(frozen=True)
class Field:
    """A model field as the export sees it: a kind, with members or an item when nested."""

    name: str
    kind: Kind
    members: tuple[Field, ...] = ()
    item: Field | None = None


def fields_of(model: type[BaseModel]) -> tuple[Field, ...]:
    """The fields of a record model, in model order, nested models walked too."""
    hints = typing.get_type_hints(model, include_extras=True)
    return tuple(_field(model, name, hints[name]) for name in model.model_fields)


def _field(model: type[BaseModel], name: str, annotation: object) -> Field:
    annotation = _bare(annotation)
    if annotation == PartialDate:
        return Field(name, "partial_date")
    if (model, name) in DECIMALS:
        return Field(name, "decimal")
    if get_origin(annotation) is list:
        item = _field(model, name, get_args(annotation)[0])
        if item.kind == "partial_date":  # five columns each: no list item holds that
            raise TypeError(f"no export column for {model.__name__}.{name}: a list of dates")
        return Field(name, "list", item=item)
    if get_origin(annotation) is Literal and all(isinstance(a, str) for a in get_args(annotation)):
        return Field(name, "text")
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return Field(name, "struct", members=fields_of(annotation))
    if annotation in _SCALARS:
        return Field(name, _SCALARS[annotation])
    raise TypeError(f"no export column for {model.__name__}.{name}: {annotation!r}")


def _bare(annotation: object) -> object:
    """``X | None`` -> ``X`` (every column may hold a null); ``Annotated[X, ...]`` -> ``X``,
    except the one that says a partial date."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(args) == 1:
            return _bare(args[0])
    if get_origin(annotation) is Annotated and annotation != PartialDate:
        return _bare(get_args(annotation)[0])
    return annotation


def quote(name: str) -> str:
    """An SQL identifier, quoted (``at``, ``format`` and ``date`` are keywords)."""
    return '"' + name.replace('"', '""') + '"'


def json_type(field: Field) -> str:
    """The DuckDB type of the field as the JSONL holds it (dates and amounts as text)."""
    if field.kind == "list":
        assert field.item is not None
        return f"{json_type(field.item)}[]"
    if field.kind == "struct":
        members = ", ".join(f"{quote(m.name)} {json_type(m)}" for m in field.members)
        return f"STRUCT({members})"
    return _JSON_TYPES[field.kind]


def select_list(field: Field, expr: str, mode: Mode, depth: int = 0) -> list[Column]:
    """The export columns of ``field`` (name, SQL), its JSON value being the SQL ``expr``.

    One column, but five for a partial date; ``mode`` says how values are written.
    """
    if field.kind == "partial_date":
        return date_columns(field.name, expr)
    if field.kind in ("struct", "list"):
        nested = _nested(field, expr, Mode.TEXT if mode is Mode.CSV else mode, depth)
        return [(field.name, f"to_json({nested})" if mode is Mode.CSV else nested)]
    return [(field.name, _scalar(field.kind, expr, mode))]


def _scalar(kind: Kind, expr: str, mode: Mode) -> str:
    if kind == "decimal" and mode is Mode.TYPED:
        return f"TRY_CAST({expr} AS {DECIMAL})"
    if kind == "timestamp" and mode is not Mode.TYPED:
        return f"strftime(timezone('UTC', {expr}), '{ISO_UTC}')"
    return expr


def _nested(field: Field, expr: str, mode: Mode, depth: int) -> str:
    if field.kind == "list":
        assert field.item is not None
        var = f"x{depth}"
        [(_, inner)] = select_list(field.item, var, mode, depth + 1)
        return expr if inner == var else f"list_transform({expr}, lambda {var}: {inner})"
    members = [
        column
        for member in field.members
        for column in select_list(member, f"{expr}.{quote(member.name)}", mode, depth)
    ]
    packed = ", ".join(f"{quote(name)} := {sql}" for name, sql in members)
    return f"CASE WHEN {expr} IS NULL THEN NULL ELSE struct_pack({packed}) END"


def date_columns(name: str, expr: str) -> list[Column]:
    """A partial ISO date as a DATE (the first day of its period) and what it knows."""
    padded = (
        f"CASE length({expr}) WHEN 4 THEN {expr} || '-01-01' "
        f"WHEN 7 THEN {expr} || '-01' ELSE {expr} END"
    )
    return [
        (name, f"TRY_CAST({padded} AS DATE)"),
        (
            f"{name}_precision",
            f"CASE length({expr}) WHEN 10 THEN 'day' WHEN 7 THEN 'month' WHEN 4 THEN 'year' END",
        ),
        (f"{name}_year", f"TRY_CAST(left({expr}, 4) AS INTEGER)"),
        (
            f"{name}_month",
            f"CASE WHEN length({expr}) >= 7 THEN TRY_CAST(substr({expr}, 6, 2) AS INTEGER) END",
        ),
        (f"{name}_iso", expr),
    ]


def flat_columns(field: Field, expr: str, mode: Mode, prefix: str = "") -> list[Column]:
    """The columns of one struct, nested structs flattened (``image`` -> ``image_url`` ...)."""
    columns: list[Column] = []
    for member in field.members:
        inner = f"{expr}.{quote(member.name)}"
        if member.kind == "struct":
            columns += flat_columns(member, inner, mode, f"{prefix}{member.name}_")
        else:
            columns += [(prefix + name, sql) for name, sql in select_list(member, inner, mode)]
    return columns
