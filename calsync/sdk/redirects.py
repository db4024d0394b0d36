"""Where an upstream may send calsync: the redirect policy every HTTP request follows.

A connector reaches the address the admin configured. A redirect is followed only when it
stays on that origin (same host and port; http may become https), or goes to a host the
connector's `allow_redirects_to` lists; everything else is refused with the reason, so a
feed cannot steer calsync to another port on the same machine, an internal service or a
cloud metadata address (SSRF). A redirect to an allowed other host must still resolve to
a public address, unless `allow_private_redirects` says otherwise, and never carries the
connector's own headers (an API key stays with the host it was configured for).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass, field

import httpx

__all__ = ["RedirectPolicy"]

_SCHEMES = ("http", "https")


@dataclass(frozen=True, slots=True)
class RedirectPolicy:
    allow_hosts: frozenset[str] = field(default_factory=frozenset)
    allow_private: bool = False

    @staticmethod
    def same_origin(origin: httpx.URL, target: httpx.URL) -> bool:
        if target.host != origin.host:
            return False
        if target.scheme == origin.scheme:
            return target.port == origin.port
        # http -> https on the same host (the usual upgrade), default ports only
        return origin.scheme == "http" and target.scheme == "https" and \
            origin.port is None and target.port is None

    async def refusal(self, origin: httpx.URL, target: httpx.URL) -> str | None:
        """Why a redirect from `origin` to `target` is not followed (None: follow it)."""
        if target.scheme not in _SCHEMES:
            return f"a redirect to a {target.scheme or 'relative'}: address was refused " \
                   "(only http and https are followed)"
        if self.same_origin(origin, target):
            return None
        if target.host.lower() not in self.allow_hosts:
            return (f"a redirect to another host ({target.host}:{target.port or 'default'}) "
                    "was refused; if it is expected, add the host to the connector's "
                    "`allow_redirects_to`")
        if not self.allow_private:
            private = await _private_address(target.host)
            if private:
                return (f"a redirect to {target.host} was refused: it resolves to a "
                        f"private, loopback or link-local address ({private}); set "
                        "`allow_private_redirects: true` if that is intended")
        return None


async def _private_address(host: str) -> str | None:
    """The first non-public address `host` resolves to, or None."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None,
                                                             type=socket.SOCK_STREAM)
    except OSError:
        return None  # unresolvable: the request itself will fail with a clear error
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            return str(address)
    return None
