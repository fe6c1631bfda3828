"""What a dead letter says about the record it stands for."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime

from streams.deadletter import dead_letter_for

AT = datetime(2027, 1, 4, 9, tzinfo=UTC)


@dataclass
class Message:
    topic: str = "tandem.workitems"
    partition: int = 3
    offset: int = 42
    key: bytes | None = b"WEB-9"
    value: bytes | None = b"{broken"


def test_a_dead_letter_names_its_origin_and_error() -> None:
    letter = dead_letter_for(Message(), "workitem-intake", ValueError("not JSON"), AT)
    assert (letter.topic, letter.partition, letter.offset, letter.agent) == (
        "tandem.workitems",
        3,
        42,
        "workitem-intake",
    )
    assert (letter.error_type, letter.error, letter.key, letter.value) == ("ValueError", "not JSON", "WEB-9", "{broken")
    assert letter.failed_at == AT


def test_a_binary_value_is_kept_as_base64() -> None:
    letter = dead_letter_for(Message(value=b"\xff\x00"), "a", ValueError("x"), AT)
    assert letter.value is None and base64.b64decode(letter.value_base64 or "") == b"\xff\x00"


def test_a_huge_error_message_is_cut() -> None:
    letter = dead_letter_for(Message(), "a", ValueError("x" * 10_000), AT)
    assert len(letter.error) == 2000
