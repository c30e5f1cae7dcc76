"""The request and response of the fake's small HTTP layer, independent of any server."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["JSON_TYPE", "Request", "Response"]

JSON_TYPE = "application/json; charset=UTF-8"


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request: decoded path, query values by name, lower-case header names, body."""

    method: str
    path: str
    query: Mapping[str, list[str]] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def arg(self, name: str) -> str | None:
        """The first value of a query parameter, or None when absent."""
        values = self.query.get(name)
        return values[0] if values else None

    def joined(self, name: str) -> str | None:
        """All values of a repeatable list parameter (``part``, ``id``) joined by commas."""
        values = self.query.get(name)
        return ",".join(values) if values else None

    def header(self, name: str) -> str | None:
        """A header value by (case-insensitive) name."""
        return self.headers.get(name.lower())


@dataclass(frozen=True, slots=True)
class Response:
    """One HTTP answer with its full body."""

    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def json(cls, data: Any, status: int = 200, *, pretty: bool = False) -> Response:
        """A JSON answer; compact unless ``pretty`` (the real API's prettyPrint)."""
        text = json.dumps(data, ensure_ascii=False, indent=2 if pretty else None)
        return cls(status, text.encode())

    @classmethod
    def text(
        cls, text: str, status: int, content_type: str = "text/html; charset=utf-8"
    ) -> Response:
        """A short text answer, as oEmbed and the feeds give for errors."""
        return cls(status, text.encode(), content_type)
