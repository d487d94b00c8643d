"""Table tests for harvest.normalize._sizes.parse_size (1 KB = 1024 bytes)."""

from __future__ import annotations

import pytest

from harvest.normalize._sizes import parse_size

KB, MB, GB, TB = 1024, 1024**2, 1024**3, 1024**4

ROWS: list[tuple[str | None, int | None]] = [
    ("0.3 MB", round(0.3 * MB)),
    ("0.3MB", round(0.3 * MB)),
    ("0,3 MB", round(0.3 * MB)),
    ("PDF file 0.3 MB", round(0.3 * MB)),
    ("(850 KB)", 850 * KB),
    ("1,024 KB", 1024 * KB),
    ("2 GB", 2 * GB),
    ("1 TB", TB),
    ("1.5 GiB", round(1.5 * GB)),
    ("12 MiB", 12 * MB),
    ("850 KiB", 850 * KB),
    ("3 kb", 3 * KB),
    ("4 Kb", 4 * KB),
    ("0.3 mb", round(0.3 * MB)),
    ("20 B", 20),
    ("512 bytes", 512),
    ("1 byte", 1),
    ("0 bytes", 0),
    ("1,234,567 bytes", 1234567),
    ("12 megabytes", 12 * MB),
    ("PDF (1.2 MB) EPUB (700 KB)", round(1.2 * MB)),
    ("Download: 17.6 MB", round(17.6 * MB)),
    ("0.0005 KB", 1),
    ("0.3", None),
    ("MB", None),
    ("-0.3 MB", None),
    ("size unknown", None),
    ("5 MBps", None),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("text", "expected"), ROWS, ids=[repr(r[0]) for r in ROWS])
def test_parse_size(text: str | None, expected: int | None) -> None:
    assert parse_size(text) == expected
