"""Malformed API input answers 4xx, never 5xx (issue 17 item 8, issue 13): every GET
operation of the OpenAPI schema, each parameter given hostile values, first a fixed list
(the values that answered 500 before: 0001-01-01, an empty `since`, huge durations,
40-digit ids, a 60 KB tag), then values hypothesis draws."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calsync.web.app import create_app
from tests.reliability.fuzzing import fuzz_examples
from tests.web.conftest import ADMIN, Project

HOSTILE = ["", " ", "0001-01-01", "0001-01-01T00:00:00", "9999-12-31", "9999-12-31T23:59:59Z",
           "P99999999Y", "P999999999999D", "PT99999999999999H", "-P1D", "P", "PT",
           "1" * 40, "-1", "0", "99999999999999999999", "1e308", "nan", "x" * 60_000,
           "\x00", "%00", "'; DROP TABLE events; --", "😀", "2026-02-30", "2026-11-29T25:00",
           "today", "*", "[", "\r\nX-Injected: 1"]


def operations(client: TestClient) -> list[tuple[str, list[dict[str, Any]]]]:
    schema = client.get("/openapi.json").json()
    found = []
    for path, item in schema["paths"].items():
        get = item.get("get")
        if get is not None:
            found.append((path, get.get("parameters", [])))
    return found


def request(client: TestClient, path: str, params: list[dict[str, Any]], name: str,
            value: str) -> int:
    url = path
    query: dict[str, str] = {}
    for param in params:
        if param["in"] == "path":
            url = url.replace("{" + param["name"] + "}",
                              quote(value, safe="") if param["name"] == name else "1")
        elif param["name"] == name:
            query[name] = value
    if "{" in url:  # a path parameter the schema does not list
        url = url.split("{")[0] + (quote(value, safe="") or "x")
    return client.get(url, params=query).status_code


@pytest.fixture
def client(project: Project) -> TestClient:
    """The project's app, answering errors as responses (as a real server does)."""
    return TestClient(create_app(project.runtime), raise_server_exceptions=False)


def test_every_get_parameter_with_hostile_values(client: TestClient) -> None:
    failures = []
    for path, params in operations(client):
        for param in params or [{"name": "_", "in": "query"}]:
            for value in HOSTILE:
                status = request(client, path, params, param["name"], value)
                if status >= 500:
                    failures.append((path, param["name"], value[:40], status))
    assert not failures, "\n".join(map(repr, failures))


VALUES = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=80),
                   st.integers().map(str), st.dates().map(str),
                   st.datetimes().map(lambda d: d.isoformat()),
                   st.from_regex(r"-?P(\d{1,14}[YMWD])?(T\d{1,14}[HMS])?", fullmatch=True))


def test_random_values_from_the_schema(client: TestClient) -> None:
    """Hypothesis draws (operation, parameter, value); CALSYNC_FUZZ_EXAMPLES sets how
    many (CI: 300; `scripts/fuzz` runs 10,000)."""
    ops = [(path, params, param["name"]) for path, params in operations(client)
           for param in params or [{"name": "_", "in": "query"}]]

    @settings(max_examples=fuzz_examples(300), deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(ops), VALUES)
    def check(op: tuple[str, list[dict[str, Any]], str], value: str) -> None:
        path, params, name = op
        status = request(client, path, params, name, value)
        assert status < 500, (path, name, value, status)

    check()


BAD_DAYS = ["0001-01-01", "9999-12-31", "0001-01-01T00:00:00", "9999-12-31T23:59:59",
            "+P99999Y", "-P9999Y", "", "x", "2026-02-30", "1" * 40]


def test_post_bodies_with_hostile_values(client: TestClient) -> None:
    """The write and what-if bodies the GET walk does not reach: a what-if moving an event
    to 0001-01-01 or 9999-12-31, or adding one there, answered 500 (OverflowError); a
    silence with times without an offset answered 503 "database unavailable"."""
    uid = client.get("/api/events").json()["items"][0]["uid"]
    bodies: list[tuple[str, Any]] = []
    for day in BAD_DAYS:
        bodies += [("/api/whatif", {"changes": [{"move": uid, "to": day}]}),
                   ("/api/whatif", {"changes": [{"move": uid, "to": f"2027-01-01..{day}"}]}),
                   ("/api/whatif", {"changes": [{"add": {"title": "x", "start": day}}]}),
                   ("/api/whatif", {"changes": [{"add": {"title": "x", "start": "2027-01-01",
                                                         "end": day}}]}),
                   ("/api/silences", {"matchers": [{"name": "alertname", "value": "R1"}],
                                      "startsAt": day, "endsAt": "2027-02-01T00:00:00",
                                      "comment": "c"})]
    for value in HOSTILE[:12]:
        bodies.append(("/api/whatif", {"changes": [{"move": value, "to": "2027-01-01"}]}))
    admin = {"Authorization": f"Bearer {ADMIN}"}
    failures = [(path, body, response.status_code) for path, body in bodies
                if (response := client.post(path, json=body, headers=admin)).status_code >= 500]
    assert not failures, "\n".join(map(repr, failures))
