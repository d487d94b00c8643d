"""Scope and dedupe of the crawl frontier."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from harvest.run._frontier import Frontier
from harvest.run._requests import CrawlQueue, Request
from harvest.run._scope import Scope
from harvest.sites import is_listing
from harvest.state import State

SCOPE = Scope.for_seeds(["https://www.rand.org/topics/security-cooperation.html"])

IN_SCOPE = [
    "https://www.rand.org/pubs/monographs/MG115.html",
    "https://www.rand.org/pubs/research_reports/RRA2186-1.html",
    "https://www.rand.org/pubs/commentary/2025/12/china-is-worried-about-ai-job-losses.html",
    "https://www.rand.org/blog/2020/06/japan-and-dynamic-force-employment.html",
    "https://www.rand.org/topics/security-cooperation.html?page=2",
    "https://www.rand.org/pubs.html?start=12",
]
OUT_OF_SCOPE = [
    "https://example.com/pubs/x.html",
    "https://www.rand.org/about/people/l/levin_norman_d.html",
    "https://www.rand.org/pubs/research_reports.html",  # a series index, not a publication
    "https://www.rand.org/content/dam/rand/pubs/monographs/2004/RAND_MG115.pdf",
    "https://www.rand.org/jobs.html",
]


@pytest.mark.parametrize("url", IN_SCOPE)
def test_in_scope(url: str) -> None:
    assert SCOPE.allows(url)


@pytest.mark.parametrize("url", OUT_OF_SCOPE)
def test_out_of_scope(url: str) -> None:
    assert not SCOPE.allows(url)


@pytest.fixture
def state(tmp_path: Path) -> Iterator[State]:
    state = State(tmp_path / "state.db")
    yield state
    state.close()


def test_each_canonical_url_is_admitted_once(state: State) -> None:
    frontier = Frontier(SCOPE, state)
    (seed,) = frontier.seeds(["https://www.rand.org/topics/security-cooperation.html"] * 2)
    state.start_pass("digest", [(seed.url, seed.depth)])
    links = [
        "https://www.rand.org/pubs/monographs/MG115.html",
        "https://WWW.RAND.ORG/pubs/monographs/MG115.html#top",
        "https://www.rand.org/content/rand/pubs/monographs/MG115.html",
        "https://www.rand.org/topics/security-cooperation.html",
    ]
    admitted = frontier.admit_links(links, seed)
    assert [r.url for r in admitted] == ["https://www.rand.org/pubs/monographs/MG115.html"]
    assert admitted[0].depth == 1
    assert frontier.admit_links(links, admitted[0]) == []
    assert frontier.admitted == 2


def test_limits(state: State) -> None:
    frontier = Frontier(SCOPE, state, max_pages=2, max_depth=1)
    parent = Request("https://www.rand.org/topics/security-cooperation.html", 1)
    admitted = frontier.admit_links(IN_SCOPE[:3], parent)
    assert admitted == []  # depth 2 > max_depth 1
    admitted = frontier.admit_links(IN_SCOPE[:3], Request(parent.url, 0))
    assert len(admitted) == 2 and frontier.over_limits == 3 + 1
    assert frontier.admit_links(IN_SCOPE[:3], Request(parent.url, 0)) == []
    assert frontier.over_limits == 3 + 1 + 1  # the third is still new: over again


def test_a_url_is_claimed_once_a_pass(state: State) -> None:
    first = Frontier(SCOPE, state)
    (seed,) = first.seeds(["https://www.rand.org/topics/security-cooperation.html"])
    state.start_pass("digest", [(seed.url, seed.depth)])
    (a, b) = first.admit_links(IN_SCOPE[:2], seed)
    assert first.claim(a) and not first.claim(a)
    # a redirect to a URL the pass had not met: claimed, and counted as admitted
    target = "https://www.rand.org/pubs/monographs/MG999.html"
    assert first.claim(b, target) and first.admitted == 4
    assert not first.claim(Request(target, 1))
    state.finish("run-1", b.url, "new", also=(target,))
    first.release(b.url, target)
    assert not first.claim(b) and not first.claim(Request(target, 1))  # done in the state
    # the next run (the first died): what was finished stays done, the rest is claimable
    second = Frontier(SCOPE, state)
    assert second.admitted == 4
    assert second.claim(a) and second.claim(seed)
    assert not second.claim(b) and not second.claim(Request(target, 1))


@pytest.mark.parametrize(
    ("url", "listing"),
    [
        ("https://www.rand.org/topics/security-cooperation.html", True),
        ("https://www.rand.org/topics/china.html?page=3", True),
        ("https://www.rand.org/pubs.html?start=40", True),
        ("http://www.rand.org:8080/topics/bench.html", True),
        ("https://www.rand.org/pubs/research_reports/RR2646.html", False),
        ("https://www.rand.org/pubs/commentary/2024/05/x.html", False),
        ("https://www.rand.org/blog/2024/05/x.html", False),
        ("https://www.rand.org/topics/china.html/more", False),
        ("https://www.rand.org/pubs.htmlx", False),
    ],
)
def test_listing_urls(url: str, listing: bool) -> None:
    assert is_listing(url) is listing


def test_the_queue_serves_listing_pages_first_each_group_in_order() -> None:
    async def go() -> list[str]:
        queue = CrawlQueue()
        for url in ("/pubs/a.html", "/topics/t.html?page=2", "/pubs/b.html", "/topics/u.html"):
            queue.put_nowait(Request(f"https://www.rand.org{url}", 1))
        assert (queue.qsize(), queue.empty()) == (4, False)
        taken = [(await queue.get()).url.removeprefix("https://www.rand.org") for _ in range(4)]
        assert (queue.qsize(), queue.empty()) == (0, True)
        for _ in taken:
            queue.task_done()
        await asyncio.wait_for(queue.join(), 1)  # join and task_done work as on any queue
        return taken

    assert asyncio.run(go()) == [
        "/topics/t.html?page=2",
        "/topics/u.html",
        "/pubs/a.html",
        "/pubs/b.html",
    ]


def test_a_waiting_worker_gets_a_listing_page_put_later() -> None:
    async def go() -> str:
        queue = CrawlQueue()
        waiting = asyncio.ensure_future(queue.get())
        await asyncio.sleep(0)
        queue.put_nowait(Request("https://www.rand.org/topics/t.html", 0))
        return (await asyncio.wait_for(waiting, 1)).url

    assert asyncio.run(go()) == "https://www.rand.org/topics/t.html"
