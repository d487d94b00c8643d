"""The retry policy: which failures are asked again, how long to wait, when to stop.

A request is tried up to ``attempts`` times, within ``retry_budget_s`` counted
from the start of the first attempt. Between attempts harvest waits what the
server's Retry-After asks (not less), else a random exponential backoff. A
Retry-After longer than the cap ends the retries at once. What is retried:
408, 425, 429 and 5xx answers, a passed deadline, and httpx's transport errors
other than an unsupported protocol.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_any,
    stop_before_delay,
    wait_random_exponential,
)
from tenacity.stop import stop_base

from harvest.errors import FetchError, WriteError
from harvest.fetch._config import FetchConfig
from harvest.fetch._errors import DeadlineError, RetryableStatusError, to_fetch_error
from harvest.fetch._stats import FetchStats

log = logging.getLogger("harvest.fetch")

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})

T = TypeVar("T")


def retry_after_s(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks to wait (delta-seconds or HTTP date), or None.

    >>> retry_after_s("2"), retry_after_s("soon")
    (2.0, None)
    >>> retry_after_s("Wed, 21 Oct 2026 07:28:05 GMT", datetime(2026, 10, 21, 7, 28, tzinfo=UTC))
    5.0
    """
    text = (value or "").strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def is_transient(exc: BaseException | None) -> bool:
    """Whether asking again may get past ``exc``."""
    if isinstance(exc, httpx.UnsupportedProtocol):
        return False
    return isinstance(exc, RetryableStatusError | DeadlineError | httpx.TransportError)


class Retrying:
    """Runs one request's attempts under the policy; counts the retries in ``stats``."""

    def __init__(self, config: FetchConfig, stats: FetchStats) -> None:
        self.config = config
        self.stats = stats

    async def run(self, url: str, attempt: Callable[[], Awaitable[T]]) -> tuple[T, int]:
        """``attempt()`` with its retries: (its result, attempts made); else FetchError.

        The first attempt runs on its own: most requests succeed at once, and a
        tenacity loop costs the crawl's event loop ~0.1 ms of CPU a request
        (bench/crawl/README.md). A failure that can be retried is handed to the
        loop as its first attempt, so backoff, Retry-After, the stops and the log
        treat it as they treat any attempt; the retry budget counts from the start
        of the first attempt. ``WriteError`` (the response hook's) passes through:
        it is the run's failure, not the page's.
        """
        started = time.monotonic()
        try:
            return await attempt(), 1
        except FetchError as exc:
            exc.attempts = 1
            raise
        except WriteError:
            raise
        except Exception as exc:
            if not is_transient(exc) or self.config.attempts <= 1:
                raise self._given_up(url, exc, 1) from exc
            first = exc
        return await self._retry(url, attempt, first, started)

    async def _retry(
        self,
        url: str,
        attempt: Callable[[], Awaitable[T]],
        first: BaseException | None,
        started: float,
    ) -> tuple[T, int]:
        """The tenacity loop, ``first`` (the first attempt's failure) replayed as its first."""
        attempts = 0
        try:
            async for state in self._loop(started):
                with state:
                    attempts += 1
                    if first is not None:
                        failure, first = first, None
                        raise failure
                    result = await attempt()
        except FetchError as exc:
            exc.attempts = attempts
            raise
        except WriteError:
            raise
        except Exception as exc:
            raise self._given_up(url, exc, attempts) from exc
        return result, attempts

    def _loop(self, started: float) -> AsyncRetrying:
        config = self.config
        return AsyncRetrying(
            retry=retry_if_exception(is_transient),
            stop=stop_any(
                stop_after_attempt(config.attempts),
                stop_before_delay(config.retry_budget_s - (time.monotonic() - started)),
                _StopOnLongRetryAfter(config.retry_after_cap_s),
            ),
            wait=self._wait,
            before_sleep=self._before_retry,
            reraise=True,
        )

    def _given_up(self, url: str, exc: BaseException, attempts: int) -> FetchError:
        return to_fetch_error(url, exc, attempts, self.config.retry_after_cap_s)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RetryableStatusError) and exc.retry_after_s is not None:
            return exc.retry_after_s  # what the server asked: not less
        backoff = wait_random_exponential(
            multiplier=self.config.backoff_s, max=self.config.backoff_max_s
        )
        return float(backoff(state))

    def _before_retry(self, state: RetryCallState) -> None:
        self.stats.retries += 1
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.info("retrying in %.2f s after %s", wait, exc)


class _StopOnLongRetryAfter(stop_base):
    """Give up at once when the server asks to wait longer than the cap."""

    def __init__(self, cap_s: float) -> None:
        self.cap_s = cap_s

    def __call__(self, retry_state: RetryCallState) -> bool:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        return (
            isinstance(exc, RetryableStatusError)
            and exc.retry_after_s is not None
            and exc.retry_after_s > self.cap_s
        )
