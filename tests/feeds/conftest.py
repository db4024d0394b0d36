"""The feed tests share the web tests' project (two connectors, feeds, both databases)."""

from tests.web.conftest import project

__all__ = ["project"]
