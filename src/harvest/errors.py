"""harvest's error tree.

Third-party exceptions are converted once, where they cross into harvest, and
chained (``raise ... from exc``) so the original stays visible in debug logs::

    HarvestError
    ├── ConfigError        bad settings, arguments or paths given by the user
    ├── FetchError         a page could not be retrieved
    ├── ParseError         a page could not be turned into a valid record
    ├── WriteError         output could not be written
    └── LockHeldError      another run holds the state file's lock

Every error carries a one-line, human-readable message: the CLI prints it as is.

What happened, in one word, is a ``StrEnum`` member whose value is the word written
to manifests, error records and the state::

    RunOutcome      how a run ended (``complete``, ``interrupted`` ...)
    PageOutcome     how a page of a run ended, as the manifest counts it
    FetchOutcome    what the fetcher answered (``harvest.fetch.OUTCOMES`` explains each)
    ParseOutcome    why a fetched page gave no record
"""

from __future__ import annotations

from enum import StrEnum


class RunOutcome(StrEnum):
    """How a run ended: the manifest's ``outcome`` and the state's run row."""

    RUNNING = "running"  # in the state only: it started and has not ended (or died)
    COMPLETE = "complete"  # it asked for all it meant to; ``latest`` points at it
    INTERRUPTED = "interrupted"  # asked to stop (a signal, ``stop``): what it did is published
    FAILED = "failed"  # every page it asked for failed, or the run itself failed
    KILLED = "killed"  # it died; the next run published what it had checkpointed


class PageOutcome(StrEnum):
    """How a page of a run ended, counted in the manifest: one of these per page.

    The first three are the page's change (it gave a record, see ``CHANGES``).
    """

    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REMOVED = "removed"  # it answered 404 or 410 after giving records before
    SKIPPED = "skipped"  # harvest chose not to fetch or parse it (``SKIPPED_FETCHES``)
    FETCH_FAILED = "fetch_failed"
    PARSE_FAILED = "parse_failed"


CHANGES = (PageOutcome.NEW, PageOutcome.UPDATED, PageOutcome.UNCHANGED)
FAILED_PAGES = (PageOutcome.FETCH_FAILED, PageOutcome.PARSE_FAILED)


class FetchOutcome(StrEnum):
    """What a fetch ended in: the words of ``harvest.fetch.OUTCOMES``."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"
    HTTP_ERROR = "http_error"
    TIMEOUT = "timeout"
    NETWORK = "network"
    TOO_LARGE = "too_large"
    BAD_ENCODING = "bad_encoding"
    BLOCKED_ADDRESS = "blocked_address"
    REDIRECT_LOOP = "redirect_loop"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    RETRY_AFTER_TOO_LONG = "retry_after_too_long"
    ROBOTS_UNREACHABLE = "robots_unreachable"
    ROBOTS_DISALLOWED = "robots_disallowed"
    REDIRECT_OFFSITE = "redirect_offsite"
    DUPLICATE = "duplicate"
    NOT_HTML = "not_html"


# Harvest's own choice (robots.txt, scope, content type), not a failure of the run.
SKIPPED_FETCHES = frozenset(
    {FetchOutcome.ROBOTS_DISALLOWED, FetchOutcome.REDIRECT_OFFSITE, FetchOutcome.NOT_HTML}
)


class ParseOutcome(StrEnum):
    """Why a fetched page gave no record."""

    PARSE_ERROR = "parse_error"  # the page is not what its parser expects
    PARSER_BUG = "parser_bug"  # the parser raised: a bug to fix
    PARSE_TIMEOUT = "parse_timeout"  # past the depth or the time limit
    INTERNAL_ERROR = "internal_error"  # harvest failed around the page (a bug, not the page)


class HarvestError(Exception):
    """Base of every error harvest raises on purpose."""


class ConfigError(HarvestError):
    """Settings, arguments or paths given by the user are unusable."""


class FetchError(HarvestError):
    """A page could not be retrieved, or harvest chose not to retrieve it.

    ``status`` is the HTTP status when a response arrived, else ``None``;
    ``outcome`` names what happened in one word (a ``FetchOutcome``: ``http_error``,
    ``timeout``, ``robots_disallowed`` ...); ``attempts``
    counts the requests made.
    """

    def __init__(
        self,
        message: str,
        *,
        url: str,
        status: int | None = None,
        outcome: str = "http_error",
        attempts: int = 1,
    ) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.outcome = outcome
        self.attempts = attempts


class ParseError(HarvestError):
    """A page could not be parsed into a valid record."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class ParseTimeoutError(ParseError):
    """A page that would take, or took, too long to parse: nested past the depth
    limit, or past the time limit in a worker process."""


class WriteError(HarvestError):
    """Output could not be written."""


class LockHeldError(HarvestError):
    """Another run holds the lock of the state file (exit 75: try again later)."""
