"""Raw responses kept as WARC (ISO 28500) files, read back, and replayed offline."""

from harvest.archive._reader import (
    WARC_SUFFIXES,
    ArchivedPage,
    ArchiveProblem,
    OnProblem,
    iter_archive,
)
from harvest.archive._transport import WarcReplayTransport, replay_transport
from harvest.archive._writer import DEFAULT_MAX_FILE_BYTES, WarcArchive, stored_headers

__all__ = [
    "DEFAULT_MAX_FILE_BYTES",
    "WARC_SUFFIXES",
    "ArchiveProblem",
    "ArchivedPage",
    "OnProblem",
    "WarcArchive",
    "WarcReplayTransport",
    "iter_archive",
    "replay_transport",
    "stored_headers",
]
