"""What a site's sitemaps tell a run: which known pages changed, which pages are new.

At the start of a new crawl pass, harvest reads the sitemaps named by the
``sitemaps`` setting and by the ``Sitemap:`` lines of the seeds' robots.txt
(``robots_sitemaps``). Each is asked conditionally (a sitemap that answers 304
brings nothing new); an index leads to its child sitemaps, skipping those whose
``lastmod`` is older than the last reading. Of the pages listed:

- a known page whose ``lastmod`` is later than its last check is due first
  (``State.mark_changed``): the revisits take it before any other, within the budget;
- an in-scope page the state does not know is admitted, as discovery.

Bounded: at most ``MAX_FILES`` sitemap files a run, ``MAX_ENTRIES`` entries a file
(the protocol's limit), 50 MB unpacked a file; a download is bounded by
``max_body_mb`` as any page. A sitemap that cannot be fetched or read is logged and
named in the manifest; the run goes on without it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from harvest.errors import FetchError
from harvest.fetch import Fetcher
from harvest.run._frontier import Frontier
from harvest.run._sitemaps import SitemapEntry, SitemapError, parse_sitemap
from harvest.sites import canonical_url
from harvest.state import stamp

log = logging.getLogger("harvest")

MAX_FILES = 50
MAX_ENTRIES = 50_000


@dataclass
class SitemapReport:
    """What the run's sitemaps gave, for the manifest."""

    files: dict[str, str] = field(default_factory=dict)  # url -> outcome
    entries: int = 0
    marked_changed: int = 0
    new: int = 0

    def summary(self) -> dict[str, object]:
        return {
            "files": self.files,
            "entries": self.entries,
            "marked_changed": self.marked_changed,
            "new": self.new,
        }


async def read_sitemaps(
    fetcher: Fetcher, frontier: Frontier, named: Iterable[str], seeds: Iterable[str]
) -> SitemapReport:
    """Read the sitemaps: the frontier asks for the new pages they list. What was read."""
    report = SitemapReport()
    queue = list(dict.fromkeys(named))
    for seed in seeds:
        try:
            queue.extend(url for url in await fetcher.sitemaps_of(seed) if url not in queue)
        except FetchError as exc:  # robots.txt unreachable: the crawl reports it
            log.debug("no sitemaps from robots.txt of %s: %s", seed, exc)
    seen: set[str] = set()
    while queue and len(seen) < MAX_FILES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        entries, children = await _read_one(fetcher, frontier, url, report)
        queue.extend(child for child in children if child not in seen)
        _apply(frontier, entries, report)
    if queue:
        log.warning("sitemaps: more than %d files; the rest are left for later runs", MAX_FILES)
    return report


async def _read_one(
    fetcher: Fetcher, frontier: Frontier, url: str, report: SitemapReport
) -> tuple[list[SitemapEntry], list[str]]:
    """One sitemap file: its page entries, or (for an index) the children to read."""
    validators, checked = frontier.state.sitemap_validators(url)
    try:
        page = await fetcher.fetch_file(url, validators)
    except FetchError as exc:
        log.warning("sitemap %s not read: %s", url, exc, extra={"event": "sitemap_failed"})
        report.files[url] = exc.outcome
        return [], []
    if page.status == 304:
        report.files[url] = "not_modified"
        return [], []
    try:
        sitemap = parse_sitemap(page.body, max_entries=MAX_ENTRIES)
    except SitemapError as exc:
        log.warning("sitemap %s not read: %s", url, exc, extra={"event": "sitemap_failed"})
        report.files[url] = "not_a_sitemap"
        return [], []
    headers = {key.lower(): value for key, value in page.headers.items()}
    now = stamp(frontier.now())
    frontier.state.record_sitemap(url, headers.get("etag"), headers.get("last-modified"), now)
    report.files[url] = f"{sitemap.kind}: {len(sitemap.entries)} entries"
    if sitemap.kind == "index":
        fresh = [
            entry.url
            for entry in sitemap.entries
            if checked is None or entry.lastmod is None or stamp(entry.lastmod) > checked
        ]
        return [], fresh
    return list(sitemap.entries), []


def _apply(frontier: Frontier, entries: list[SitemapEntry], report: SitemapReport) -> None:
    report.entries += len(entries)
    urls = {canonical_url(entry.url): entry for entry in entries}
    urls.pop(None, None)
    changed = [(url, stamp(e.lastmod)) for url, e in urls.items() if url and e.lastmod]
    report.marked_changed += frontier.state.mark_changed(changed)
    known = frontier.state.known(url for url in urls if url)
    fresh = [url for url in urls if url and url not in known]
    report.new += frontier.hinted(fresh)
