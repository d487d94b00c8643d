"""Writing: atomic JSONL files and the run folder."""

from harvest.write._jsonl import AtomicFile, JsonlWriter, write_json
from harvest.write._run import FILES, RunWriter

__all__ = ["FILES", "AtomicFile", "JsonlWriter", "RunWriter", "write_json"]
