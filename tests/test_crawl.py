"""Scope and dedupe of the crawl frontier."""

from __future__ import annotations

import pytest

from harvest.crawl import Frontier, Request, Scope

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


def test_each_canonical_url_is_admitted_once() -> None:
    frontier = Frontier(SCOPE)
    seed = frontier.admit_seed("https://www.rand.org/topics/security-cooperation.html")
    assert seed is not None
    links = [
        "https://www.rand.org/pubs/monographs/MG115.html",
        "https://WWW.RAND.ORG/pubs/monographs/MG115.html#top",
        "https://www.rand.org/content/rand/pubs/monographs/MG115.html",
        "https://www.rand.org/topics/security-cooperation.html",
    ]
    admitted = frontier.admit_links(links, seed)
    assert [r.url for r in admitted] == ["https://www.rand.org/pubs/monographs/MG115.html"]
    assert admitted[0].depth == 1


def test_limits() -> None:
    frontier = Frontier(SCOPE, max_pages=2, max_depth=1)
    parent = Request("https://www.rand.org/topics/security-cooperation.html", 1)
    admitted = frontier.admit_links(IN_SCOPE[:3], parent)
    assert admitted == []  # depth 2 > max_depth 1
    admitted = frontier.admit_links(IN_SCOPE[:3], Request(parent.url, 0))
    assert len(admitted) == 2 and frontier.over_limits == 1 + 3
