"""Writing: atomic JSONL files and the run folder."""

from harvest.write.jsonl import AtomicFile, JsonlWriter, write_json
from harvest.write.run import FILES, RunWriter

__all__ = ["FILES", "AtomicFile", "JsonlWriter", "RunWriter", "write_json"]
