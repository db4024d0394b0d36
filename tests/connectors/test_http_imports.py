"""httpcore's per-lock `import sniffio` (`calsync.sdk.http._remember_no_sniffio`): when
sniffio is not installed, the import fails at once instead of searching `sys.path` on
every lock set-up; when it is installed, nothing is touched."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from collections.abc import Iterator

import pytest

from calsync.sdk import http


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A process that has not made a client yet (the cache cleared, no sniffio entry)."""
    monkeypatch.delitem(sys.modules, "sniffio", raising=False)
    http._remember_no_sniffio.cache_clear()
    yield
    http._remember_no_sniffio.cache_clear()


def test_missing_sniffio_fails_at_once(fresh: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    http._remember_no_sniffio()
    assert "sniffio" in sys.modules and sys.modules["sniffio"] is None
    searched: list[object] = []
    monkeypatch.setattr(sys, "meta_path", [*sys.meta_path, _Recorder(searched)])
    with pytest.raises(ImportError):
        importlib.import_module("sniffio")
    assert searched == []  # no finder was asked


def test_installed_sniffio_is_left_alone(fresh: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name: object() if name == "sniffio" else None)
    http._remember_no_sniffio()
    assert "sniffio" not in sys.modules


def test_clients_still_work_after_it(fresh: None) -> None:
    import asyncio

    async def make_and_close() -> str:
        client = http.make_client()
        await client.aclose()
        from httpcore._synchronization import current_async_library

        return current_async_library()

    assert asyncio.run(make_and_close()) == "asyncio"


class _Recorder:
    """A meta-path finder that only notes which modules it was asked for."""

    def __init__(self, into: list[object]) -> None:
        self.into = into

    def find_spec(self, name: str, *_args: object) -> types.ModuleType | None:
        self.into.append(name)
        return None
