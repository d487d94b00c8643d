"""Where a failed request becomes a ``FetchError`` with an outcome word, and only here.

httpx, the address guard and the retry loop raise their own exceptions; the
fetcher converts each once, when it gives up on a request, chaining the
original (``raise to_fetch_error(...) from exc``)::

    RetryableStatusError      a 408, 425, 429 or 5xx answer (retried first)
      -> "retry_after_too_long"   its Retry-After passed the cap
      -> "http_error"             otherwise
    DeadlineError             no complete answer within the deadline
    httpx.TimeoutException    connect, read, write or pool timeout
      -> "timeout"
    BlockedAddressError       the host resolves to an address the guard refuses
      -> "blocked_address"
    anything else             httpx.TransportError (reset, refused, cut short) ...
      -> "network"

Outcomes that are harvest's own decisions (robots.txt, redirects, the body's
size and encoding, the content type) are raised as ``FetchError`` where they are
decided; see ``harvest.fetch.OUTCOMES`` for them all.
"""

from __future__ import annotations

import httpx

from harvest.errors import FetchError
from harvest.fetch._guard import BlockedAddressError


class RetryableStatusError(Exception):
    """An answer worth asking again for (408, 425, 429, 5xx), with its Retry-After."""

    def __init__(self, status: int, retry_after_s: float | None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after_s = retry_after_s


class DeadlineError(Exception):
    """No complete answer within the deadline of one attempt."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no complete answer within the {seconds:g} s deadline")


def to_fetch_error(
    url: str, exc: BaseException, attempts: int, retry_after_cap_s: float
) -> FetchError:
    """The ``FetchError`` that a request ending in ``exc`` after ``attempts`` is."""
    status, outcome, reason = _classify(exc, retry_after_cap_s)
    return FetchError(
        f"{reason} after {attempts} attempt(s)",
        url=url,
        status=status,
        outcome=outcome,
        attempts=attempts,
    )


def _classify(exc: BaseException, retry_after_cap_s: float) -> tuple[int | None, str, str]:
    """(status, outcome, reason) of a request that ended in ``exc``."""
    if isinstance(exc, RetryableStatusError):
        return exc.status, *_status_outcome(exc, retry_after_cap_s)
    if isinstance(exc, DeadlineError):
        return None, "timeout", str(exc)
    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        return None, "timeout", f"timed out ({reason})"
    if isinstance(exc, BlockedAddressError):
        return None, "blocked_address", str(exc)
    return None, "network", reason


def _status_outcome(exc: RetryableStatusError, cap_s: float) -> tuple[str, str]:
    """(outcome, reason) of a retryable status that the retries did not get past."""
    if exc.retry_after_s is None or exc.retry_after_s <= cap_s:
        return "http_error", str(exc)
    reason = f"{exc} with Retry-After {exc.retry_after_s:g} s, longer than the {cap_s:g} s cap"
    return "retry_after_too_long", reason
