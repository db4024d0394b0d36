"""`calsync.__all__` names exactly the public surface, and every name in it exists."""

from __future__ import annotations

import calsync


def test_all_names_exist_and_are_public() -> None:
    for name in calsync.__all__:
        assert hasattr(calsync, name), name
    public = {n for n in vars(calsync) if not n.startswith("_") and n[0].isupper()}
    assert public <= set(calsync.__all__), public - set(calsync.__all__)
