"""How a run asks (discovery's stop rule, the revisit budget) and what it did, counted."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime

from harvest.run._schedule import RevisitPolicy


@dataclass(frozen=True)
class Plan:
    """How a run asks: discovery's stop rule, the revisit budget and schedule, the clock."""

    stop_after_known: int = 1
    revisit_budget: int = 1500
    policy: RevisitPolicy = field(default_factory=RevisitPolicy)
    full: bool = False
    clock: datetime | None = None


@dataclass
class WalkCount:
    """One listing walk in a run: pages walked, entries new to the state, why it ended."""

    pages: int = 0
    new: int = 0
    ended: str | None = None
    disorder: str | None = None  # why it is walked whole: dates out of order
    unchecked: int = 0  # pages answered as before (304): their order was not read again


@dataclass
class PlanStats:
    """What discovery and the revisits did in a run, for the manifest."""

    walks: dict[str, WalkCount] = field(default_factory=dict)
    new_entries: int = 0
    revisits_due: int = 0
    revisits_asked: int = 0
    visits: Counter[str] = field(default_factory=Counter)

    def count_walk(self, walk: str, new: int, reason: str) -> WalkCount:
        """One more page of ``walk``, with ``new`` entries; ``reason``: why it ends there."""
        count = self.walks.setdefault(walk, WalkCount())
        count.pages += 1
        count.new += new
        count.ended = reason
        if reason.startswith("not newest first"):
            count.disorder = reason
        return count

    def summary(self, plan: Plan, unvisited: int) -> dict[str, object]:
        """``sweep``: the pass saw every page the state knows (a first crawl, ``--full``)."""
        return {
            "sweep": unvisited == 0,
            "unvisited_known_pages": unvisited,
            "stop_after_known": plan.stop_after_known,
            "walks": {root: asdict(count) for root, count in self.walks.items()},
            "new_entries": self.new_entries,
            "revisits": {
                "budget": None if plan.full else plan.revisit_budget,
                "due": self.revisits_due,
                "asked": self.revisits_asked,
            },
            "visits": dict(sorted(self.visits.items())),
        }
