"""Splitting iCal payloads into keyed groups: what the "parse only what changed" rests on."""

from __future__ import annotations

from calsync.sdk.ingest.icalsplit import split_calendar, split_records

CAL = """BEGIN:VCALENDAR\r
PRODID:-//t//EN\r
BEGIN:VEVENT\r
UID:a\r
DESCRIPTION:mentions END:VEVENT and BEGIN:VEVENT inline\r
DTSTART:20270101T090000Z\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:b\r
DTSTART:20270102T090000Z\r
RRULE:FREQ=DAILY;COUNT=2\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:b\r
RECURRENCE-ID:20270103T090000Z\r
DTSTART:20270103T100000Z\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_groups_by_uid_and_ignores_markers_inside_values() -> None:
    groups = split_calendar(CAL)
    assert [(g.uid, len(g.blocks), g.recurring) for g in groups] == [
        ("a", 1, False), ("b", 2, True)]
    assert groups[0].blocks[0].endswith("END:VEVENT\r\n")


def test_keys_change_only_for_the_changed_group_or_context() -> None:
    before = [r.key for r in split_records(CAL)]
    edited = [r.key for r in split_records(CAL.replace("20270102T090000Z",
                                                       "20270102T100000Z"))]
    assert before[0] == edited[0] and before[1] != edited[1]
    context = [r.key for r in split_records(CAL.replace(
        "PRODID:-//t//EN\r\n", "PRODID:-//t//EN\r\nX-WR-TIMEZONE:Europe/Stockholm\r\n"))]
    assert set(context).isdisjoint(before)


def test_lower_case_producers_and_folded_uids() -> None:
    text = "begin:vcalendar\nbegin:vevent\nUID:very-long-\n id@example\ndtstart:20270101\n" \
           "end:vevent\nend:vcalendar\n"
    [group] = split_calendar(text)
    assert group.uid == "very-long-id@example"
