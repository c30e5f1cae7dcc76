"""A small path router: ``/channels/{channel_id}`` patterns, one handler per method and path."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Request, Response
from werkzeug.exceptions import MethodNotAllowed

from common.errors import NotFound
from common.settings import Settings

__all__ = ["Handler", "Route", "RouteContext", "Router"]

_PARAM = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True, slots=True)
class RouteContext:
    """What a handler gets: the request, the settings and the path's parameters."""

    request: Request
    settings: Settings
    params: dict[str, str] = field(default_factory=dict)


Handler = Callable[[RouteContext], Response]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str
    pattern: re.Pattern[str]
    handler: Handler


def _compile(path: str) -> re.Pattern[str]:
    parts = _PARAM.split(path)
    regex = "".join(
        f"(?P<{part}>[^/]+)" if index % 2 else re.escape(part) for index, part in enumerate(parts)
    )
    return re.compile(regex)


class Router:
    """Matches ``(method, path)`` to a handler; HEAD is served by the GET handler."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, path: str, handler: Handler) -> None:
        self.routes.append(Route(method.upper(), path, _compile(path), handler))

    def route(self, method: str, path: str) -> Callable[[Handler], Handler]:
        """Decorator form of ``add``."""

        def register(handler: Handler) -> Handler:
            self.add(method, path, handler)
            return handler

        return register

    def dispatch(self, request: Request, settings: Settings) -> Response:
        """Call the handler for the request.

        Raises:
            NotFound: no route has this path.
            MethodNotAllowed: the path exists, the method does not (answered with ``Allow``).
        """
        path = request.path.rstrip("/") or "/"
        method = "GET" if request.method == "HEAD" else request.method
        allowed: list[str] = []
        for route in self.routes:
            match = route.pattern.fullmatch(path)
            if match is None:
                continue
            if route.method == method:
                return route.handler(RouteContext(request, settings, match.groupdict()))
            allowed.append(route.method)
        if allowed:
            if "GET" in allowed:
                allowed.append("HEAD")
            raise MethodNotAllowed(
                valid_methods=allowed,
                description=f"method {request.method} not allowed here: use {', '.join(allowed)}",
            )
        raise NotFound(f"no admin route {path[:200]}")
