"""Resolve and canonicalize http(s) URLs found in pages.

``normal_url`` gives one spelling per URL by the rules every site shares:
lowercase scheme and host, no default port, no fragment, ``/`` for an empty path,
tracking parameters (``utm_*``, ``fbclid``, ``gclid``) removed and the rest of the
query kept in order. Percent-encoding is kept as is; only literal whitespace in the
path or query is percent-encoded. A site's own rules (a CMS prefix that spells the
same page another way) are its own: ``harvest.sites.canonical_url`` applies them on
top, and is what harvest keys pages by.
"""

from __future__ import annotations

import html
import ipaddress
import re
from collections.abc import Collection
from functools import lru_cache
from urllib.parse import SplitResult, quote, urljoin, urlsplit, urlunsplit

_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_TRACKING = re.compile(r"(?:utm_.*|fbclid|gclid)", re.IGNORECASE)
_INVISIBLE = re.compile(r"[\t\n\r]")
_SPACE = re.compile(r"\s")


def _split(url: str | None) -> SplitResult | None:
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return None
    return parts


def is_http_url(url: str | None) -> bool:
    """Say whether *url* is an absolute http(s) URL with a host.

    >>> is_http_url("https://www.rand.org/pubs.html")
    True
    >>> is_http_url("mailto:a@rand.org"), is_http_url("/pubs.html")
    (False, False)
    """
    parts = _split(url)
    return bool(parts and parts.scheme.lower() in _SCHEMES and parts.hostname)


def host_of(url: str | None) -> str | None:
    """Return the lowercase host of *url*, without port, or None.

    >>> host_of("https://WWW.Rand.org:443/pubs.html")
    'www.rand.org'
    """
    parts = _split(url)
    return parts.hostname if parts and parts.hostname else None


Origin = tuple[str, str, int]  # scheme, host, port
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str | None) -> Origin | None:
    """(scheme, host, port) of *url*, the port made explicit; None when not http(s).

    >>> origin_of("https://WWW.Rand.org/pubs.html"), origin_of("http://x.org:8080/")
    (('https', 'www.rand.org', 443), ('http', 'x.org', 8080))
    """
    parts = _split(url)
    if not parts or not parts.hostname or parts.scheme not in _DEFAULT_PORTS:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    return parts.scheme, parts.hostname, port or _DEFAULT_PORTS[parts.scheme]


def in_scope_origin(url: str, hosts: Collection[str], origins: Collection[Origin]) -> bool:
    """An allowed host on its scheme's default port, or exactly one of ``origins``
    (the seeds' own, such as a test server's port).

    >>> hosts, seeds = {"www.rand.org"}, {("http", "www.rand.org", 8080)}
    >>> [in_scope_origin(u, hosts, seeds) for u in ("https://www.rand.org/a",
    ...  "http://www.rand.org:8080/b", "http://www.rand.org:22/", "https://www.rand.org:8080/")]
    [True, True, False, False]
    """
    origin = origin_of(url)
    if origin is None or origin[1] not in hosts:
        return False
    return origin[2] == _DEFAULT_PORTS[origin[0]] or origin in origins


def _encode_spaces(text: str) -> str:
    return _SPACE.sub(lambda m: quote(m.group()), text)


def _query(query: str) -> str:
    pairs = [p for p in query.split("&") if p]
    return "&".join(p for p in pairs if not _TRACKING.fullmatch(p.partition("=")[0]))


def _netloc(parts: SplitResult, scheme: str, host: str) -> str:
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None and parts.port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{parts.port}"
    userinfo, at, _ = parts.netloc.rpartition("@")
    return f"{userinfo}@{netloc}" if at else netloc


def normal_url(url: str | None) -> str | None:
    """Return the normal form of an absolute http(s) URL, or None.

    >>> normal_url("HTTPS://WWW.RAND.ORG:443/pubs.html?start=12#list")
    'https://www.rand.org/pubs.html?start=12'
    >>> normal_url("http://example.org?utm_source=x&q=1")
    'http://example.org/?q=1'
    >>> normal_url("ftp://example.org/") is None
    True
    """
    if not isinstance(url, str):
        return None
    # Most links are normal already (a path on a site, without query, fragment or
    # space): that is checked for ~1 µs, where the full path takes ~4 µs.
    if is_normal(url):
        return url
    # Pages repeat the same links (navigation, people, topics): remember answers. A few
    # thousand hold those; more only holds one-off publication URLs, and costs memory
    # in every process (~0.3 KB an entry: 16,384 entries made a reparse's workers grow
    # by 5 MiB each between 10,000 and 50,000 pages).
    return normal(url)


def is_normal(url: str) -> bool:
    """True when ``normal(url) == url`` is known without computing it.

    That holds for ``origin + path`` where ``normal`` leaves the origin (scheme
    and netloc) as it is, and the path has nothing it changes: no query or fragment
    to edit or drop, no whitespace to encode or strip (the test suite holds this to
    ``normal`` with Hypothesis). False: not known.
    """
    if not url.startswith(("https://", "http://")):
        return False
    slash = url.find("/", 8)
    if slash < 0 or "?" in url or "#" in url or _SPACE.search(url) is not None:
        return False
    return _is_normal_origin(url[:slash])


@lru_cache(maxsize=64)
def _is_normal_origin(origin: str) -> bool:
    """Whether ``normal`` leaves ``origin`` (scheme://netloc, no path) as it is."""
    return normal(origin + "/") == origin + "/"


@lru_cache(maxsize=4096)
def normal(url: str) -> str | None:
    """``normal_url`` computed in full, without its shortcut (answers remembered)."""
    parts = _split(url)
    if parts is None or parts.scheme.lower() not in _SCHEMES or not parts.hostname:
        return None
    scheme, host = parts.scheme.lower(), parts.hostname
    path = _encode_spaces(parts.path or "/")
    query = _encode_spaces(_query(parts.query))
    try:
        return urlunsplit((scheme, _netloc(parts, scheme, host), path, query, ""))
    except ValueError:
        return None


def join_url(href: str | None, base: str) -> str | None:
    """Resolve *href* against *base* and return its normal form, or None.

    Empty and fragment-only hrefs and non-http(s) schemes give None.

    >>> join_url("/pubs/research_reports/RR1234.html?a=1&amp;b=2", "https://www.rand.org/")
    'https://www.rand.org/pubs/research_reports/RR1234.html?a=1&b=2'
    >>> join_url("javascript:void(0)", "https://www.rand.org/") is None
    True
    """
    if not isinstance(href, str) or not isinstance(base, str):
        return None
    href = _INVISIBLE.sub("", html.unescape(href.strip()))
    if not href or href.startswith("#"):
        return None
    if href.startswith("/") and not href.startswith("//") and "/." not in href:
        # The common case, a path on the same site: it has no scheme to check (nor a
        # netloc urlsplit could refuse), and needs no urljoin.
        return normal_url(_origin(base) + href)
    parts = _split(href)
    if parts is None or (parts.scheme and parts.scheme.lower() not in _SCHEMES):
        return None
    try:
        joined = urljoin(base, href)
    except ValueError:
        return None
    return normal_url(joined)


@lru_cache(maxsize=1024)
def _origin(base: str) -> str:
    """``scheme://netloc`` of ``base`` (what an absolute-path reference keeps)."""
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}"


def is_ip_literal(host: str) -> bool:
    """True for an IPv4 or IPv6 address (brackets allowed), not a name."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
