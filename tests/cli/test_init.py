"""`calsync init`: the starter set it writes is the repository's pilot (in an editable
install the package data links to it), it loads, and nothing is ever overwritten.
The wheel's copy of the same data is tested in tests/install."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from calsync.cli import cli
from calsync.config import load_config
from tests.conftest import REPO


def test_init_writes_the_pilot_and_its_schedules(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "new")])
    assert result.exit_code == 0, result.output
    assert "calsync check" in result.output
    site = tmp_path / "new"
    assert (site / "config.yaml").read_bytes() == (REPO / "config.yaml").read_bytes()
    for original in (REPO / "schedules").iterdir():
        assert (site / "schedules" / original.name).read_bytes() == original.read_bytes()
    config = load_config(site / "config.yaml")
    assert config.base_dir == site and "eu-cycles" in config.connectors


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("# mine\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["init", str(tmp_path)])
    assert result.exit_code == 1
    assert "never overwrites" in result.output and "config.yaml" in result.output
    assert (tmp_path / "config.yaml").read_text(encoding="utf-8") == "# mine\n"
    assert not (tmp_path / "schedules").exists()


def test_init_into_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "afile")])
    assert result.exit_code == 1 and "is a file, not a folder" in result.output
