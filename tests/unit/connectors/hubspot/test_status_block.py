"""Tandem's engineering status on a HubSpot campaign: a block at the end of the notes, the marketer's text
kept, read back apart from the notes, and a person's edit of it noticed."""

from __future__ import annotations

from connectors.hubspot.status_block import block_text, split, status_line, with_block

VALUES = {
    "status": "at_risk",
    "items_done": "3",
    "items_total": "8",
    "size_done": "12",
    "size_total": "30",
    "forecast": "2027-03-10",
    "open_signals": "date_conflict,stalled",
    "dashboard": "https://tandem.acme.test/goals/c1",
}


def test_the_status_reads_as_one_line() -> None:
    assert status_line(VALUES) == "Engineering at risk: 3 of 8 items done (12 of 30 points); forecast 10 Mar 2027."


def test_no_finished_work_says_there_is_no_forecast_rather_than_never() -> None:
    assert "no work finished in the last weeks, so no forecast" in status_line({**VALUES, "forecast": "never"})


def test_the_block_lists_open_signals_and_the_goals_page() -> None:
    assert block_text(VALUES).splitlines()[1:] == [
        "Open: date conflict, stalled.",
        "Details: https://tandem.acme.test/goals/c1",
    ]


def test_the_block_goes_after_the_marketers_notes_which_stay_as_they_are() -> None:
    notes = with_block("Tracked in WEB-1.\nBudget approved.", VALUES)
    assert notes.startswith("Tracked in WEB-1.\nBudget approved.\n\n[Tandem · engineering status ")
    assert split(notes).own == "Tracked in WEB-1.\nBudget approved."


def test_writing_again_replaces_the_block_in_place() -> None:
    once = with_block("Notes.", VALUES)
    twice = with_block(once, {**VALUES, "items_done": "4"})
    assert twice.count("[Tandem · engineering status") == 1 and "4 of 8 items done" in twice
    assert split(twice).own == "Notes."


def test_empty_notes_hold_only_the_block() -> None:
    assert with_block(None, VALUES).startswith("[Tandem · engineering status ")
    assert split(with_block(None, VALUES)).own == ""


def test_notes_without_a_block_are_all_the_marketers() -> None:
    assert split("Tracked in WEB-1.") == split("Tracked in WEB-1.").__class__("Tracked in WEB-1.", None, False)


def test_a_block_tandem_wrote_is_not_edited() -> None:
    assert not split(with_block("Notes.", VALUES)).edited


def test_a_person_editing_the_block_is_noticed() -> None:
    edited = with_block("Notes.", VALUES).replace("3 of 8 items", "all items")
    assert split(edited).edited and split(edited).own == "Notes."


def test_the_status_line_gives_the_forecast_with_odds_in_words() -> None:
    odds = "About a 30 % chance of being ready for the 15 Mar 2027 launch; 85 % likely by 20 Mar 2027."
    assert status_line({**VALUES, "odds": odds}) == (
        "Engineering at risk: 3 of 8 items done (12 of 30 points). About a 30 % chance of being ready for the "
        "15 Mar 2027 launch; 85 % likely by 20 Mar 2027."
    )
