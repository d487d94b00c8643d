"""Fault tests: whole crawls against a misbehaving server on 127.0.0.1.

Each test breaks one path of a six-page site (a topic page and five product
pages), runs a real crawl through harvest's real transport, and checks three
things: what happened to the broken page (outcome, attempts), that the server
saw exactly the requests it should, and that the rest of the site was
harvested. Timeouts and delays are set small, so no test waits long.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harvest import crawl_sync
from harvest.run._runner import RunResult
from tests.faultserver import (
    HOST,
    PAGES,
    TOPIC,
    FaultSite,
    Route,
    drip,
    fault_site,
    gzip_bomb,
    never_answer,
    page,
    product_page,
    product_path,
    redirect,
    reset_mid_body,
    retry_after_date,
    sequence,
    site_settings,
    status,
    truncated,
)

BROKEN = product_path(3)
RETRYING = re.compile(r"retrying in ([\d.]+) s after (.*)", re.DOTALL)


@dataclass
class Crawl:
    result: RunResult
    site: FaultSite

    def lines(self, name: str) -> list[dict[str, Any]]:
        text = (self.result.run_dir / name).read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines()]

    def error(self, path: str) -> dict[str, Any]:
        (error,) = [e for e in self.lines("errors.jsonl") if e["url"] == self.site.url(path)]
        return error

    def harvested(self) -> set[str]:
        prefix = self.site.base
        return {r["url"].removeprefix(prefix) for r in self.lines("publications.jsonl")}

    @property
    def manifest(self) -> dict[str, Any]:
        return self.result.manifest


def crawl(site: FaultSite, out: Path, **settings: Any) -> Crawl:
    options = {"timeout_s": 0.5, "deadline_s": 5, "attempts": 3, **settings}
    return Crawl(crawl_sync(site_settings(site, out, **options)), site)


@pytest.fixture
def log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """What harvest logs, its INFO lines (a retry and its wait) included."""
    caplog.set_level(logging.INFO, logger="harvest")
    return caplog


def retries(caplog: pytest.LogCaptureFixture) -> list[tuple[float, str]]:
    """(seconds to wait, after what) of each retry, as the fetcher logged them."""
    found = (RETRYING.fullmatch(record.getMessage()) for record in caplog.records)
    return [(float(match[1]), match[2]) for match in found if match]


def retry_waits(caplog: pytest.LogCaptureFixture) -> list[float]:
    return [wait for wait, _ in retries(caplog)]


def run(out: Path, routes: dict[str, Route], **settings: Any) -> Crawl:
    with fault_site(routes) as site:
        return crawl(site, out, **settings)


def all_but(*broken: str) -> set[str]:
    return {product_path(n) for n in range(1, PAGES + 1)} - set(broken)


def test_the_healthy_site_is_harvested_in_full(tmp_path: Path) -> None:
    done = run(tmp_path, {})
    assert done.harvested() == all_but()
    assert done.lines("errors.jsonl") == []
    assert done.site.paths()[0] == "/robots.txt"
    assert sorted(done.site.paths()) == sorted(["/robots.txt", TOPIC, *all_but()])
    assert done.manifest["fetch"]["statuses"] == {"200": PAGES + 2}


def test_503_twice_then_200_succeeds_in_3_attempts(tmp_path: Path) -> None:
    done = run(tmp_path, {BROKEN: sequence(status(503), status(503), page(product_page(3)))})
    assert done.harvested() == all_but()
    assert len(done.site.hits_of(BROKEN)) == 3
    fetch = done.manifest["fetch"]
    assert (fetch["retries"], fetch["statuses"]["503"]) == (2, 2)


def test_503_every_time_fails_after_the_attempts(tmp_path: Path) -> None:
    done = run(tmp_path, {BROKEN: status(503)})
    error = done.error(BROKEN)
    assert (error["outcome"], error["status"], error["attempts"]) == ("http_error", 503, 3)
    assert len(done.site.hits_of(BROKEN)) == 3
    assert done.harvested() == all_but(BROKEN)


@pytest.mark.slow
def test_429_retry_after_seconds_is_waited_not_less(
    tmp_path: Path, log: pytest.LogCaptureFixture
) -> None:
    routes = {BROKEN: sequence(status(429, {"Retry-After": "2"}), page(product_page(3)))}
    done = run(tmp_path, routes)
    first, second = done.site.hits_of(BROKEN)
    assert second.at - first.at >= 2.0  # measured at the server
    assert retry_waits(log) == [2.0]  # what it asked: no backoff on top
    assert done.harvested() == all_but()


@pytest.mark.slow
def test_429_retry_after_http_date_is_waited_for(
    tmp_path: Path, log: pytest.LogCaptureFixture
) -> None:
    dates: list[str] = []

    def limited(conn: Any, request: Any) -> None:
        dates.append(retry_after_date(2))
        status(429, {"Retry-After": dates[-1]})(conn, request)

    done = run(tmp_path, {BROKEN: sequence(limited, page(product_page(3)))})
    first, second = done.site.hits_of(BROKEN)
    asked = time.mktime(time.strptime(dates[0], "%a, %d %b %Y %H:%M:%S GMT")) - time.timezone
    assert second.wall >= asked - 0.05  # HTTP dates have whole seconds
    assert second.at - first.at >= 0.9  # the date is whole seconds: 1 to 2 s ahead
    (wait,) = retry_waits(log)
    assert wait <= 2.0  # until the date, not past it
    assert done.harvested() == all_but()


@pytest.mark.timeout(60)  # an hour's sleep fails here, not at the suite's limit
def test_retry_after_longer_than_the_cap_gives_up_at_once(
    tmp_path: Path, log: pytest.LogCaptureFixture
) -> None:
    done = run(tmp_path, {BROKEN: status(503, {"Retry-After": "3600"})}, retry_after_cap_s=60)
    error = done.error(BROKEN)
    assert (error["outcome"], error["attempts"]) == ("retry_after_too_long", 1)
    assert "3600" in error["reason"]
    assert retry_waits(log) == [] and done.manifest["fetch"]["retries"] == 0  # no sleep
    assert done.harvested() == all_but(BROKEN)


def test_a_connection_reset_mid_body_is_retried(tmp_path: Path) -> None:
    done = run(tmp_path, {BROKEN: sequence(reset_mid_body, page(product_page(3)))})
    assert len(done.site.hits_of(BROKEN)) == 2
    assert done.harvested() == all_but()


def test_a_connection_reset_every_time_fails(tmp_path: Path) -> None:
    done = run(tmp_path, {BROKEN: reset_mid_body})
    error = done.error(BROKEN)
    assert (error["outcome"], error["attempts"], error["status"]) == ("network", 3, None)
    assert done.harvested() == all_but(BROKEN)


def test_a_server_that_never_answers_times_out_and_frees_its_slot(tmp_path: Path) -> None:
    # One slot in all: the other pages can only come after the stalled request let go.
    with fault_site({BROKEN: never_answer}) as site:
        done = crawl(site, tmp_path, concurrency=1, attempts=2)
        stalled = site.active  # the server still holds both requests, never answered
    error = done.error(BROKEN)
    assert (error["outcome"], error["attempts"]) == ("timeout", 2)
    assert "ReadTimeout" in error["reason"]  # the client's 0.5 s, not the server closing
    assert done.harvested() == all_but(BROKEN)
    assert stalled == 2


@pytest.mark.slow
def test_a_one_byte_a_second_drip_hits_the_total_deadline(
    tmp_path: Path, log: pytest.LogCaptureFixture
) -> None:
    done = run(tmp_path, {BROKEN: drip(1.0)}, timeout_s=3, deadline_s=1.2, attempts=2)
    error = done.error(BROKEN)
    assert (error["outcome"], error["attempts"]) == ("timeout", 2)
    assert "1.2 s deadline" in error["reason"]  # not the 3 s read timeout
    ((_, first),) = retries(log)
    assert "1.2 s deadline" in first  # the first attempt too
    assert len(done.site.hits_of(BROKEN)) == 2
    assert done.harvested() == all_but(BROKEN)


def test_a_truncated_body_is_retried_then_fails(tmp_path: Path) -> None:
    done = run(tmp_path, {BROKEN: truncated})
    error = done.error(BROKEN)
    assert (error["outcome"], error["attempts"]) == ("network", 3)
    assert "incomplete" in error["reason"] or "complete message body" in error["reason"]
    assert done.harvested() == all_but(BROKEN)


def test_a_gzip_bomb_is_aborted_at_the_cap_and_not_retried(tmp_path: Path) -> None:
    done = run(tmp_path, {BROKEN: gzip_bomb(64)}, max_body_bytes=1024 * 1024)
    error = done.error(BROKEN)
    assert (error["outcome"], error["attempts"]) == ("too_large", 1)
    assert "1048576" in error["reason"]
    assert done.harvested() == all_but(BROKEN)


def test_a_redirect_loop_is_stopped(tmp_path: Path) -> None:
    routes = {BROKEN: redirect("/pubs/loop.html"), "/pubs/loop.html": redirect(BROKEN)}
    done = run(tmp_path, routes)
    error = done.error(BROKEN)
    assert (error["outcome"], error["attempts"]) == ("redirect_loop", 2)
    assert done.site.paths().count(BROKEN) == 1
    assert done.harvested() == all_but(BROKEN)


def test_a_redirect_chain_past_the_hop_limit_is_stopped(tmp_path: Path) -> None:
    routes = {f"/hop/{n}": redirect(f"/hop/{n + 1}") for n in range(10)}
    routes[BROKEN] = redirect("/hop/0")
    done = run(tmp_path, routes, max_redirects=3)
    error = done.error(BROKEN)
    assert (error["outcome"], error["attempts"]) == ("too_many_redirects", 4)


def test_a_redirect_within_the_host_is_followed(tmp_path: Path) -> None:
    moved = "/pubs/research_reports/RRF3-moved.html"
    done = run(tmp_path, {BROKEN: redirect(moved, 301), moved: page(product_page(3))})
    assert done.harvested() == all_but(BROKEN) | {moved}
    assert done.lines("errors.jsonl") == []


def test_a_redirect_to_a_page_of_the_crawl_fetches_that_page_once(tmp_path: Path) -> None:
    # RRF2 moved to RRF4, which the topic page lists too: one fetch of RRF4, one record.
    done = run(tmp_path, {product_path(2): redirect(product_path(4), 301)}, concurrency=1)
    assert done.site.paths().count(product_path(4)) == 1
    assert done.harvested() == all_but(product_path(2))
    assert [r["url"] for r in done.lines("publications.jsonl")].count(
        done.site.url(product_path(4))
    ) == 1
    assert done.manifest["counts"]["duplicates"] == 1
    assert done.lines("errors.jsonl") == []


@pytest.mark.parametrize(
    "target", ["http://elsewhere.example/pubs/x.html", "http://127.0.0.1:9/pubs/x.html"]
)
def test_a_redirect_to_another_host_is_recorded_not_followed(tmp_path: Path, target: str) -> None:
    done = run(tmp_path, {BROKEN: redirect(target)})
    error = done.error(BROKEN)
    assert (error["outcome"], error["attempts"], error["status"]) == ("redirect_offsite", 1, 302)
    assert target in error["reason"]
    assert done.manifest["counts"]["skipped"] == 1
    assert done.manifest["counts"]["fetch_failed"] == 0  # a choice, not a failure
    assert done.harvested() == all_but(BROKEN)


def test_robots_disallow_and_crawl_delay_are_obeyed(tmp_path: Path) -> None:
    robots = f"User-agent: *\nDisallow: {BROKEN}\nCrawl-delay: 0.3\n".encode()
    done = run(tmp_path, {"/robots.txt": page(robots, content_type="text/plain")})
    assert BROKEN not in done.site.paths()
    error = done.error(BROKEN)
    assert (error["outcome"], error["attempts"]) == ("robots_disallowed", 0)
    starts = [hit.at for hit in done.site.hits]
    assert min(b - a for a, b in itertools.pairwise(starts)) >= 0.3 - 0.02
    assert done.manifest["fetch"]["host_delays_s"] == {HOST: 0.3}
    robots_summary = done.manifest["fetch"]["robots"][done.site.base]
    assert robots_summary["crawl_delay_s"] == 0.3
    assert done.harvested() == all_but(BROKEN)


def test_robots_for_harvest_by_name_is_obeyed(tmp_path: Path) -> None:
    robots = b"User-agent: harvest\nDisallow: /pubs/\n\nUser-agent: *\nAllow: /\n"
    done = run(tmp_path, {"/robots.txt": page(robots, content_type="text/plain")})
    assert done.harvested() == set()
    assert done.manifest["skipped"] == {"robots_disallowed": PAGES}


def test_robots_answering_503_disallows_the_host(tmp_path: Path) -> None:
    done = run(tmp_path, {"/robots.txt": status(503)})
    assert done.site.paths() == ["/robots.txt"] * 3  # retried, then nothing else asked
    error = done.error(TOPIC)
    assert (error["outcome"], error["status"]) == ("robots_unreachable", 503)
    assert done.result.error_rate == 1.0


def test_robots_answering_503_then_200_lets_the_crawl_go_on(tmp_path: Path) -> None:
    robots = page(b"User-agent: *\nAllow: /\n", content_type="text/plain")
    done = run(tmp_path, {"/robots.txt": sequence(status(503), robots)})
    assert done.site.paths().count("/robots.txt") == 2
    assert done.harvested() == all_but()


def test_robots_answering_404_allows_everything(tmp_path: Path) -> None:
    done = run(tmp_path, {"/robots.txt": status(404)})
    assert done.harvested() == all_but()
    assert done.manifest["fetch"]["robots"][done.site.base]["verdict"].startswith("unavailable")


def test_a_non_html_content_type_is_recorded_not_parsed(tmp_path: Path) -> None:
    done = run(tmp_path, {BROKEN: page(b"%PDF-1.7 ...", content_type="application/pdf")})
    error = done.error(BROKEN)
    assert (error["outcome"], error["attempts"], error["stage"]) == ("not_html", 1, "fetch")
    assert "application/pdf" in error["reason"]
    assert done.manifest["counts"]["parse_failed"] == 0
    assert done.harvested() == all_but(BROKEN)


def test_a_404_is_not_retried(tmp_path: Path) -> None:
    done = run(tmp_path, {BROKEN: status(404)})
    error = done.error(BROKEN)
    assert (error["outcome"], error["attempts"], error["status"]) == ("http_error", 1, 404)
    assert done.site.paths().count(BROKEN) == 1
    assert done.harvested() == all_but(BROKEN)


@pytest.mark.slow
def test_politeness_per_host_concurrency_and_delay_are_measured_at_the_server(
    tmp_path: Path,
) -> None:
    # Slow answers (1.1 s) with a 0.5 s delay: without the per-host limit three
    # requests would overlap; with it the server never sees more than two.
    with fault_site(pages=5) as site:
        for path, route in list(site.routes.items()):
            site.routes[path] = _slowed(route, 1.1 if path != "/robots.txt" else 0)
        done = crawl(
            site, tmp_path, concurrency=8, per_host_concurrency=2, delay_s=0.5, timeout_s=3
        )
    assert done.harvested() == all_but()
    assert site.most_at_once() == 2
    starts = sorted(hit.at for hit in site.hits)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    # 10 ms allows for the time between the client's start and the server's accept.
    assert min(gaps) >= 0.5 - 0.01, gaps


def _slowed(route: Route, seconds: float) -> Route:
    def slowed(conn: Any, request: Any) -> None:
        time.sleep(seconds)
        route(conn, request)

    return slowed


def test_listing_pages_are_fetched_before_the_publications_they_list(tmp_path: Path) -> None:
    # Page 1 of the topic lists products 1-3 and links to page 2 (products 4-5). With one
    # worker, page 2 is fetched right after page 1, ahead of the products page 1 found.
    def topic(numbers: range, next_page: str | None) -> bytes:
        items = "".join(
            f'<li><h3 class="title"><a href="{product_path(n)}">Fault Report {n}</a></h3></li>'
            for n in numbers
        )
        more = f'<ul class="pagination"><li class="next"><a href="{next_page}">Next</a></li></ul>'
        return (
            f'<html><body><main><h1>Faults</h1><ul class="teasers list">{items}</ul>'
            f"{more if next_page else ''}</main></body></html>"
        ).encode()

    second = f"{TOPIC}?page=2"
    routes = {TOPIC: page(topic(range(1, 4), second)), second: page(topic(range(4, 6), None))}
    done = run(tmp_path, routes, concurrency=1)
    assert done.site.paths()[:3] == ["/robots.txt", TOPIC, second]
    assert done.harvested() == all_but()


@pytest.mark.parametrize("size_kib", [600, 12 * 1024], ids=["600KiB", "12MiB"])
def test_a_robots_file_past_the_body_bound_is_read_for_its_first_500_kib(
    tmp_path: Path, size_kib: int
) -> None:
    # Its rules come first; then comments, past the 500 KiB the RFC asks crawlers to
    # read and (12 MiB) past --max-body-mb: the host is not blocked (issue 18, defect 3).
    rules = f"User-agent: *\nDisallow: {product_path(2)}\n".encode()
    filler = b"# " + b"x" * 1000 + b"\n"
    body = rules + filler * (size_kib * 1024 // len(filler))
    done = run(tmp_path, {"/robots.txt": page(body, content_type="text/plain")})
    assert done.harvested() == all_but(product_path(2))
    assert done.error(product_path(2))["outcome"] == "robots_disallowed"
    robots = next(iter(done.manifest["fetch"]["robots"].values()))
    assert robots["status"] == 200


def test_a_seed_that_resolves_to_loopback_is_a_blocked_address_not_a_robots_failure(
    tmp_path: Path,
) -> None:
    # www.rand.org resolves to 127.0.0.1 here, and the user pinned nothing: the
    # guard refuses it, and says so; robots.txt is not asked again (defect 5).
    from harvest.fetch._guard import AddressPolicy
    from harvest.fetch._wire import WireTransport

    async def to_loopback(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    with fault_site() as site:
        settings = site_settings(site, tmp_path, resolve=())
        transport = WireTransport(AddressPolicy(), resolver=to_loopback)
        result = crawl_sync(settings, transport)
        assert site.hits == []
    (error,) = [json.loads(line) for line in (result.run_dir / "errors.jsonl").open()]
    assert error["outcome"] == "blocked_address"
    assert "non-public address (127.0.0.1)" in error["reason"]
    robots = next(iter(result.manifest["fetch"]["robots"].values()))
    assert robots["verdict"].startswith("blocked address")


def test_scope_is_by_origin_a_redirect_or_a_link_to_another_port_is_not_followed(
    tmp_path: Path,
) -> None:
    # www.rand.org:PORT is the seed's origin; :22 on the same host is not (defect 7).
    from tests.faultserver import topic_page

    with fault_site() as site:
        other = f"http://{HOST}:22{product_path(1)}"
        item = (
            f'<li><div class="text"><p class="type">Report</p><h3 class="title">'
            f'<a href="{other}">Elsewhere</a></h3><p class="date">Mar 9, 2021</p></div></li>'
        )
        listing = topic_page().replace(b"</ul>", item.encode() + b"</ul>")
        site.routes[TOPIC] = page(listing)
        site.routes[product_path(2)] = redirect(f"http://{HOST}:22/admin")
        done = crawl(site, tmp_path)
    assert done.error(product_path(2))["outcome"] == "redirect_offsite"
    assert "origin not allowed" in done.error(product_path(2))["reason"]
    assert done.harvested() == all_but(product_path(2))
    assert all(":22" not in url for url in done.manifest["unfinished_urls"])
    assert done.manifest["counts"]["out_of_scope_links"] >= 1


def test_a_hostile_page_of_100000_nested_divs_is_a_parse_timeout_and_stalls_nothing(
    tmp_path: Path,
) -> None:
    # 1.1 MB of nested <div>s used to take 82 s to parse, in the event loop (defect 2).
    hostile = b"<!DOCTYPE html><html><body>" + b"<div>" * 100_000 + b"x" + b"</div>" * 100_000
    done = run(tmp_path, {product_path(3): page(hostile)})
    error = done.error(product_path(3))
    assert error["outcome"] == "parse_timeout"
    assert "nested more than" in error["reason"]  # refused from its bytes, not parsed for 10 s
    assert done.harvested() == all_but(product_path(3))
    assert done.manifest["politeness"]["parse_workers"] == 1  # live: parsed in a worker


def test_a_flood_of_informational_answers_ends_at_the_deadline(tmp_path: Path) -> None:
    def flood(conn: Any, request: Any) -> None:
        until = time.monotonic() + 8
        while time.monotonic() < until and not conn.stop.is_set():
            conn.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n" * 50)
            time.sleep(0.01)
        conn.keep_alive = False

    done = run(tmp_path, {product_path(4): flood}, deadline_s=1, attempts=1)
    error = done.error(product_path(4))
    assert error["outcome"] == "timeout"
    assert "1 s deadline" in error["reason"]  # the client's, not the flood's 8 s end
    assert done.harvested() == all_but(product_path(4))


def test_a_redirect_to_a_private_address_is_not_followed(tmp_path: Path) -> None:
    done = run(tmp_path, {product_path(5): redirect("http://169.254.169.254/latest/meta-data/")})
    assert done.error(product_path(5))["outcome"] == "redirect_offsite"
    assert done.harvested() == all_but(product_path(5))
