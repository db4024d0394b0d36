"""The README documents every connector type and every option a connector accepts, so an
admin (or the engineer writing config.yaml) never has to read code to configure one."""

from __future__ import annotations

import re

import pytest
from pydantic import BaseModel

from calsync.config.schema import ConnectorConfig
from calsync.sdk.registry import BUILTIN_CONNECTORS, connector_class
from tests.conftest import REPO


def connectors_section() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Connectors\n(.*?)(?=^## )", text, re.M | re.S)
    assert match, "README.md has no '## Connectors' section"
    return match.group(1)


def option_names(model: type[BaseModel]) -> set[str]:
    """Field names of `model` and of the option models nested in it."""
    names = set(model.model_fields)
    for field in model.model_fields.values():
        for inner in (field.annotation, *getattr(field.annotation, "__args__", ())):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                names |= option_names(inner)
    return names


@pytest.mark.parametrize("type_name", sorted(BUILTIN_CONNECTORS))
def test_every_connector_type_and_option_is_documented(type_name: str) -> None:
    section = connectors_section()
    assert re.search(rf"^### .*`{type_name}`", section, re.M), \
        f"no '### `{type_name}` …' heading in README's Connectors section"
    missing = sorted(n for n in option_names(connector_class(type_name).Options)
                     if f"`{n}`" not in section)
    assert not missing, f"{type_name}: options missing from README: {missing}"


def test_shared_connector_keys_are_documented() -> None:
    section = connectors_section()
    missing = sorted(n for n in ConnectorConfig.model_fields if f"`{n}`" not in section)
    assert not missing, missing
