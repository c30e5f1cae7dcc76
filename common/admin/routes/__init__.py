"""The admin routes, one small module per area; ``build_router`` registers them all.

A new area (say, archived thumbnails) is a module with a ``register(router)`` function added
to ``_MODULES``.
"""

from __future__ import annotations

from common.admin.router import Router
from common.admin.routes import channels, events, exports, pages, videos

__all__ = ["build_router"]

_MODULES = (pages, channels, videos, events, exports)


def build_router() -> Router:
    router = Router()
    for module in _MODULES:
        module.register(router)
    return router
