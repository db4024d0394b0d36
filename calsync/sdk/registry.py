"""From a `type` name in config.yaml to a connector class.

Built-ins are listed by dotted path and imported on first use; third-party connectors
register in the `calsync.connectors` entry-point group; a type written as
`package.module:Class` is imported directly. All three go through the same checks: the
class must name itself with the type it was looked up by.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from calsync.config.schema import ConnectorConfig
from calsync.sdk.contract import Connector

__all__ = ["BUILTIN_CONNECTORS", "UnknownConnectorType", "build_connector", "connector_class",
           "known_types"]

BUILTIN_CONNECTORS: dict[str, str] = {
    "schedules": "connectors.schedules:SchedulesConnector",
    "ical": "connectors.ical:IcalConnector",
    "json": "connectors.listing:JsonConnector",
    "csv": "connectors.listing:CsvConnector",
    "riksdagen": "connectors.riksdagen:RiksdagenConnector",
    "eu_funding_tenders": "connectors.eu_funding_tenders:EuFundingTendersConnector",
    "vinnova": "connectors.vinnova:VinnovaConnector",
}
ENTRY_POINT_GROUP = "calsync.connectors"


class UnknownConnectorType(LookupError):
    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        self.known = known
        super().__init__(f"unknown connector type {name!r}; known types: {', '.join(known)}")


def _entry_points() -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def known_types() -> list[str]:
    return sorted({**_entry_points(), **BUILTIN_CONNECTORS})


def connector_class(type_name: str) -> type[Connector]:
    target = BUILTIN_CONNECTORS.get(type_name) or _entry_points().get(type_name)
    if target is None and ":" in type_name:
        target = type_name
    if target is None:
        raise UnknownConnectorType(type_name, known_types())
    module_name, _, attr = target.partition(":")
    try:
        cls: Any = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise UnknownConnectorType(type_name, known_types()) from exc
    expected = type_name if type_name in BUILTIN_CONNECTORS or ":" not in type_name \
        else getattr(cls, "type", None)
    if getattr(cls, "type", None) != expected:
        raise TypeError(f"{target} declares type {getattr(cls, 'type', None)!r}, "
                        f"but is registered as {type_name!r}")
    return cls  # type: ignore[no-any-return]


def build_connector(name: str, config: ConnectorConfig, options: BaseModel,
                    base_dir: Path) -> Connector:
    cls: Any = connector_class(config.type)
    return cls(name, config, options, base_dir)  # type: ignore[no-any-return]
