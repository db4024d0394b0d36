"""Alertmanager's fingerprint: FNV-1a 64-bit over the label set sorted by name.

Each name and each value is followed by the byte 0xFF; the result prints as 16 hex
digits (`%016x`). Same algorithm as prometheus/common `labelSetToFingerprint`, so the
fingerprint a receiver sees is the one Alertmanager would compute for these labels.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["fingerprint", "fnv1a64"]

_OFFSET = 14695981039346656037
_PRIME = 1099511628211
_MASK = (1 << 64) - 1
_SEP = 0xFF


def fnv1a64(data: bytes, h: int = _OFFSET) -> int:
    for byte in data:
        h ^= byte
        h = (h * _PRIME) & _MASK
    return h


def fingerprint_int(labels: Mapping[str, str]) -> int:
    if not labels:
        return _OFFSET
    sep = bytes([_SEP])
    # One pass over the concatenation: the same bytes in the same order as hashing each
    # name, separator, value and separator in turn.
    data = b"".join(part for name in sorted(labels)
                    for part in (name.encode(), sep, str(labels[name]).encode(), sep))
    return fnv1a64(data)


def fingerprint(labels: Mapping[str, str]) -> str:
    return f"{fingerprint_int(labels):016x}"
