"""The README documents every connector type and every option a connector accepts, so an
admin (or the engineer writing config.yaml) never has to read code to configure one."""

from __future__ import annotations

import re

import pytest
from pydantic import BaseModel

from calsync.sdk.registry import BUILTIN_CONNECTORS, connector_class
from calsync.sdk.settings import ConnectorConfig
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


def test_no_section_is_written_twice() -> None:
    """Two branches that both added a README section merge into two copies that drift
    apart (it happened: 'Expected and actual steps' twice, the older copy describing an
    `organisations:` list the config no longer takes). Each `##`/`###` heading is unique
    under its parent."""
    seen: set[tuple[str, str]] = set()
    parent = ""
    twice = []
    for line in (REPO / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            parent, key = line, ("", line)
        elif line.startswith("### "):
            key = (parent, line)
        else:
            continue
        if key in seen:
            twice.append(line)
        seen.add(key)
    assert not twice, f"README.md has these headings twice: {twice}"
