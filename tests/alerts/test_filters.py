"""Alerts filtered by actor, organisation and level on the synced pilot (frozen clock),
through `calsync alerts` and `GET /api/alerts`: an alert is kept when its subject or its
object event matches; bad names are exit 2 / 422."""

from __future__ import annotations

import json

from click.testing import CliRunner
from fastapi.testclient import TestClient

from calsync.cli import cli
from calsync.runtime import Runtime
from calsync.web.app import create_app
from tests.pilotdb import pilot

__all__ = ["pilot"]


def alerts(runtime: Runtime, *args: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(cli, ["alerts", *args, "--format", "json"],
                                obj={"runtime": runtime})
    assert result.exit_code == 0, result.output
    found: list[dict[str, object]] = json.loads(result.output)
    return found


def involved(alert: dict[str, object], field: str) -> set[str]:
    evidence = alert["evidence"]
    assert isinstance(evidence, dict)
    return {side[field] for side in (evidence["subject"], evidence["object"]) if side}


def test_by_organisation_actor_and_level_in_the_cli_and_the_api(pilot: Runtime) -> None:
    everything = alerts(pilot)
    assert len(everything) > 3
    region = alerts(pilot, "--org", "Region Västerbotten")
    assert region and len(region) < len(everything)
    assert all("Region Västerbotten" in involved(a, "actor") for a in region)
    # the R13 finding involves the region and the government: found by either side
    national = alerts(pilot, "--level", "national")
    assert national and all("national" in involved(a, "level") for a in national)
    assert {a["id"] for a in national} <= {a["id"] for a in region}
    by_actor = alerts(pilot, "--actor", "Regeringen*")
    assert [a["id"] for a in by_actor] == [a["id"] for a in national]
    skelleftea = alerts(pilot, "--org", "Skellefteå kommun", "--level", "municipal")
    assert skelleftea and all(involved(a, "actor") == {"Skellefteå kommun"}
                              for a in skelleftea)
    both = alerts(pilot, "--org", "Skellefteå kommun,Umeå kommun")
    assert len(both) == len(skelleftea) + len(alerts(pilot, "--org", "Umeå kommun"))
    assert alerts(pilot, "--org", "Skellefteå kommun", "--level", "national") == []
    # the group's own options are the list's
    result = CliRunner().invoke(cli, ["alerts", "list", "--org", "Region Västerbotten",
                                      "--format", "json"], obj={"runtime": pilot})
    assert [a["id"] for a in json.loads(result.output)] == [a["id"] for a in region]
    client = TestClient(create_app(pilot))
    for params, expected in (({"org": "Region Västerbotten"}, region),
                             ({"level": "national"}, national),
                             ({"actor": "Regeringen*"}, by_actor),
                             ({"org": "Skellefteå kommun", "level": "municipal"}, skelleftea)):
        api = client.get("/api/alerts", params=params).json()
        assert [a["id"] for a in api["alerts"]] == [a["id"] for a in expected], params
        assert api["count"] == len(expected)


def test_unknown_names_are_exit_2_and_422(pilot: Runtime) -> None:
    result = CliRunner().invoke(cli, ["alerts", "--org", "Atlantis"], obj={"runtime": pilot})
    assert result.exit_code == 2 and "Atlantis" in result.output and "Umeå kommun" in \
        result.output
    result = CliRunner().invoke(cli, ["alerts", "--level", "galactic"], obj={"runtime": pilot})
    assert result.exit_code == 2 and "galactic" in result.output
    client = TestClient(create_app(pilot))
    response = client.get("/api/alerts", params={"org": "Atlantis"})
    assert response.status_code == 422 and "Atlantis" in response.text
    response = client.get("/api/alerts", params={"level": "galactic"})
    assert response.status_code == 422 and "galactic" in response.text
