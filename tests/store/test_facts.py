"""The rules' bulk read of the events table (`calsync.store.facts.iter_facts`): what it
decodes straight from the driver is what was stored, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, text

from calsync.model import EventFacts, Status
from calsync.store.facts import iter_facts
from tests.rules.timelines import data, store


def _facts(engine: Engine, **kw: bool) -> dict[str, EventFacts]:
    with engine.connect() as conn:
        return {f.external_uid: f for f in iter_facts(conn, **kw)}


def test_stored_events_come_back_as_their_facts(engine: Engine) -> None:
    ids = store(engine, [
        data("a", "A", "2026-03-01T10:00:00+01:00", "2026-03-01T11:30:00+01:00",
             attrs={"org": "x", "programme": "ESF+"}, tags=("call", "co-financing")),
        data("b", "B", "2026-03-02", attrs={"org": "x", "programme": "ESF+"}),
        data("c", "C", "2026-03-03T09:00:00+01:00"),
        data("d", "D", "2026-03-04", status=Status.CANCELLED)])
    found = _facts(engine)
    assert sorted(found) == ["a", "b", "c"]  # cancelled ones only when asked for
    a, b, c = found["a"], found["b"], found["c"]
    assert isinstance(a, EventFacts) and a.id == ids["a"] and a.title == "A"
    assert (a.start, a.end) == (int(datetime(2026, 3, 1, 9, tzinfo=UTC).timestamp()),
                                int(datetime(2026, 3, 1, 10, 30, tzinfo=UTC).timestamp()))
    assert (a.all_day, a.tags, a.attrs) == (False, ("call", "co-financing"),
                                            {"org": "x", "programme": "ESF+"})
    assert (b.all_day, b.start, b.tags) == (True, int(datetime(2026, 3, 2, tzinfo=UTC)
                                                      .timestamp()), ())
    assert b.attrs == a.attrs
    assert (c.end, c.attrs, c.sequence) == (None, {}, 0)
    assert _facts(engine, cancelled=True)["d"].status == "cancelled"


def test_attrs_another_writer_encoded_are_read_as_json_loads_reads_them(
        sqlite_engine: Engine) -> None:
    """The decoder skips `json.loads`'s checks for blanks around the encoder's own text;
    a text with leading blanks (a hand-written row, another tool) still reads."""
    ids = store(sqlite_engine, [data("a", "A", "2026-03-01"), data("b", "B", "2026-03-02")])
    with sqlite_engine.begin() as conn:
        conn.execute(text("UPDATE events SET attrs = :v WHERE id = :id"),
                     {"v": ' \n{"org": "y"} ', "id": ids["a"]})
        conn.execute(text("UPDATE events SET attrs = 'null' WHERE id = :id"), {"id": ids["b"]})
    found = _facts(sqlite_engine)
    assert (found["a"].attrs, found["b"].attrs) == ({"org": "y"}, {})
