"""robots.txt rules (RFC 9309) and how the fetcher asks for them."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from harvest.errors import FetchError
from harvest.fetch import FetchConfig, Fetcher
from harvest.fetch._robots import MAX_ROBOTS_BYTES, RobotsRules

ORIGIN = "https://www.rand.org"
RULES = b"""# harvest tests
User-agent: harvest
Disallow: /private/
Crawl-delay: 4

User-agent: *
Disallow: /
Request-rate: 1/10s
"""


def test_the_group_for_harvest_applies_to_harvest() -> None:
    rules = RobotsRules.parsed(ORIGIN, 200, RULES)
    assert rules.allows(f"{ORIGIN}/pubs/x.html", "harvest")
    assert not rules.allows(f"{ORIGIN}/private/x.html", "harvest")
    assert not rules.allows(f"{ORIGIN}/pubs/x.html", "otherbot")
    assert rules.delay_s("harvest") == 4.0
    assert rules.delay_s("otherbot") == 10.0  # Request-rate 1/10s


def test_only_the_first_500_kib_count() -> None:
    body = b"User-agent: *\n" + b"# padding\n" * (MAX_ROBOTS_BYTES // 10) + b"Disallow: /\n"
    assert RobotsRules.parsed(ORIGIN, 200, body).allows(f"{ORIGIN}/x", "harvest")


def test_unavailable_allows_all_and_unreachable_disallows_all() -> None:
    assert RobotsRules.allow_all(ORIGIN, 404).allows(f"{ORIGIN}/x", "harvest")
    down = RobotsRules.disallow_all(ORIGIN, 503, "HTTP 503", retry_s=60)
    assert not down.allows(f"{ORIGIN}/x", "harvest") and not down.stale
    assert RobotsRules.disallow_all(ORIGIN, 503, "HTTP 503", retry_s=0).stale


def test_invalid_utf8_and_garbage_do_not_break_parsing() -> None:
    rules = RobotsRules.parsed(ORIGIN, 200, b"\xff\xfe<html>not robots</html>\nDisallow: /x")
    assert rules.allows(f"{ORIGIN}/pubs/y.html", "harvest")


def _fetcher_run(handler, urls: list[str], **config: object) -> tuple[list[str], list[object]]:  # type: ignore[no-untyped-def]
    asked: list[str] = []

    def record(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        return handler(request)

    async def go() -> list[object]:
        settings = FetchConfig(delay_s=0, attempts=1, **config)  # type: ignore[arg-type]
        results: list[object] = []
        async with Fetcher(settings, httpx.MockTransport(record)) as fetcher:
            for url in urls:
                try:
                    results.append(await fetcher.fetch(url))
                except FetchError as exc:
                    results.append(exc.outcome)
        return results

    return asked, asyncio.run(go())


def test_robots_is_asked_once_per_origin() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(200, text="User-agent: *\nDisallow: /no/\n")
        return httpx.Response(200, html="<p>page</p>")

    urls = [f"{ORIGIN}/a.html", f"{ORIGIN}/no/b.html", f"{ORIGIN}/c.html", "http://www.rand.org/d"]
    asked, results = _fetcher_run(handler, urls)
    assert asked == ["/robots.txt", "/a.html", "/c.html", "/robots.txt", "/d"]
    assert results[1] == "robots_disallowed"


def test_an_unreachable_robots_is_asked_again_after_the_retry_time() -> None:
    answers = iter([503, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(next(answers), text="User-agent: *\nAllow: /\n")
        return httpx.Response(200, html="<p>page</p>")

    asked, results = _fetcher_run(
        handler, [f"{ORIGIN}/a.html", f"{ORIGIN}/b.html"], robots_retry_s=0.0
    )
    assert results[0] == "robots_unreachable"
    assert asked == ["/robots.txt", "/robots.txt", "/b.html"]


@pytest.mark.parametrize("status", [401, 403, 404, 410])
def test_a_4xx_robots_allows_everything(status: int) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(status)
        return httpx.Response(200, html="<p>page</p>")

    asked, results = _fetcher_run(handler, [f"{ORIGIN}/a.html"])
    assert asked == ["/robots.txt", "/a.html"] and not isinstance(results[0], str)


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_5xx_or_429_robots_disallows_the_host(status: int) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status) if request.url.path == "/robots.txt" else httpx.Response(200)

    asked, results = _fetcher_run(handler, [f"{ORIGIN}/a.html"])
    assert asked == ["/robots.txt"] and results == ["robots_unreachable"]  # asked once


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (httpx.ConnectError("cannot resolve www.rand.org: Name or service not known"), "network"),
        (httpx.ConnectTimeout("resolving www.rand.org timed out"), "timeout"),
    ],
)
def test_no_answer_for_robots_gives_the_networks_own_outcome(
    error: Exception, outcome: str
) -> None:
    # Issue 20, item 1: a DNS failure was reported as robots_unreachable, as if the
    # site's robots.txt had answered 5xx; the host is still held back meanwhile.
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    asked, results = _fetcher_run(handler, [f"{ORIGIN}/a.html", f"{ORIGIN}/b.html"])
    assert asked == ["/robots.txt"]
    assert results == [outcome, outcome]
