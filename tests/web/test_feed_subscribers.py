"""Private feeds per person: one secret address per subscriber, created, listed and
revoked one at a time, from the admin API (SQLite and PostgreSQL; the CLI's side is in
tests/feeds/test_feeds_cli.py)."""

from __future__ import annotations

from tests.web.conftest import ADMIN, SYNCER, Project, bearer

BASE = "https://cal.example.org"


def _path(url: str) -> str:
    return url.removeprefix(BASE)


def test_each_subscriber_has_an_address_and_revoking_one_keeps_the_others(
        project: Project) -> None:
    client, admin = project.client, bearer(ADMIN)
    anna = client.post("/api/feeds/secret/tokens", json={"subscriber": "anna@example.org"},
                       headers=admin)
    assert anna.status_code == 201 and anna.json()["subscriber"] == "anna@example.org"
    bo = client.post("/api/feeds/secret/tokens", json={"subscriber": "Bo"}, headers=admin)
    shared = client.post("/api/feeds/secret/rotate-token", headers=admin).json()
    for token in (anna.json(), bo.json(), shared):
        assert client.get(_path(token["url"])).status_code == 200
    listed = client.get("/api/feeds/secret/tokens", headers=admin).json()
    assert [t["subscriber"] for t in listed] == ["Bo", "anna@example.org"]
    everything = client.get("/api/feeds/private", headers=admin).json()
    assert {t["subscriber"] for t in everything} == {None, "Bo", "anna@example.org"}

    gone = client.delete("/api/feeds/secret/tokens/anna@example.org", headers=admin)
    assert gone.status_code == 204
    assert client.get(_path(anna.json()["url"])).status_code == 404
    assert client.get(_path(bo.json()["url"])).status_code == 200
    assert client.get(_path(shared["url"])).status_code == 200
    again = client.delete("/api/feeds/secret/tokens/anna@example.org", headers=admin)
    assert again.status_code == 404 and "no subscriber" in again.json()["message"]


def test_subscriber_tokens_need_an_admin_and_a_private_feed(project: Project) -> None:
    client = project.client
    body = {"subscriber": "anna"}
    assert client.post("/api/feeds/secret/tokens", json=body).status_code == 401
    assert client.post("/api/feeds/secret/tokens", json=body,
                       headers=bearer(SYNCER)).status_code == 403
    public = client.post("/api/feeds/municipal/tokens", json=body, headers=bearer(ADMIN))
    assert public.status_code == 404 and "private feeds: secret" in public.json()["message"]
    assert client.post("/api/feeds/secret/tokens", json={"subscriber": " "},
                       headers=bearer(ADMIN)).status_code == 422
