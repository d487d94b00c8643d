"""The fetcher against httpx.MockTransport: retries, statuses, size bound."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace

import httpx
import pytest

from harvest.errors import FetchError
from harvest.fetch import FetchConfig, FetchedPage, Fetcher

URL = "https://www.rand.org/pubs/x.html"
FAST = FetchConfig(attempts=3, backoff_s=0.001, retry_budget_s=5, delay_s=0, obey_robots=False)


def fetch(
    handler: Callable[[httpx.Request], httpx.Response], config: FetchConfig = FAST
) -> FetchedPage:
    async def go() -> FetchedPage:
        async with Fetcher(config, httpx.MockTransport(handler)) as fetcher:
            return await fetcher.fetch(URL)

    return asyncio.run(go())


def test_retries_a_503_then_succeeds() -> None:
    statuses = iter([503, 503, 200])
    page = fetch(lambda request: httpx.Response(next(statuses), html="<html></html>"))
    assert (page.status, page.attempts, page.body) == (200, 3, b"<html></html>")


def test_gives_up_after_the_attempts() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503)

    with pytest.raises(FetchError, match="after 3 attempt") as caught:
        fetch(handler)
    assert caught.value.status == 503 and len(calls) == 3


def test_does_not_retry_a_404() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(404)

    with pytest.raises(FetchError, match="HTTP 404") as caught:
        fetch(handler)
    assert caught.value.status == 404 and len(calls) == 1


def test_retries_connection_errors() -> None:
    outcomes: list[Exception | None] = [httpx.ConnectError("refused"), None]

    def handler(request: httpx.Request) -> httpx.Response:
        error = outcomes.pop(0)
        if error:
            raise error
        return httpx.Response(200, html="<p>ok</p>")

    assert fetch(handler).attempts == 2


def test_the_retry_budget_counts_from_the_first_attempt() -> None:
    # The first attempt runs before the retry loop is set up; the budget still
    # starts with it: a first attempt that used the budget up is not retried.
    calls = []

    async def slow_failure(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        await asyncio.sleep(0.3)
        raise httpx.ConnectError("refused")

    with pytest.raises(FetchError, match="after 1 attempt") as caught:
        fetch(slow_failure, replace(FAST, retry_budget_s=0.25))  # type: ignore[arg-type]
    assert (len(calls), caught.value.attempts, caught.value.outcome) == (1, 1, "network")


def test_a_retried_request_counts_every_attempt_and_retry() -> None:
    statuses = iter([503, 502, 200])

    async def go() -> tuple[int, int, int]:
        handler = httpx.MockTransport(lambda request: httpx.Response(next(statuses)))
        async with Fetcher(FAST, handler) as fetcher:
            page = await fetcher.fetch(URL)
            return page.attempts, fetcher.stats.requests, fetcher.stats.retries

    assert asyncio.run(go()) == (3, 3, 2)


def test_aborts_a_body_over_the_limit() -> None:
    config = FetchConfig(max_body_bytes=1000, attempts=1)
    with pytest.raises(FetchError, match="larger than 1000 bytes"):
        fetch(lambda request: httpx.Response(200, content=b"x" * 5000), config)


def test_sends_an_identifying_user_agent() -> None:
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["ua"] = request.headers["user-agent"]
        return httpx.Response(200, html="<p>ok</p>")

    fetch(handler)
    assert seen["ua"].startswith("harvest/")


def test_keeps_cookies_and_reads_only_responses_that_set_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The jar is handed only the responses with a Set-Cookie header (reading one
    # costs more than the rest of a request's handling); cookies still work.
    read = []
    extract = httpx.Cookies.extract_cookies

    def counted(self: httpx.Cookies, response: httpx.Response) -> None:
        read.append(response.url.path)
        extract(self, response)

    monkeypatch.setattr(httpx.Cookies, "extract_cookies", counted)
    sent = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers.get("cookie"))
        if request.url.path == "/consent":
            return httpx.Response(200, html="<p>ok</p>", headers={"set-cookie": "ok=1; Path=/"})
        return httpx.Response(200, html="<p>ok</p>")

    async def go() -> None:
        async with Fetcher(FAST, httpx.MockTransport(handler)) as fetcher:
            for path in ("/pubs/a.html", "/consent", "/pubs/b.html"):
                await fetcher.fetch(f"https://www.rand.org{path}")

    asyncio.run(go())
    assert read == ["/consent"]
    assert sent == [None, None, "ok=1"]
