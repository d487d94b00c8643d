"""Times as the state stores them: UTC text of fixed width, so text order is time order."""

from __future__ import annotations

from datetime import UTC, datetime


def stamp(value: datetime) -> str:
    """A time as the state stores schedule times: UTC, fixed width, so text order is time order.

    >>> stamp(datetime(2026, 1, 1, 2, 30, tzinfo=UTC))
    '2026-01-01T02:30:00.000000Z'
    """
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def read_stamp(text: str) -> datetime:
    """A time written by ``stamp`` (or any ISO 8601 form with a zone) back.

    >>> read_stamp("2026-01-01T02:30:00Z") == datetime(2026, 1, 1, 2, 30, tzinfo=UTC)
    True
    """
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)
