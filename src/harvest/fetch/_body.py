"""Reading a response body within the size bound, decoded as it arrives.

The bound holds for the bytes on the wire and for the decoded body alike, so
neither a large file nor a small decompression bomb gets into memory. A
declared Content-Length over the bound is refused before anything is read.
"""

from __future__ import annotations

import httpx

from harvest.errors import FetchError
from harvest.fetch._decode import BodyTooLargeError, BoundedDecoder, DecodeError
from harvest.fetch._stats import FetchStats


async def read_body(
    response: httpx.Response, url: str, limit: int, stats: FetchStats, keep: int | None = None
) -> bytes:
    """The decoded body, within ``limit`` bytes; ``keep``: read only its first bytes
    (robots.txt: RFC 9309 2.5 has crawlers use the first 500 KiB), never too large.
    FetchError ``too_large`` or ``bad_encoding`` when it cannot be had."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit and keep is None:
        raise _too_large(response, url, limit)
    if response.is_stream_consumed:  # built in memory (MockTransport, replay): no stream
        return _in_memory(response, url, limit, stats, keep)
    try:
        return await _streamed(response, limit, stats, keep)
    except BodyTooLargeError as exc:
        raise _too_large(response, url, limit) from exc
    except DecodeError as exc:
        raise FetchError(
            str(exc), url=url, status=response.status_code, outcome="bad_encoding"
        ) from exc


def _in_memory(
    response: httpx.Response, url: str, limit: int, stats: FetchStats, keep: int | None
) -> bytes:
    stats.wire_bytes += len(response.content)
    if keep is not None:
        return response.content[:keep]
    if len(response.content) > limit:
        raise _too_large(response, url, limit)
    return response.content


async def _streamed(
    response: httpx.Response, limit: int, stats: FetchStats, keep: int | None
) -> bytes:
    decoder = BoundedDecoder(response.headers.get("content-encoding"), limit)
    chunks, wire, kept = [], 0, 0
    async for chunk in response.aiter_raw():
        wire += len(chunk)
        stats.wire_bytes += len(chunk)
        if wire > limit:
            raise BodyTooLargeError(limit)
        chunks.append(decoder.feed(chunk))
        kept += len(chunks[-1])
        if keep is not None and kept >= keep:
            return b"".join(chunks)[:keep]  # the rest is not read: its connection goes
    return b"".join(chunks)


def _too_large(response: httpx.Response, url: str, limit: int) -> FetchError:
    return FetchError(
        f"body larger than {limit} bytes",
        url=url,
        status=response.status_code,
        outcome="too_large",
    )
