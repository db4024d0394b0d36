"""Reloading config in a running instance, and in every instance that shares its database.

One path for all three triggers (SIGHUP, `calsync reload`, `POST /api/config/reload`):
`Reloader.reload` reads the config file again, validates it completely (the same
`load_config` and connector checks as start-up, plus what each part of this process
needs: the API's token secrets for `serve`, a schedule for every job for the scheduler),
and only then applies it. Applying is a swap of one object: each part (`Applier`) is
handed the new `Runtime` and replaces its reference in one assignment, so a request in
flight finishes on the runtime it started with and the next one gets the new one; nothing
stops, no socket closes. An invalid config changes nothing: the old one keeps serving,
the problems (file:line) go to the log, to `GET /api/config`, to `/healthz` and to
whoever asked.

Several instances: a reload that one instance applied (or `calsync reload` validated)
records a new *generation* in the database (`calsync.store.reloads`); every instance polls
the newest generation every `POLL` seconds and, when it grows, reloads its own file and
writes its answer (applied, or refused and why) to its row. Why the database and not a
poll of the file's hash: the database is the one thing every instance already shares (a
worker on another host has its own copy of the file and no HTTP port), a generation is
explicit (a half-saved file or an edit that is not finished never goes live by itself),
it covers the files the config names (schedules) as well as config.yaml, and the answers
in the same place let `calsync reload` say which instance applied what, or refused why.
The poll is one indexed read per instance every few seconds.

What a reload cannot change: the database (the engine and its pool stay), the address
the server listens on. A new `database` is refused with a problem saying so; a new
`server.host`/`server.port` is taken as configuration but the socket stays bound.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel

from calsync.config import load_config
from calsync.config.schema import Config
from calsync.errors import CalsyncError, ConfigError, Problem, explain
from calsync.runtime import Runtime
from calsync.store import reloads

__all__ = ["HEARTBEAT", "POLL", "Applier", "Outcome", "Reloader", "config_changes",
           "config_digest", "instance_name"]

log = logging.getLogger("calsync.reload")

POLL = 5.0
"""Seconds between two looks at the generation (a reload reaches every instance in this)."""
HEARTBEAT = 60.0
"""Seconds between two "still running" marks of an instance's row."""
STALE = 5 * HEARTBEAT
"""An instance row not marked for this long is of an instance that is gone."""


class Applier(Protocol):
    """One part of a process that runs on the config (the web app, the scheduler)."""

    def check(self, runtime: Runtime) -> None:
        """Raise ConfigError if this part could not run on `runtime`."""

    def apply(self, runtime: Runtime) -> None:
        """Use `runtime` from now on (one swap; work in flight keeps the old one)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one reload attempt came to."""

    applied: bool
    generation: int
    sha256: str
    by: str
    at: datetime
    problems: tuple[Problem, ...] = ()
    changes: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def error(self) -> str | None:
        return "\n".join(map(str, self.problems)) if self.problems else None

    def as_json(self) -> dict[str, Any]:
        return {"applied": self.applied, "generation": self.generation,
                "sha256": self.sha256, "by": self.by, "at": self.at.isoformat(),
                "problems": [str(p) for p in self.problems], "changes": self.changes}


def config_digest(path: Path) -> str:
    """SHA-256 of the config file's bytes: which config an instance runs, at a glance."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def instance_name(role: str) -> str:
    return f"{role}@{socket.gethostname()}:{os.getpid()}"


def _names(section: dict[str, Any]) -> dict[str, Any]:
    return {name: value.model_dump() if isinstance(value, BaseModel) else value
            for name, value in section.items()}


def config_changes(old: Config, new: Config) -> dict[str, dict[str, list[str]]]:
    """Added, removed and changed names per section that a reload reports."""
    sections: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
        "connectors": (old.connectors, new.connectors),
        "feeds": (old.feeds, new.feeds),
        "rules": (old.rules, new.rules),
        "receivers": (old.alerts.receivers, new.alerts.receivers),
        "tokens": (old.api.tokens, new.api.tokens),
    }
    out: dict[str, dict[str, list[str]]] = {}
    for section, (before, after) in sections.items():
        a, b = _names(before), _names(after)
        diff = {"added": sorted(b.keys() - a.keys()), "removed": sorted(a.keys() - b.keys()),
                "changed": sorted(n for n in a.keys() & b.keys() if a[n] != b[n])}
        diff = {k: v for k, v in diff.items() if v}
        if diff:
            out[section] = diff
    return out


class Reloader:
    """This process's config, and the one way to change it while running."""

    def __init__(self, runtime: Runtime, path: Path, *, role: str,
                 appliers: Sequence[Applier] = (),
                 prepare: Callable[[Config], Config] | None = None,
                 instance: str | None = None, poll: float = POLL) -> None:
        self.runtime = runtime
        self.path = path
        self.role = role
        self.instance = instance or instance_name(role)
        self.appliers = list(appliers)
        self.prepare = prepare
        self.poll = poll
        self.sha256 = config_digest(path)
        self.loaded_at = runtime.clock.now()
        self.generation = 0
        self.last: Outcome | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._why = ""
        self._thread: threading.Thread | None = None

    # -- one attempt --------------------------------------------------------------------

    def reload(self, by: str, *, generation: int | None = None) -> Outcome:
        """Read, validate and apply the config file; on any problem keep the running one.

        `generation`: the one this instance answers (another instance announced it);
        None: asked here (SIGHUP, the endpoint), so a success announces a new generation
        for the other instances."""
        with self._lock:
            if generation is not None and generation <= self.generation \
                    and self.last is not None:
                return self.last  # announced here a moment ago (the endpoint's thread)
            sha = config_digest(self.path)
            old = self.runtime
            try:
                new = self._load()
                for applier in self.appliers:
                    applier.check(new)
            except CalsyncError as exc:
                problems = tuple(exc.problems) if isinstance(exc, ConfigError) else (
                    Problem(str(self.path), None, "", explain(exc)),)
                return self._refused(by, sha, problems, generation)
            except Exception as exc:  # a bug in a connector's own checks, say
                log.exception("reloading %s failed unexpectedly", self.path)
                problem = Problem(str(self.path), None, "", f"{exc.__class__.__name__}: {exc}")
                return self._refused(by, sha, (problem,), generation)
            for applier in self.appliers:
                applier.apply(new)
            self.runtime = new
            self.sha256, self.loaded_at = sha, new.clock.now()
            changes = config_changes(old.config, new.config)
            if generation is None:
                generation = self._db(reloads.announce, f"{by} at {self.instance}", sha,
                                      default=self.generation)
            self.generation = max(self.generation, generation)
            self._record(applied=True, error=None)
            outcome = Outcome(True, self.generation, sha, by, self.loaded_at, (), changes)
            self.last = outcome
            log.info("%s: config %s reloaded (%s, generation %d): %s", self.instance,
                        self.path, by, self.generation, _said(changes))
            return outcome

    def _load(self) -> Runtime:
        old = self.runtime
        config = load_config(self.path)
        if config.database_url() != old.config.database_url():
            raise ConfigError([Problem(config.source_file, config.line_of("database"),
                                       "database", "a reload cannot move to another "
                                       "database; restart calsync to change it")])
        if self.prepare is not None:
            config = self.prepare(config)
        return Runtime.from_config(config, clock=old.clock, engine=old.engine)

    def _refused(self, by: str, sha: str, problems: tuple[Problem, ...],
                 generation: int | None) -> Outcome:
        if generation is not None:  # answered: do not try this generation again
            self.generation = max(self.generation, generation)
        outcome = Outcome(False, self.generation, sha, by, self.runtime.clock.now(), problems)
        self.last = outcome
        self._record(applied=False, error=outcome.error())
        log.error("%s: config %s NOT reloaded (%s); still running the config loaded at %s: "
                  "%s", self.instance, self.path, by, self.loaded_at.isoformat(),
                  "; ".join(map(str, problems)))
        return outcome

    def _record(self, *, applied: bool, error: str | None) -> None:
        self._db(reloads.record_instance, self.instance, self.role, self.generation,
                 self.sha256, applied=applied, error=error, default=None)

    def _db(self, func: Callable[..., Any], *args: Any, default: Any, **kwargs: Any) -> Any:
        """Database bookkeeping; a database that is away only costs the other instances
        the news (logged), never this instance its reload."""
        try:
            with self.runtime.engine.begin() as conn:
                return func(conn, *args, **kwargs)
        except Exception as exc:
            log.warning("%s: config reload bookkeeping failed: %s", self.instance, exc)
            return default

    def status(self) -> dict[str, Any]:
        """This instance's config: which, since when, and the last attempt."""
        last = self.last
        return {"instance": self.instance, "role": self.role,
                "file": self.runtime.config.source_file, "sha256": self.sha256,
                "generation": self.generation, "loaded_at": self.loaded_at.isoformat(),
                "ok": last is None or last.applied,
                "last_reload": last.as_json() if last is not None else None}

    # -- watching -----------------------------------------------------------------------

    def request(self, why: str) -> None:
        """Reload soon, on the watcher's thread; safe in a signal handler (sets a flag)."""
        self._why = why
        self._wake.set()

    def start(self) -> None:
        """Register this instance at the newest generation, then watch for newer ones."""
        self.generation = self._db(reloads.latest_generation, default=0)
        self._record(applied=True, error=None)
        self._thread = threading.Thread(target=self._watch, name="calsync-reload",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self._db(reloads.forget_instance, self.instance, default=None)

    def _watch(self) -> None:
        beat = 0.0
        failing = False
        while not self._stop.is_set():
            asked = self._wake.wait(self.poll)
            if self._stop.is_set():
                return
            if asked:
                self._wake.clear()
                self.reload(self._why or "signal")
                continue
            try:
                with self.runtime.engine.connect() as conn:
                    newest = reloads.latest_generation(conn)
                    who = reloads.requested_by(conn, newest) if newest > self.generation \
                        else None
                if failing:
                    log.warning("%s: the database answers again", self.instance)
                failing = False
            except Exception as exc:
                if not failing:
                    log.warning("%s: cannot look for config reloads: %s", self.instance, exc)
                failing = True
                continue
            if newest > self.generation:
                self.reload(f"{who or 'another instance'}, via the database",
                            generation=newest)
            beat += self.poll
            if beat >= HEARTBEAT:
                beat = 0.0
                if not self._db(reloads.touch_instance, self.instance, stale_after=STALE,
                                default=True):
                    self._record(applied=self.last is None or self.last.applied,
                                 error=self.last.error() if self.last else None)


def _said(changes: dict[str, dict[str, list[str]]]) -> str:
    if not changes:
        return "no connector, feed, rule, receiver or token changed"
    signs = {"added": "+", "removed": "-", "changed": "~"}
    return "; ".join(f"{section} " + " ".join(f"{signs[k]}{n}" for k, names in diff.items()
                                               for n in names)
                     for section, diff in changes.items())
