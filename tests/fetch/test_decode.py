"""Bounded Content-Encoding decoding: right bytes back, bombs stopped at the cap."""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest
from hypothesis import given
from hypothesis import strategies as st

from harvest.fetch._decode import BodyTooLargeError, BoundedDecoder, DecodeError

TEXT = b"<html><body>" + b"Security cooperation. " * 400 + b"</body></html>"
ENCODERS = {
    "gzip": gzip.compress,
    "x-gzip": gzip.compress,
    "deflate": zlib.compress,
    "br": brotli.compress,
    "identity": lambda data: data,
}


def _raw_deflate(data: bytes) -> bytes:
    encoder = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return encoder.compress(data) + encoder.flush()


def decode_in_chunks(encoding: str | None, data: bytes, limit: int, size: int = 1000) -> bytes:
    decoder = BoundedDecoder(encoding, limit)
    return b"".join(decoder.feed(data[i : i + size]) for i in range(0, len(data), size))


@pytest.mark.parametrize("encoding", sorted(ENCODERS))
def test_decodes_each_encoding_in_chunks(encoding: str) -> None:
    assert decode_in_chunks(encoding, ENCODERS[encoding](TEXT), limit=1 << 20) == TEXT


def test_decodes_raw_deflate_that_servers_send_for_deflate() -> None:
    assert decode_in_chunks("deflate", _raw_deflate(TEXT), limit=1 << 20) == TEXT


def test_undoes_stacked_encodings_in_reverse_order() -> None:
    body = brotli.compress(gzip.compress(TEXT))  # gzip applied first, then br
    assert decode_in_chunks("gzip, br", body, limit=1 << 20) == TEXT


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_a_bomb_stops_at_the_cap(encoding: str) -> None:
    bomb = ENCODERS[encoding](b"\0" * (32 << 20))  # 32 MiB of zeros in a few KiB
    decoder = BoundedDecoder(encoding, limit=1 << 20)
    produced = 0
    with pytest.raises(BodyTooLargeError, match="1048576"):
        for i in range(0, len(bomb), 16384):
            produced += len(decoder.feed(bomb[i : i + 16384]))
    assert produced <= 1 << 20  # never more than the cap was handed out


def test_an_exact_fit_is_accepted() -> None:
    assert decode_in_chunks("gzip", gzip.compress(b"x" * 5000), limit=5000) == b"x" * 5000
    with pytest.raises(BodyTooLargeError):
        decode_in_chunks("gzip", gzip.compress(b"x" * 5001), limit=5000)


def test_identity_bodies_are_bounded_too() -> None:
    with pytest.raises(BodyTooLargeError):
        decode_in_chunks(None, b"x" * 5001, limit=5000)


@pytest.mark.parametrize("encoding", ["zstd", "compress", "gzip, snappy"])
def test_an_unsupported_encoding_is_a_clear_error(encoding: str) -> None:
    with pytest.raises(DecodeError, match="unsupported content encoding"):
        BoundedDecoder(encoding, limit=1000)


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_garbage_in_a_compressed_body_is_a_decode_error(encoding: str) -> None:
    with pytest.raises(DecodeError):
        decode_in_chunks(encoding, b"this is not compressed at all" * 10, limit=1 << 20)


@given(
    data=st.binary(max_size=20000),
    encoding=st.sampled_from(sorted(ENCODERS)),
    chunk=st.integers(min_value=1, max_value=4096),
    limit=st.integers(min_value=0, max_value=30000),
)
def test_decoding_gives_the_body_or_refuses_it(
    data: bytes, encoding: str, chunk: int, limit: int
) -> None:
    body = ENCODERS[encoding](data)
    try:
        decoded = decode_in_chunks(encoding, body, limit, chunk)
    except BodyTooLargeError:
        assert len(data) > limit
    else:
        assert decoded == data and len(decoded) <= limit
