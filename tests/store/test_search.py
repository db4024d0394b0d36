"""Text search as people type it: the Swedish titles the calendars show, any case, words
in any order, on SQLite and PostgreSQL, through the pilot (config -> schedules connector
-> sync -> store -> `/api/events?q=`) and on a store migrated from before the search
text existed."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select

from calsync.runtime import Runtime
from calsync.store.engine import make_engine, upgrade
from calsync.store.events import list_events
from calsync.store.tables import events
from calsync.web.app import create_app
from tests.pilotdb import pilot  # noqa: F401  (the fixture)


def _titles(client: TestClient, q: str) -> list[str]:
    """The Swedish titles (of built-in steps: `title.sv`) of what `q` finds."""
    answer = client.get("/api/events", params={"q": q, "limit": 200})
    assert answer.status_code == 200, answer.text
    return [e["attrs"].get("title.sv") or e["title"] for e in answer.json()["items"]]


def test_the_api_finds_the_swedish_titles_people_read(pilot: Runtime) -> None:  # noqa: F811
    with TestClient(create_app(pilot)) as client:
        plan = _titles(client, "åtgärdsplan för negativa")
        assert plan == ["Åtgärdsplan för negativa balanskravsresultat"]
        assert _titles(client, "ÅTGÄRDSPLAN balanskravsresultat") == plan  # any case
        assert _titles(client, "negativa åtgärdsplan,") == plan  # any order, punctuation
        english = _titles(client, "action plan restoring")
        assert english == plan  # the English words find it too, shown in Swedish
        bill = _titles(client, "budgetpropositionen 2028")
        assert bill == ["Budgetpropositionen för 2028 och höständringsbudget (senast 20 september)",
                        "Allmänna motionstiden om budgetpropositionen för 2028"]
        assert _titles(client, "budgetpropositionen 2028 nonexistentword") == []
        assert _titles(client, "100%") == []  # `%` is a letter, not a wildcard


def _row(uid: str, title: str, attrs: dict[str, str]) -> dict[str, object]:
    at = datetime(2027, 3, 1, tzinfo=UTC)
    return {"uid": uid, "source": "old", "external_uid": uid, "level": "regional",
            "actor": "Region Västerbotten", "kind": "decision", "title": title,
            "description": "", "tags": "", "attrs": attrs, "all_day": True,
            "start_at": at, "end_at": None, "timezone": "Europe/Stockholm",
            "status": "confirmed", "sequence": 0, "content_hash": uid,
            "first_seen": at, "last_seen": at, "updated_at": at}


def test_a_store_from_before_the_search_text_gets_it(db_url: str) -> None:
    """Rows written before migration 0018 are found after it (the migration fills their
    search text); the insert names only the columns of revision 0017."""
    engine: Engine = make_engine(db_url)
    try:
        upgrade(engine, "0017_alert_texts_digest")
        with engine.begin() as conn:
            conn.execute(insert(events), [
                _row("a", "Action plan", {"title.sv": "Åtgärdsplan"}),
                _row("b", "Översiktsplan 2040", {}),
                _row("c", "Budget 2028", {"body": "Regionfullmäktige"})])
        upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(select(events.c.search_text).where(events.c.uid == "a")
                                ).scalar_one() == "region västerbotten\naction plan\nåtgärdsplan"
            found = {q: [e.uid for e in list_events(conn, q=q)]
                     for q in ("åtgärdsplan", "ÖVERSIKTSPLAN", "regionfullmäktige budget",
                               "västerbotten", "plan")}
        assert found == {"åtgärdsplan": ["a"], "ÖVERSIKTSPLAN": ["b"],
                         "regionfullmäktige budget": ["c"], "västerbotten": ["a", "b", "c"],
                         "plan": ["a", "b"]}
    finally:
        engine.dispose()
