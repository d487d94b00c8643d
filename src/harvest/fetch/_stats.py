"""What a fetch can end in, and the counts of a run that the manifest keeps."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# What a fetch can end in. "Skipped" outcomes are harvest's choice (robots.txt,
# scope, content type), not failures of the run.
OUTCOMES = {
    "ok": "the page was fetched",
    "not_modified": "a conditional request answered 304: the page is as last fetched",
    "http_error": "the server answered an error status (4xx, or 5xx after the retries)",
    "timeout": "connect, read or total deadline passed (after the retries)",
    "network": "the connection failed, was reset or the body was cut short",
    "too_large": "the body, decoded, passed the size bound",
    "bad_encoding": "the body was not valid in its Content-Encoding",
    "blocked_address": "the host resolved to a loopback, private or link-local address",
    "redirect_loop": "a redirect led back to a URL of the same chain",
    "too_many_redirects": "more redirects than the hop limit",
    "retry_after_too_long": "the server asked to wait longer than the Retry-After cap",
    "robots_unreachable": "robots.txt answered 5xx or nothing: the host is disallowed",
    "robots_disallowed": "robots.txt disallows the URL",
    "redirect_offsite": "a redirect to a host outside the allowed hosts, not followed",
    "duplicate": "a redirect to a URL this run has fetched already, not followed",
    "not_html": "the content type is not HTML: recorded, not parsed",
}
SKIPPED_OUTCOMES = frozenset({"robots_disallowed", "redirect_offsite", "not_html"})


@dataclass
class FetchStats:
    """Every request and every fetch outcome of a run, for the manifest."""

    requests: int = 0
    retries: int = 0
    replays: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    bytes: int = 0
    wire_bytes: int = 0
    seconds: float = 0.0
    robots: dict[str, dict[str, Any]] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "retries": self.retries,
            "replays": self.replays,
            "statuses": {str(code): n for code, n in sorted(self.statuses.items())},
            "outcomes": dict(sorted(self.outcomes.items())),
            "bytes": self.bytes,
            "wire_bytes": self.wire_bytes,
            "seconds": round(self.seconds, 3),
            "robots": self.robots,
        }
