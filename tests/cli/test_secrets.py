"""Secrets where they are used: with `api.tokens` written as `${CALSYNC_TOKEN_…}` and the
variables unset, every read-only command runs; `serve` (the one command that admits
tokens) refuses with exit 2, naming each missing variable at its line."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from calsync.cli import cli

REPO = Path(__file__).resolve().parents[2]

TOKENS = """\
api:
  tokens:
    ops: {token: "${CALSYNC_TOKEN_OPS}", scopes: [admin]}
    robot: {token: "${CALSYNC_TOKEN_ROBOT}", scopes: [sync]}
"""


def test_read_only_commands_run_without_the_apis_secrets(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(TOKENS + (REPO / "config.yaml").read_text(encoding="utf-8"),
                      encoding="utf-8")
    shutil.copytree(REPO / "schedules", tmp_path / "schedules")
    env = {"CALSYNC_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}",
           "CALSYNC_CONFIG": str(config), "COLUMNS": "200",
           "CALSYNC_TOKEN_OPS": None, "CALSYNC_TOKEN_ROBOT": None}

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, list(args), env=env)
        return result.exit_code, result.output

    code, out = run("check")
    assert code == 0, out
    assert f"{config}:3: api.tokens.ops.token: environment variable CALSYNC_TOKEN_OPS is " \
           "not set" in out and "`calsync serve` refuses to start" in out
    for args in (["db", "upgrade"], ["sync", "--connector", "eu-cycles"], ["sources"],
                 ["timeline", "--from", "2026-01-01", "--to", "2026-12-31"], ["feeds"],
                 ["alerts"], ["evaluate", "--dry-run"]):
        code, out = run(*args)
        assert code == 0, (args, out)
    code, out = run("serve", "--port", "1", "--no-scheduler")
    assert code == 2
    assert f"{config}:3: api.tokens.ops.token: environment variable CALSYNC_TOKEN_OPS" in out
    assert f"{config}:4: api.tokens.robot.token: environment variable CALSYNC_TOKEN_ROBOT" \
        in out and "serve" in out
    assert "serving on" not in out
