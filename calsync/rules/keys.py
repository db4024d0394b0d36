"""Join and partition keys: how a rule reads a key (`programme`, `actor`, `@year+1`) of an
item on the timeline, one or several at once."""

from __future__ import annotations

from collections.abc import Callable

from calsync.rules.timeline import FIELD_KEYS, Item

__all__ = ["KeyFn", "key_fn", "tuple_key"]

KeyFn = Callable[[Item], str | None]


def key_fn(name: str) -> KeyFn:
    """How a join or partition key reads an item: `@year` (and `@year+1`, `@year-1`),
    a field (`actor`, `level`, `kind`, `source`, `title`, `uid`), else an attribute."""
    if name.startswith("@year"):
        offset = int(name[5:] or 0)
        return lambda item: str(item.year() + offset)
    if name in ("actor", "level", "kind", "source", "uid", *FIELD_KEYS):
        return lambda item: getattr(item, name) or None
    return lambda item: item.attrs.get(name)


def tuple_key(fns: list[KeyFn]) -> Callable[[Item], tuple[str, ...] | None]:
    """A composite key; None when any part is missing (the item takes no part)."""
    if not fns:
        return lambda item: ()

    def get(item: Item) -> tuple[str, ...] | None:
        out = []
        for fn in fns:
            value = fn(item)
            if value is None:
                return None
            out.append(value)
        return tuple(out)

    return get
