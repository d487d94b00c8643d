"""The fetcher: one shared ``httpx.AsyncClient``, polite, retried, bounded, and counted.

A fetch is, in this module's order: the robots.txt check (``_robots_gate``) ->
the request, retried (``_retrying``), each attempt in its host's slot and turn
(``_politeness``), then a global slot -> a redirect hop, checked
(``_redirects``), then robots.txt and the request again ... -> the body, read
within the size bound (``_body``). Each exchange goes to the response hook. A
request given up on becomes a ``FetchError`` with an ``outcome`` word that the
manifest counts, in one place (``_errors``). Tests and offline runs swap the
*transport* (``ReplayTransport``, ``httpx.MockTransport``), never the client.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from types import TracebackType
from typing import Any

import httpx

from harvest.errors import FetchError
from harvest.fetch._body import read_body
from harvest.fetch._config import FetchConfig
from harvest.fetch._decode import ACCEPT_ENCODING
from harvest.fetch._errors import DeadlineError, RetryableStatusError
from harvest.fetch._exchange import Exchange, ResponseHook
from harvest.fetch._guard import AddressPolicy
from harvest.fetch._models import Answer, FetchedPage, is_html, parsed_url
from harvest.fetch._politeness import Gates, Turn
from harvest.fetch._redirects import REDIRECT_STATUSES, RedirectChain
from harvest.fetch._retrying import RETRY_STATUSES, Retrying, retry_after_s
from harvest.fetch._robots import MAX_ROBOTS_BYTES
from harvest.fetch._robots_gate import RobotsGate
from harvest.fetch._stats import FetchStats
from harvest.fetch._wire import Proxies, WireTransport

log = logging.getLogger("harvest.fetch")


class _CookieJar(httpx.Cookies):
    """httpx's cookie jar, which reads a response only when it sets a cookie.

    httpx hands every response to ``http.cookiejar`` through urllib request and
    response wrappers, ~0.09 ms of the event loop's CPU a page, to find nothing on
    almost every page. The jar reads ``Set-Cookie`` alone (``Set-Cookie2`` only
    under RFC 2965 rules, which ``DefaultCookiePolicy`` leaves off): a response
    without it adds nothing.
    """

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            super().extract_cookies(response)


class Fetcher:
    """Fetch pages concurrently, politely and within bounds; see the module docstring."""

    def __init__(
        self,
        config: FetchConfig,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        on_response: ResponseHook | None = None,
    ) -> None:
        self.config = config
        self.on_response = on_response
        self.stats = FetchStats()
        self._global = asyncio.Semaphore(config.concurrency)
        self._gates = Gates(config.per_host_concurrency, config.delay_s)
        self._robots = RobotsGate(config, self._gates, self.stats, self._robots_txt)
        self._retrying = Retrying(config, self.stats)
        if transport is None:
            transport = _wire_transport(config, on_replay=self._count_replay)
        self._client = _http_client(config, transport)

    def _count_replay(self) -> None:
        """A request sent again on a fresh connection after a stale one: a request too."""
        self.stats.requests += 1
        self.stats.replays += 1

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._client.aclose()

    def host_delays(self) -> dict[str, float]:
        """The delay between requests each host ended the run with."""
        return self._gates.delays()

    async def fetch(
        self,
        url: str,
        validators: dict[str, str] | None = None,
        *,
        claim: Callable[[str], bool] | None = None,
    ) -> FetchedPage:
        """GET an HTML page; FetchError (with ``outcome`` and ``attempts``) when not had.

        ``validators`` (If-None-Match, If-Modified-Since) make the request
        conditional: a page not modified comes back with status 304 and no body.
        ``claim(target)`` is asked before a redirect is followed; False (the crawl has
        that URL already) ends the fetch with outcome "duplicate", so no URL is
        fetched twice in a run.
        """
        started = time.perf_counter()
        try:
            page = await self._follow(
                url,
                expect_html=True,
                robots=self.config.obey_robots,
                headers=validators,
                claim=claim,
            )
        except FetchError as exc:
            self.stats.outcomes[exc.outcome] += 1
            self.stats.seconds += time.perf_counter() - started
            raise
        elapsed = time.perf_counter() - started
        self._count(page)
        self.stats.seconds += elapsed
        return replace(page, elapsed_s=elapsed)

    async def fetch_file(self, url: str, validators: dict[str, str] | None = None) -> FetchedPage:
        """GET a file that is not a page (a sitemap): robots.txt, bounds and retries as
        for a page, any content type; FetchError when not had."""
        started = time.perf_counter()
        try:
            page = await self._follow(
                url, expect_html=False, robots=self.config.obey_robots, headers=validators
            )
        except FetchError as exc:
            self.stats.outcomes[exc.outcome] += 1
            raise
        finally:
            self.stats.seconds += time.perf_counter() - started
        self._count(page)
        return page

    def _count(self, page: FetchedPage) -> None:
        self.stats.outcomes["not_modified" if page.status == 304 else "ok"] += 1
        self.stats.bytes += len(page.body)

    async def sitemaps_of(self, url: str) -> list[str]:
        """The ``Sitemap:`` lines of the robots.txt of ``url``'s host, as absolute URLs."""
        rules = await self._robots.rules_for(url)
        if rules.parser is None:
            return []
        return [str(httpx.URL(url).join(line)) for line in rules.parser.sitemaps]

    async def _follow(
        self,
        url: str,
        *,
        expect_html: bool,
        robots: bool,
        headers: dict[str, str] | None = None,
        claim: Callable[[str], bool] | None = None,
        keep: int | None = None,
    ) -> FetchedPage:
        chain, attempts = RedirectChain(url, self.config, claim), 0
        while True:
            current = chain.current
            try:
                if robots:
                    await self._robots.check(current)
                answer, tries = await self._request(
                    current,
                    expect_html=expect_html,
                    headers=headers if current == url else None,
                    keep=keep,
                )
            except FetchError as exc:
                exc.attempts += attempts
                raise
            attempts += tries
            if answer.location is None:
                return answer.page(url, current, attempts)
            chain.follow(answer.location, answer.status, attempts)

    async def _robots_txt(self, url: str) -> FetchedPage:
        """A robots.txt: its first bytes only, and not itself subject to robots.txt."""
        return await self._follow(url, expect_html=False, robots=False, keep=MAX_ROBOTS_BYTES)

    async def _request(
        self,
        url: str,
        *,
        expect_html: bool,
        headers: dict[str, str] | None = None,
        keep: int | None = None,
    ) -> tuple[Answer, int]:
        """One request with its retries: (answer, attempts made)."""
        attempt = partial(self._attempt, url, expect_html=expect_html, headers=headers, keep=keep)
        return await self._retrying.run(url, attempt)

    async def _attempt(
        self,
        url: str,
        *,
        expect_html: bool,
        headers: dict[str, str] | None,
        keep: int | None = None,
    ) -> Answer:
        gate = self._gates[parsed_url(url).host]
        async with gate.slot(), self._global:
            turn = await gate.wait_turn()
            self.stats.requests += 1
            try:
                async with asyncio.timeout(self.config.deadline_s):
                    return await self._exchange(
                        url, turn, expect_html=expect_html, headers=headers, keep=keep
                    )
            except TimeoutError as exc:
                raise DeadlineError(self.config.deadline_s) from exc
            finally:
                turn.started()  # no-op once the headers went out; else frees the turn

    async def _exchange(
        self,
        url: str,
        turn: Turn,
        *,
        expect_html: bool,
        headers: dict[str, str] | None,
        keep: int | None = None,
    ) -> Answer:
        """One GET and its answer, the body read within the bound when there is one to read."""

        async def trace(event: str, info: dict[str, Any]) -> None:
            if event.endswith("send_request_headers.started"):  # http11. or http2.
                turn.started()

        async with self._client.stream(
            "GET", parsed_url(url), headers=headers, extensions={"trace": trace}
        ) as response:
            self.stats.statuses[response.status_code] += 1
            answer = self._unread(response, url, expect_html=expect_html, conditional=bool(headers))
            if answer is not None:
                return answer
            body = await read_body(response, url, self.config.max_body_bytes, self.stats, keep)
        return Answer(response.status_code, response.headers, self._keep(response, body), body)

    def _unread(
        self, response: httpx.Response, url: str, *, expect_html: bool, conditional: bool
    ) -> Answer | None:
        """The answer when its body is not to be read (a redirect, a 304), else None;
        raises when the status or content type is not a page's. Each one is kept."""
        status = response.status_code
        if status in RETRY_STATUSES:
            self._keep(response)
            raise self._retryable(response)
        if status in REDIRECT_STATUSES and "location" in response.headers:
            at = self._keep(response)
            return Answer(status, response.headers, at, location=response.headers["location"])
        if status == 304 and conditional:  # not modified since the validators we sent
            return Answer(status, response.headers, self._keep(response))
        if not 200 <= status < 300:
            self._keep(response)
            raise FetchError(f"HTTP {status}", url=url, status=status, outcome="http_error")
        content_type = response.headers.get("content-type")
        if expect_html and not is_html(content_type):
            self._keep(response)
            message = f"not an HTML page: content type {content_type}"
            raise FetchError(message, url=url, status=status, outcome="not_html")
        return None

    def _retryable(self, response: httpx.Response) -> RetryableStatusError:
        """A status worth asking again for; a Retry-After within the cap holds off the
        whole host, not just this request."""
        wait = retry_after_s(response.headers.get("retry-after"))
        if wait is not None and wait <= self.config.retry_after_cap_s:
            self._gates[response.url.host].hold_off(wait)
        return RetryableStatusError(response.status_code, wait)

    def _keep(self, response: httpx.Response, body: bytes | None = None) -> datetime:
        """Hand an exchange to the response hook (``--archive``); the moment it ended,
        its fetch time. ``body`` None: harvest did not read it."""
        at = datetime.now(UTC)
        if self.on_response is None:
            return at
        empty = response.status_code == 304 or response.headers.get("content-length") == "0"
        self.on_response(
            Exchange(
                url=str(response.url),
                status=response.status_code,
                reason=response.reason_phrase or None,
                headers=response.headers.multi_items(),
                body=body,
                fetched_at=at,
                request_headers=response.request.headers.multi_items(),
                ip=_peer_address(response),
                truncated=None if body is not None or empty else "unspecified",
            )
        )
        return at


def _wire_transport(config: FetchConfig, on_replay: Callable[[], None]) -> WireTransport:
    """The transport to the network: guarded addresses, pooled connections, proxies."""
    return WireTransport(
        AddressPolicy.for_hosts(config.allowed_hosts, dict(config.resolve)),
        max_idle_per_origin=config.concurrency,
        http2=config.http2,
        proxies=_proxies(config.proxy),
        on_replay=on_replay,
    )


def _http_client(config: FetchConfig, transport: httpx.AsyncBaseTransport) -> httpx.AsyncClient:
    """The one client of a run: its headers and timeouts; redirects are harvest's."""
    client = httpx.AsyncClient(
        transport=transport,
        headers={
            "user-agent": config.user_agent,
            "accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
            "accept-encoding": ACCEPT_ENCODING,
        },
        timeout=httpx.Timeout(
            connect=config.connect_timeout_s,
            read=config.read_timeout_s,
            write=config.read_timeout_s,
            pool=None,  # the host's and the global slots already bound what waits
        ),
        follow_redirects=False,  # followed by hand, each hop checked
        trust_env=False,  # proxies are the transport's (guarded); no netrc
    )
    # The client copies a jar it is given (or set) into a plain httpx.Cookies.
    client._cookies = _CookieJar()
    return client


def _proxies(setting: str | None) -> Proxies:
    """The ``proxy`` setting (``direct``: none), else the environment's proxies."""
    if setting is None:
        return Proxies.from_environment()
    if setting.strip().lower() in ("", "direct", "none"):
        return Proxies({})
    return Proxies.one(setting, Proxies.from_environment().no_proxy)


def _peer_address(response: httpx.Response) -> str | None:
    """The IP address the response came from, when the transport tells (not replay)."""
    stream = response.extensions.get("network_stream")
    try:
        peer = stream.get_extra_info("server_addr") if stream is not None else None
    except Exception:  # a transport without the information
        return None
    return str(peer[0]) if isinstance(peer, tuple) and peer else None
