"""The fetcher: one shared ``httpx.AsyncClient``, bounded, retried, converted errors.

httpx and tenacity exceptions are converted here, once, into ``FetchError``.
Tests and offline runs swap the *transport* (``ReplayTransport``,
``httpx.MockTransport``), never the client.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import TracebackType

import httpx
from tenacity import (
    AsyncRetrying,
    RetryError,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)

from harvest._version import __version__
from harvest.errors import FetchError

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
DEFAULT_USER_AGENT = f"harvest/{__version__} (+https://github.com/harvest-scraper/harvest)"


@dataclass(frozen=True)
class FetchConfig:
    """How the fetcher behaves; small value object built from Settings."""

    concurrency: int = 8
    timeout_s: float = 30.0
    attempts: int = 3
    retry_budget_s: float = 60.0
    backoff_s: float = 0.5
    max_body_bytes: int = 8 * 1024 * 1024
    max_redirects: int = 5
    user_agent: str = DEFAULT_USER_AGENT


@dataclass(frozen=True)
class FetchedPage:
    """A response as harvest keeps it."""

    url: str
    final_url: str
    status: int
    content_type: str | None
    body: bytes
    fetched_at: datetime
    elapsed_s: float
    attempts: int = 1
    headers: dict[str, str] = field(default_factory=dict)


class _RetryableStatusError(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


class Fetcher:
    """Fetch pages concurrently (at most ``config.concurrency`` at once)."""

    def __init__(
        self, config: FetchConfig, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.config = config
        self._slots = asyncio.Semaphore(config.concurrency)
        self._client = httpx.AsyncClient(
            transport=transport,
            headers={"user-agent": config.user_agent, "accept": "text/html,*/*;q=0.8"},
            timeout=httpx.Timeout(config.timeout_s),
            follow_redirects=True,
            max_redirects=config.max_redirects,
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._client.aclose()

    async def fetch(self, url: str) -> FetchedPage:
        """GET ``url``; a FetchError (with status when one came) if it cannot be had."""
        attempts = 0
        started = time.perf_counter()
        retrying = AsyncRetrying(
            retry=retry_if_exception(_is_transient),
            stop=stop_after_attempt(self.config.attempts)
            | stop_after_delay(self.config.retry_budget_s),
            wait=wait_random_exponential(multiplier=self.config.backoff_s, max=30),
            reraise=False,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    attempts += 1
                    async with self._slots:
                        page = await self._get(url)
            return replace(page, attempts=attempts, elapsed_s=time.perf_counter() - started)
        except RetryError as exc:
            raise _fetch_error(url, exc.last_attempt.exception(), attempts) from exc
        except (httpx.HTTPError, _RetryableStatusError) as exc:
            raise _fetch_error(url, exc, attempts) from exc

    async def _get(self, url: str) -> FetchedPage:
        async with self._client.stream("GET", url) as response:
            if response.status_code in RETRY_STATUSES:
                raise _RetryableStatusError(response.status_code)
            if response.status_code >= 400:
                raise FetchError(
                    f"HTTP {response.status_code}", url=url, status=response.status_code
                )
            body = await self._read_bounded(response, url)
        return FetchedPage(
            url=url,
            final_url=str(response.url),
            status=response.status_code,
            content_type=response.headers.get("content-type"),
            body=body,
            fetched_at=datetime.now(UTC),
            elapsed_s=0.0,
            headers=dict(response.headers),
        )

    async def _read_bounded(self, response: httpx.Response, url: str) -> bytes:
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self.config.max_body_bytes:
                raise FetchError(
                    f"body larger than {self.config.max_body_bytes} bytes",
                    url=url,
                    status=response.status_code,
                )
            chunks.append(chunk)
        return b"".join(chunks)


def _is_transient(exc: BaseException | None) -> bool:
    return isinstance(exc, _RetryableStatusError | httpx.TransportError)


def _fetch_error(url: str, exc: BaseException | None, attempts: int) -> FetchError:
    if isinstance(exc, FetchError):
        return exc
    status = exc.status if isinstance(exc, _RetryableStatusError) else None
    reason = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.TooManyRedirects):
        reason = "too many redirects"
    elif isinstance(exc, httpx.TimeoutException):
        reason = f"timed out ({type(exc).__name__})"
    elif isinstance(exc, httpx.TransportError):
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return FetchError(f"{reason} after {attempts} attempt(s)", url=url, status=status)
