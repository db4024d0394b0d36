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
    h = _OFFSET
    for name in sorted(labels):
        h = fnv1a64(name.encode(), h)
        h = fnv1a64(bytes([_SEP]), h)
        h = fnv1a64(str(labels[name]).encode(), h)
        h = fnv1a64(bytes([_SEP]), h)
    return h


def fingerprint(labels: Mapping[str, str]) -> str:
    return f"{fingerprint_int(labels):016x}"
