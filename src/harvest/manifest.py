"""The manifest of a run folder (``manifest.json``): what a run did, typed.

One model serves every kind of run: a crawl, a reparse of archives, and a run
that died and was published by the next one (``recovered_by``). Each kind sets
the fields it has, ``None`` included, and leaves the others unset: unset fields
are not written, so a reparse's manifest has no ``seeds`` and a crawl's no
``command``. The keys are written in the order declared here, the order readers
and docs have always seen.

Manifests are read back as plain JSON (``harvest.write._run.read_manifest``): old
runs' manifests may lack keys, and readers take what they find.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from harvest.errors import RunOutcome

Number = int | float  # a setting as given (1 stays 1, 0.05 stays 0.05)


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Counts(_Section):
    """Pages by outcome (``harvest.errors.PageOutcome``), records by kind, and the like."""

    responses: int = 0  # reparse: archived responses read
    pages: int = 0  # every page that ended in a page outcome
    changes: dict[str, int] = {}  # recovered: pages by change
    outcomes: dict[str, int] = {}  # recovered: pages by their outcome in the state
    fetched: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: int = 0
    fetch_failed: int = 0
    parse_failed: int = 0
    duplicates: int = 0  # a URL reached again through a redirect: not a page
    empty_pages: int = 0  # answered 200 and gave no record (the drift alarm counts them)
    responses_skipped: dict[str, int] = {}  # reparse: responses a crawl would not parse
    unfinished: int = 0
    records: dict[str, int] = {}  # lines written, by record kind
    out_of_scope_links: int = 0
    over_limit_links: int = 0


class KindCoverage(_Section):
    """Records seen of one page kind, and each field's share of them filled."""

    records: int
    fields: dict[str, float]


class ArchiveProblemEntry(_Section):
    """Part of an archive that could not be read (reparse)."""

    path: str
    offset: int
    message: str


class Timings(_Section):
    fetch: float
    parse: float


class Politeness(_Section):
    user_agent: str
    concurrency: int
    per_host_concurrency: int
    delay_s: Number
    parse_workers: int
    allowed_hosts: list[str]
    obey_robots: bool


class ArchiveFiles(_Section):
    """The WARC files a crawl kept (``--archive``)."""

    dir: str
    files: list[str]


class UnmappedLabel(_Section):
    """A label pages showed and no field took (``harvest.parse._doubts.Unmapped``)."""

    kind: str  # detail, fact, table or heading
    label: str
    pages: int  # pages of this run that showed it
    example: str | None = None  # its value on the first of them
    urls: list[str] = []  # the first few of them


class SuspectValue(_Section):
    """A value that broke a plausibility rule (``harvest.parse._doubts.Suspect``): kept."""

    url: str
    field: str
    rule: str
    value: str


class Doubts(_Section):
    """Where the parsed records may be wrong: suspect values and unmapped labels.

    Counted over the pages parsed this run (a page answered 304, or with the body
    already seen, is not parsed again and adds nothing).
    """

    records: int = 0  # records checked
    suspect_records: int = 0  # of them, with at least one suspect value
    suspect: dict[str, int] = {}  # records with a suspect value, by field
    rules: dict[str, int] = {}  # suspect values by "field: rule"
    suspects: list[SuspectValue] = []  # the first few (``harvest.run._doubts``)
    unmapped: list[UnmappedLabel] = []  # by pages, most first


class Manifest(_Section):
    """A run folder's ``manifest.json``; ``to_json`` gives what is written."""

    run_id: str
    harvest_version: str
    schema_version: str
    command: Literal["reparse"] | None = None  # unset: a crawl
    outcome: RunOutcome
    interrupted_by: str | None = None
    recovered_by: str | None = None  # the run that published this dead run
    config_digest: str | None = None
    started_at: str
    finished_at: str | None = None
    recovered_at: str | None = None
    duration_s: float = 0.0
    seeds: list[str] = []
    source: str | list[str] = "live"  # a crawl: "live" or the recorded site; reparse: archives
    workers: int = 0
    state: str = ""
    config: dict[str, Any] = {}  # where each setting came from
    full: bool = False
    resumed_pages: int = 0
    plan: dict[str, Any] = {}  # what discovery and the revisits did
    recovered_runs: list[dict[str, Any]] = []
    counts: Counts
    failures: dict[str, int] = {}
    skipped: dict[str, int] = {}
    removed_urls: list[str] = []
    error_rate: float = 0.0
    max_error_rate: Number = 0.0
    coverage: dict[str, KindCoverage] = {}
    archive_problems: list[ArchiveProblemEntry] = []
    fetch: dict[str, Any] = {}  # the fetcher's counts (``harvest.fetch.FetchStats``)
    timings_s: Timings | None = None
    pages_per_s: float | None = None
    politeness: Politeness | None = None
    unfinished_urls: list[str] = []
    files: dict[str, str] = {}
    note: str | None = None
    archive: ArchiveFiles | None = None
    doubts: Doubts | None = None  # a crawl or reparse: what it parsed with doubts
    drift: dict[str, Any] = {}  # ``harvest.contract._drift.compare``

    def to_json(self) -> dict[str, Any]:
        """The manifest as written: the fields its run set, in declared order."""
        return self.model_dump(mode="json", exclude_unset=True)

    def with_fields(self, **fields: Any) -> Manifest:
        """A copy with more fields set (validated, and written)."""
        return self.model_validate(self.to_json() | fields)
