"""The Scrapy side of the benchmark: the same crawl of the bench site, as a script.

    python bench/crawl/scrapy_spider.py --port PORT --concurrency 32 --feed items.jsonl

Starts at ``/topics/bench.html``, follows listing entries and the next-page link, and
on product pages extracts title, date and authors with CSS selectors, writing one item
a line to the feed. The last line on stdout is a JSON summary from Scrapy's stats.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response

_BY = re.compile(r"^\s*by\s+", re.I)
_NAME_SEPARATORS = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")


class BenchSpider(scrapy.Spider):
    """Listing pages -> product pages -> items with title, date and authors."""

    name = "bench"

    def __init__(self, start_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_urls = [start_url]

    def parse(self, response: Response) -> Iterator[scrapy.Request]:
        """A listing page: its entries, then its next page."""
        for href in response.css("ul.teasers li h3.title a::attr(href)").getall():
            yield response.follow(href, callback=self.parse_product)
        following = response.css(".pagination li.next a::attr(href)").get()
        if following:
            yield response.follow(following, callback=self.parse)

    def parse_product(self, response: Response) -> Iterator[dict[str, Any]]:
        """A product page: one item."""
        header = response.css(".product-header")
        title = (
            header.css("h1::text").get()
            or response.css('meta[name="citation_title"]::attr(content)').get()
        )
        byline = " ".join(header.css("p.authors ::text").getall())
        yield {
            "url": response.url,
            "title": (title or "").strip() or None,
            "published": _iso_date(header.css("p.published span::text").get()),
            "authors": _names(byline),
        }


def _iso_date(text: str | None) -> str | None:
    """ "Jan 14, 2020" -> "2020-01-14"; None when the text is not such a date."""
    try:
        return datetime.strptime((text or "").strip(), "%b %d, %Y").date().isoformat()
    except ValueError:
        return None


def _names(byline: str) -> list[str]:
    """ "by A, B, and C" -> ["A", "B", "C"]."""
    text = _BY.sub("", " ".join(byline.split()))
    return [name for name in _NAME_SEPARATORS.split(text) if name]


def settings(concurrency: int, feed: str) -> dict[str, Any]:
    """The benchmark's Scrapy settings: no delay, no throttling, robots.txt obeyed."""
    return {
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "DOWNLOAD_DELAY": 0,
        "ROBOTSTXT_OBEY": True,
        "AUTOTHROTTLE_ENABLED": False,
        "COOKIES_ENABLED": False,
        "RETRY_ENABLED": True,
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "FEEDS": {feed: {"format": "jsonlines", "encoding": "utf-8", "overwrite": True}},
    }


def summary(stats: dict[str, Any]) -> dict[str, Any]:
    """What the driver reads: items, pages (responses less robots.txt) and elapsed seconds."""
    responses = stats.get("response_received_count", 0)
    robots = stats.get("robotstxt/response_count", 0)
    return {
        "items": stats.get("item_scraped_count", 0),
        "responses": responses,
        "pages": responses - robots,
        "elapsed_s": stats.get("elapsed_time_seconds"),
        "not_found": stats.get("downloader/response_status_count/404", 0),
        "errors": stats.get("log_count/ERROR", 0),
        "finish_reason": stats.get("finish_reason"),
        "scrapy_version": scrapy.__version__,
    }


def main(argv: list[str] | None = None) -> int:
    """Crawl the bench site on 127.0.0.1:PORT; print the summary as the last line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--feed", required=True, help="JSON lines file for the items")
    args = parser.parse_args(argv)
    process = CrawlerProcess(settings(args.concurrency, args.feed))
    crawler = process.create_crawler(BenchSpider)
    process.crawl(crawler, start_url=f"http://127.0.0.1:{args.port}/topics/bench.html")
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    result = summary(stats)
    print(json.dumps(result), flush=True)
    return 0 if result["finish_reason"] == "finished" else 1


if __name__ == "__main__":
    sys.exit(main())
