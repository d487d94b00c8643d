"""The counting of a run: how each page ended, what its records filled, for the manifest."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from harvest.errors import FAILED_PAGES, PageOutcome
from harvest.manifest import KindCoverage
from harvest.parse._jobs import CONTENT_FIELDS, ParseResult
from harvest.run._doubts import DoubtTally


@dataclass
class RunStats:
    """What a run did with its pages, for the manifest.

    Each page ends in one ``PageOutcome`` (``outcomes``). ``fetched`` counts pages
    answered; ``duplicates`` (a URL reached again through a redirect) are not pages;
    ``empty_pages`` answered 200 and gave no record. ``failures`` and ``skipped``
    count the failed and skipped pages by their error record's outcome.
    """

    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    outcomes: Counter[PageOutcome] = field(default_factory=Counter)
    fetched: int = 0
    duplicates: int = 0
    empty_pages: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    filled: dict[str, Counter[str]] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    parse_s: float = 0.0
    doubts: DoubtTally = field(default_factory=DoubtTally)

    @property
    def pages(self) -> int:
        return sum(self.outcomes[outcome] for outcome in PageOutcome)

    @property
    def failed(self) -> int:
        return sum(self.outcomes[outcome] for outcome in FAILED_PAGES)

    @property
    def error_rate(self) -> float:
        return self.failed / self.pages if self.pages else 0.0

    def saw_record(self, page_kind: str, filled: tuple[str, ...]) -> None:
        self.kinds[page_kind] += 1
        self.filled.setdefault(page_kind, Counter()).update(filled)

    def parsed(self, url: str, result: ParseResult) -> None:
        """A page parsed into a record: its kind, the fields it filled, its doubts."""
        self.saw_record(result.page_kind or "", result.filled)
        self.doubts.saw(url, result.unmapped, result.suspects)

    def page_counts(self, *outcomes: PageOutcome) -> dict[str, int]:
        """Pages by outcome, for the manifest's counts: ``outcomes`` (default: all)."""
        return {outcome.value: self.outcomes[outcome] for outcome in outcomes or PageOutcome}

    def coverage(self) -> dict[str, KindCoverage]:
        """Per page kind: records seen (emitted or unchanged) and each field's share filled."""
        return {
            kind: KindCoverage(
                records=count,
                fields={
                    name: round(self.filled[kind][name] / count, 4) for name in CONTENT_FIELDS[kind]
                },
            )
            for kind, count in sorted(self.kinds.items())
        }
