"""Answers that end a request early, raised by handlers and turned into responses in app.py.

Hierarchy::

    FakeHttpError      base: a status and a ready body
    ├── ApiError       a Data API error in Google's JSON layout ({"error": {...}})
    └── PlainError     a short text answer (oEmbed, feeds, thumbnails: "Not Found")

Control endpoints raise the project's own ``common.errors.AppError`` classes instead.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from common.fake_youtube.httpio import Response

__all__ = ["ApiError", "FakeHttpError", "PlainError", "google_error"]


def google_error(
    code: int,
    message: str,
    reason: str,
    *,
    domain: str = "global",
    status: str | None = None,
    location: str | None = None,
) -> dict[str, Any]:
    """Google's error body: ``{"error": {"code", "message", "errors": [...], "status"?}}``."""
    detail: dict[str, Any] = {"message": message, "domain": domain, "reason": reason}
    if location is not None:
        detail["location"] = location
        detail["locationType"] = "parameter"
    error: dict[str, Any] = {"code": code, "message": message, "errors": [detail]}
    if status is not None:
        error["status"] = status
    return {"error": error}


class FakeHttpError(Exception):
    """An early answer; ``response`` is what the client receives."""

    def __init__(self, response: Response) -> None:
        super().__init__(f"HTTP {response.status}")
        self.response = response


class ApiError(FakeHttpError):
    """A Data API error with a Google-style JSON body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(Response.json(body, status))
        self.body = body

    @classmethod
    def bad_parameter(cls, message: str, reason: str, location: str) -> ApiError:
        """A 400 about one query parameter (domain youtube.parameter)."""
        body = google_error(400, message, reason, domain="youtube.parameter", location=location)
        return cls(400, body)


class PlainError(FakeHttpError):
    """A text answer such as 404 "Not Found", as YouTube's web endpoints give."""

    def __init__(self, status: int, text: str | None = None) -> None:
        super().__init__(Response.text(text or HTTPStatus(status).phrase, status))
