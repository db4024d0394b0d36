"""Admin bearer tokens: named in config, secrets from the environment, scoped."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from calsync.config import load_config
from calsync.config.schema import ApiConfig
from calsync.errors import ConfigError
from calsync.runtime import Runtime
from calsync.web.app import create_app
from calsync.web.auth import AdminUser, SyncUser, authenticate, require_scope

ALICE = "alice-secret-0123456789abcdef"
ROBOT = "robot-secret-0123456789abcdef"

CONFIG = """
api:
  tokens:
    alice: {token: "${CALSYNC_TOKEN_ALICE}", scopes: [admin]}
    robot: {token: "${CALSYNC_TOKEN_ROBOT}", scopes: [sync]}
"""


def _app(runtime: Runtime) -> TestClient:
    app = create_app(runtime)
    router = APIRouter()

    @router.post("/test/admin")
    def admin_only(user: AdminUser) -> dict[str, str]:
        return {"user": user}

    @router.post("/test/sync")
    def sync_only(user: SyncUser) -> dict[str, str]:
        return {"user": user}

    @router.post("/test/alerts", dependencies=[Depends(require_scope("alerts"))])
    def alerts_only() -> dict[str, str]:
        return {"ok": "yes"}

    app.include_router(router)
    return TestClient(app)


@pytest.fixture
def client(write_config: Callable[..., Path], make_runtime: Callable[..., Runtime],
           sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("CALSYNC_TOKEN_ALICE", ALICE)
    monkeypatch.setenv("CALSYNC_TOKEN_ROBOT", ROBOT)
    return _app(make_runtime(write_config(CONFIG), sqlite_engine))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_missing_token_is_401_with_a_challenge(client: TestClient) -> None:
    response = client.post("/test/admin")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith('Bearer realm="calsync"')
    body = response.json()
    assert body["error"] == "Unauthorized" and "Authorization: Bearer" in body["message"]


def test_wrong_token_or_scheme_is_401(client: TestClient) -> None:
    wrong = client.post("/test/admin", headers=bearer(ALICE + "x"))
    assert wrong.status_code == 401
    assert 'error="invalid_token"' in wrong.headers["www-authenticate"]
    basic = client.post("/test/admin", headers={"Authorization": f"Basic {ALICE}"})
    assert basic.status_code == 401


def test_named_token_is_returned_for_attribution(client: TestClient) -> None:
    assert client.post("/test/admin", headers=bearer(ALICE)).json() == {"user": "alice"}
    assert client.post("/test/sync", headers=bearer(ROBOT)).json() == {"user": "robot"}
    # admin is a superset of every scope
    assert client.post("/test/sync", headers=bearer(ALICE)).json() == {"user": "alice"}
    assert client.post("/test/alerts", headers=bearer(ALICE)).status_code == 200


def test_wrong_scope_is_403(client: TestClient) -> None:
    for path in ("/test/admin", "/test/alerts"):
        response = client.post(path, headers=bearer(ROBOT))
        assert response.status_code == 403
        assert "robot" in response.json()["message"] and "scope" in response.json()["message"]


def test_no_tokens_configured_means_nothing_admin_is_reachable(
        write_config: Callable[..., Path], make_runtime: Callable[..., Runtime],
        sqlite_engine: Engine) -> None:
    client = _app(make_runtime(write_config("timezone: Europe/Stockholm\n"), sqlite_engine))
    response = client.post("/test/admin", headers=bearer(ALICE))
    assert response.status_code == 401
    assert "api.tokens" in client.post("/test/admin").json()["message"]


def test_authenticate_compares_every_token() -> None:
    api = ApiConfig.model_validate({"tokens": {"a": {"token": ALICE}, "b": {"token": ROBOT}}})
    assert authenticate(api, ALICE) == "a"
    assert authenticate(api, ROBOT) == "b"
    assert authenticate(api, "") is None
    assert authenticate(api, ALICE[:-1]) is None


def test_token_config_errors_have_lines(write_config: Callable[..., Path],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHORT", "abc")
    path = write_config("api:\n  tokens:\n    bob: {token: '${SHORT}', scopes: [root]}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    text = str(info.value)
    assert "config.yaml:3: api.tokens.bob: the token needs at least 16 characters" in text
    assert "'abc'" not in text  # the secret is never echoed
    path = write_config("api:\n  tokens:\n    bob: {token: '${SHORT}xxxxxxxxxxxxxxx', "
                        "scopes: [root]}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "api.tokens.bob.scopes: unknown scope(s) 'root'; known: admin" in str(info.value)
    path = write_config("api:\n  tokens:\n    eve: {token: '${UNSET_TOKEN_VAR}'}\n")
    config = load_config(path)  # read-only commands run without the API's secrets
    assert [str(p) for p in config.missing_secrets] == [
        "config.yaml:3: api.tokens.eve.token: environment variable UNSET_TOKEN_VAR is not set "
        "(referenced as ${UNSET_TOKEN_VAR})"]
    with pytest.raises(ConfigError) as info:  # the API cannot start without them
        config.require_secrets("the HTTP API")
    assert "config.yaml:3: api.tokens.eve.token: environment variable UNSET_TOKEN_VAR is not " \
           "set (referenced as ${UNSET_TOKEN_VAR}); the HTTP API needs it" in str(info.value)


def test_secret_is_not_in_repr(monkeypatch: pytest.MonkeyPatch,
                               write_config: Callable[..., Path]) -> None:
    monkeypatch.setenv("CALSYNC_TOKEN_ALICE", ALICE)
    monkeypatch.setenv("CALSYNC_TOKEN_ROBOT", ROBOT)
    config = load_config(write_config(CONFIG))
    assert ALICE not in repr(config) and ALICE not in config.model_dump_json()
