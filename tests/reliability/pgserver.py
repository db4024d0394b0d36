"""A private PostgreSQL server for tests that restart the database (issue 17).

The machine's shared server (127.0.0.1:5432) is used by everyone and CI, so it is never
stopped: this starts a throwaway cluster from Debian's binaries (initdb into a temp dir,
`pg_ctl start` on a free port, unix socket in the same dir) that a test may stop and start
at will, and that is stopped and removed afterwards. initdb refuses to run as root, so
under root every server command runs as the `postgres` system user, owning the dir."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_PG
from tests.reliability.conftest import free_port

__all__ = ["PrivatePostgres", "find_bindir", "private_postgres"]


def find_bindir() -> Path | None:
    """The newest Debian PostgreSQL bin dir with initdb and pg_ctl, or None."""
    found = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb")
             if (p.parent / "pg_ctl").exists()]
    return max(found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
               default=None)


@dataclass
class PrivatePostgres:
    bindir: Path
    root: Path
    port: int
    user: str | None  # the system user the server runs as (None: this process's)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 120) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): "
                               f"{done.stdout}{done.stderr}\n{tail}")

    def initdb(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "--no-sync", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "start", "-w", "-t", "120", "-D", str(self.data),
                  "-l", str(self.root / "server.log"), "-o", options)

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "stop", "-w", "-t", "120", "-m", mode, "-D", str(self.data))

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


def _server_user() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres").pw_name
    except KeyError:
        return "nobody"


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A running private cluster; stopped (immediate) and removed afterwards. Skips when
    the binaries are missing, unless CALSYNC_REQUIRE_POSTGRES=1 (CI), where it fails."""
    bindir = find_bindir()
    if bindir is None:
        reason = "no PostgreSQL binaries under /usr/lib/postgresql/*/bin (initdb, pg_ctl)"
        if REQUIRE_PG:
            pytest.fail(f"{reason} (CALSYNC_REQUIRE_POSTGRES=1 makes PostgreSQL required)")
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="calsync-pg-", dir="/tmp"))
    user = _server_user()
    if user:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    server = PrivatePostgres(bindir, root, free_port(), user)
    try:
        server.initdb()
        server.start()
        yield server
    finally:
        if server.running():
            try:
                server.stop("immediate")
            except (RuntimeError, subprocess.TimeoutExpired):
                pid = (server.data / "postmaster.pid").read_text().split()[0]
                os.kill(int(pid), 9)
        shutil.rmtree(root, ignore_errors=True)
