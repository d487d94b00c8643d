"""The typed manifest and the outcome words: the JSON written stays what readers know."""

from __future__ import annotations

import json

from harvest.errors import SKIPPED_FETCHES, FetchOutcome, PageOutcome, RunOutcome
from harvest.fetch import OUTCOMES, SKIPPED_OUTCOMES
from harvest.manifest import Counts, Manifest


def test_the_fetch_outcomes_are_the_fetchers_words() -> None:
    assert [outcome.value for outcome in FetchOutcome] == list(OUTCOMES)
    assert SKIPPED_FETCHES == SKIPPED_OUTCOMES


def test_outcomes_are_written_as_their_words() -> None:
    assert json.dumps([RunOutcome.COMPLETE, PageOutcome.FETCH_FAILED]) == (
        '["complete", "fetch_failed"]'
    )


def test_a_manifest_writes_the_fields_its_run_set_null_included_in_declared_order() -> None:
    manifest = Manifest(
        run_id="r",
        harvest_version="0",
        schema_version="1",
        outcome=RunOutcome.INTERRUPTED,
        started_at="t",
        counts=Counts(pages=1, new=1, records={"publication": 1}),
        pages_per_s=None,
        command="reparse",  # given late, written where it belongs
        interrupted_by="SIGTERM",
    )
    written = manifest.to_json()
    assert list(written) == [
        "run_id",
        "harvest_version",
        "schema_version",
        "command",
        "outcome",
        "interrupted_by",
        "started_at",
        "counts",
        "pages_per_s",
    ]
    assert written["outcome"] == "interrupted" and written["pages_per_s"] is None
    assert written["counts"] == {"pages": 1, "new": 1, "records": {"publication": 1}}


def test_fields_added_later_are_written_after_the_others() -> None:
    manifest = Manifest(
        run_id="r",
        harvest_version="0",
        schema_version="1",
        outcome=RunOutcome.COMPLETE,
        started_at="t",
        counts=Counts(pages=0),
        max_error_rate=1,
    )
    later = manifest.with_fields(drift={"alarms": []})
    assert list(later.to_json())[-1] == "drift" and "drift" not in manifest.to_json()
    assert later.to_json()["max_error_rate"] == 1  # a setting is written as given
