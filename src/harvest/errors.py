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
"""

from __future__ import annotations


class HarvestError(Exception):
    """Base of every error harvest raises on purpose."""


class ConfigError(HarvestError):
    """Settings, arguments or paths given by the user are unusable."""


class FetchError(HarvestError):
    """A page could not be retrieved, or harvest chose not to retrieve it.

    ``status`` is the HTTP status when a response arrived, else ``None``;
    ``outcome`` names what happened in one word (``http_error``, ``timeout``,
    ``robots_disallowed`` ...: see ``harvest.fetch.OUTCOMES``); ``attempts``
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
