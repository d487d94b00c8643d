"""Content-Encoding decoding that never produces more than a limit (no decompression bombs).

httpx decodes a whole network chunk at once, so 64 KiB of gzip can become
64 MiB in memory before anyone counts it. Here every decompressor is asked for
at most one byte more than the room left, and the body is refused the moment
the limit is passed.
"""

from __future__ import annotations

import zlib
from typing import Protocol

import brotli

ACCEPT_ENCODING = "gzip, deflate, br"


class BodyTooLargeError(Exception):
    """The (decoded) body passed the limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"body larger than {limit} bytes")
        self.limit = limit


class DecodeError(Exception):
    """The body is not valid in its declared Content-Encoding."""


class _Step(Protocol):
    def feed(self, data: bytes, room: int) -> bytes: ...


class _Identity:
    def feed(self, data: bytes, room: int) -> bytes:
        return data


class _Zlib:
    """gzip (wbits 16+15), zlib-wrapped deflate (15), or raw deflate (-15) as a fallback."""

    def __init__(self, wbits: int) -> None:
        self._wbits = wbits
        self._decoder = zlib.decompressobj(wbits)
        self._started = False

    def feed(self, data: bytes, room: int) -> bytes:
        try:
            out = self._decoder.decompress(data, room + 1)
        except zlib.error as exc:
            if self._wbits == zlib.MAX_WBITS and not self._started:  # servers send raw deflate
                self._wbits = -zlib.MAX_WBITS
                self._decoder = zlib.decompressobj(self._wbits)
                return self.feed(data, room)
            raise DecodeError(f"invalid compressed body: {exc}") from exc
        self._started = True
        return out


class _Brotli:
    def __init__(self) -> None:
        self._decoder = brotli.Decompressor()

    def feed(self, data: bytes, room: int) -> bytes:
        try:
            return bytes(self._decoder.process(data, output_buffer_limit=room + 1))
        except brotli.error as exc:
            raise DecodeError(f"invalid brotli body: {exc}") from exc


def _step(coding: str) -> _Step:
    if coding in ("", "identity"):
        return _Identity()
    if coding in ("gzip", "x-gzip"):
        return _Zlib(16 + zlib.MAX_WBITS)
    if coding == "deflate":
        return _Zlib(zlib.MAX_WBITS)
    if coding == "br":
        return _Brotli()
    raise DecodeError(f"unsupported content encoding {coding!r}")


class BoundedDecoder:
    """Undo a Content-Encoding chunk by chunk, refusing to produce more than ``limit`` bytes.

    >>> decoder = BoundedDecoder("gzip", limit=1000)
    >>> import gzip; decoder.feed(gzip.compress(b"x" * 10))
    b'xxxxxxxxxx'
    >>> BoundedDecoder("gzip", limit=1000).feed(gzip.compress(b"x" * 5000))
    Traceback (most recent call last):
    ...
    harvest.fetch._decode.BodyTooLargeError: body larger than 1000 bytes
    """

    def __init__(self, content_encoding: str | None, limit: int) -> None:
        codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
        # Encodings are listed in the order applied, so they are undone in reverse.
        self._steps = [_step(c) for c in reversed(codings) if c not in ("", "identity")]
        self.limit = limit
        self.size = 0

    def feed(self, data: bytes) -> bytes:
        """The decoded bytes of the next chunk (BodyTooLargeError past the limit)."""
        room = self.limit - self.size
        for step in self._steps:  # every stage is bounded, intermediate ones too
            data = step.feed(data, room)
            if len(data) > room:
                raise BodyTooLargeError(self.limit)
        if len(data) > room:
            raise BodyTooLargeError(self.limit)
        self.size += len(data)
        return data
