"""The pages the parse benchmark times: the recorded site and the real rand.org bodies.

Each page is read once, before any timing, with its URL and its kind (harvest's own
classification). The kind routes the baselines, as a spider's callback would.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harvest.fetch import url_for
from harvest.parse import PageKind, parse_page

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "fixtures" / "site"
REFERENCE = Path("/work/shared/reference/rand-html")
# The saved bodies carry no <link rel=canonical>; their URLs come from the README there.
REFERENCE_URLS = {
    "product_research_report_RRA2186-1_body_2025-12.html": (
        "https://www.rand.org/pubs/research_reports/RRA2186-1.html"
    ),
    "commentary_2025-12_china-is-worried-about-ai-job-losses_body.html": (
        "https://www.rand.org/pubs/commentary/2025/12/china-is-worried-about-ai-job-losses.html"
    ),
    "listing_pubs_start-0_body_2025-12.html": "https://www.rand.org/pubs.html?start=0",
}


@dataclass(frozen=True)
class Page:
    """One page to time: a short label for tables, its URL, bytes and kind."""

    label: str
    url: str
    body: bytes
    kind: PageKind
    source: str  # "site" (fixtures/site) or "reference" (real body, no <head>)


def load_pages(reference: Path = REFERENCE) -> list[Page]:
    """Every page of the recorded site, then the reference bodies when the folder exists."""
    pages = [_page(path, url_for(path), "site") for path in sorted(SITE.rglob("*.html*"))]
    if reference.is_dir():
        pages += [_page(reference / name, url, "reference") for name, url in REFERENCE_URLS.items()]
    return pages


def _page(path: Path, url: str | None, source: str) -> Page:
    if url is None:
        raise ValueError(f"no URL for {path}")
    body = path.read_bytes()
    kind = parse_page(url, body).kind
    label = url.removeprefix("https://www.rand.org/")
    if len(label) > 44:
        label = label[:41] + "..."
    return Page(f"ref:{label}" if source == "reference" else label, url, body, kind, source)
