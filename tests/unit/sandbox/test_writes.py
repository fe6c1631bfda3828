"""The write log."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sandbox.core import Write, WriteLog

AT = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def test_entries_since_reads_from_an_index_on() -> None:
    log = WriteLog()
    for n in range(3):
        log.record(Write("jira", "POST", f"/p/{n}", "", {"n": n}, AT, 201))
    assert [w.path for w in log.entries()] == ["/p/0", "/p/1", "/p/2"]
    assert [w.path for w in log.entries(2)] == ["/p/2"]
    assert log.entries(3) == []
    assert len(log) == 3
    with pytest.raises(ValueError):
        log.entries(-1)


def test_a_write_renders_as_json_with_a_utc_time() -> None:
    write = Write("hubspot", "PATCH", "/marketing/v3/campaigns/x", "a=1", {"properties": {}}, AT, 200)
    assert write.to_json() == {
        "system": "hubspot",
        "method": "PATCH",
        "path": "/marketing/v3/campaigns/x",
        "query": "a=1",
        "body": {"properties": {}},
        "at": "2027-01-04T09:00:00Z",
        "status": 200,
    }
