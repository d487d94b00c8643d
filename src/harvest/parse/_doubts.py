"""What a parse is unsure of: values it passed over, and values it doubts.

A page's record says what harvest read; these say where it may be wrong:

- ``Unmapped``: something the page shows that no field took: a "label: value" pair
  (document details, header facts, table rows) or a section heading of the main
  content. A label that many pages show and nothing takes is how a new layout
  variant announces itself.
- ``Suspect``: a value a field did take that breaks its plausibility rule
  (``harvest.normalize._plausible``). It is kept as read, never changed; the run
  counts it and warns.

Both are named tuples of strings: they cross the parse pool's process boundary.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

UnmappedKind = Literal["detail", "fact", "table", "heading"]


class Unmapped(NamedTuple):
    """A label the page shows that no field took, with an example of its value."""

    kind: UnmappedKind  # where the page shows it
    label: str  # as the page words it, whitespace cleaned
    example: str | None = None  # its value on this page, cut short; None for a heading


class Suspect(NamedTuple):
    """A field's value that breaks a plausibility rule: kept, and reported."""

    field: str  # the record field, dotted for a nested one: "print_offers.price"
    rule: str  # the rule's name, as ``docs/records.md`` lists it
    value: str  # the value as the record holds it, cut short
