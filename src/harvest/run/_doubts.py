"""The tally of a run's doubts: suspect values and unmapped labels, for the manifest.

Each parsed page reports what it passed over (``Unmapped``) and which of its values
broke a plausibility rule (``Suspect``). A run counts them across pages, keeps a
few examples of each, and warns about every suspect value, naming the page and the
rule: a warning in the log of the run's own process, whichever process parsed it.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from harvest.manifest import Doubts, SuspectValue, UnmappedLabel
from harvest.parse._doubts import Suspect, Unmapped

log = logging.getLogger("harvest")

EXAMPLE_URLS = 3  # pages kept per unmapped label
SUSPECTS_KEPT = 50  # suspect values kept, with their pages
UNMAPPED_KEPT = 200  # labels kept, most pages first


@dataclass
class _Label:
    pages: int = 0
    example: str | None = None
    urls: list[str] = field(default_factory=list)


@dataclass
class DoubtTally:
    """Suspect values and unmapped labels of the pages a run parsed."""

    records: int = 0
    suspect_records: int = 0
    suspect: Counter[str] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)
    suspects: list[SuspectValue] = field(default_factory=list)
    labels: dict[tuple[str, str], _Label] = field(default_factory=dict)

    def saw(self, url: str, unmapped: tuple[Unmapped, ...], suspects: tuple[Suspect, ...]) -> None:
        """A parsed page's doubts; each suspect value is warned about."""
        self.records += 1
        for item in unmapped:
            label = self.labels.setdefault((item.kind, item.label), _Label(example=item.example))
            label.pages += 1
            if len(label.urls) < EXAMPLE_URLS:
                label.urls.append(url)
        if not suspects:
            return
        self.suspect_records += 1
        self.suspect.update({suspect.field for suspect in suspects})
        for suspect in suspects:
            self.rules[f"{suspect.field}: {suspect.rule}"] += 1
            log.warning(
                "suspect value on %s: %s = %r breaks rule %s",
                url,
                suspect.field,
                suspect.value,
                suspect.rule,
            )
            if len(self.suspects) < SUSPECTS_KEPT:
                self.suspects.append(SuspectValue(url=url, **suspect._asdict()))

    def section(self) -> Doubts:
        """The manifest's ``doubts``."""
        labels = sorted(self.labels.items(), key=lambda item: (-item[1].pages, item[0]))
        return Doubts(
            records=self.records,
            suspect_records=self.suspect_records,
            suspect=dict(sorted(self.suspect.items())),
            rules=dict(sorted(self.rules.items())),
            suspects=self.suspects,
            unmapped=[
                UnmappedLabel(
                    kind=kind, label=name, pages=seen.pages, example=seen.example, urls=seen.urls
                )
                for (kind, name), seen in labels[:UNMAPPED_KEPT]
            ],
        )
