"""HTTP plumbing shared by the functions: JSON answers, error mapping, auth, body validation."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Request, Response
from pydantic import BaseModel, SecretStr, ValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from common.auth_throttle import AuthThrottle, client_address
from common.errors import (
    AppError,
    ConfigError,
    DatabaseUnavailable,
    InvalidInput,
    Unauthorized,
    http_error,
)
from common.logs import redact
from common.settings import Settings

__all__ = [
    "BASIC_REALM",
    "admin_basic_auth_matches",
    "basic_auth_error_response",
    "error_response",
    "http_exception_response",
    "json_response",
    "parse_body",
    "parse_query",
    "require_bearer",
    "require_bearer_or_admin",
    "require_dispatch_or_admin",
    "require_method",
    "require_service_or_admin",
    "unexpected_error_response",
]

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
MAX_BODY_BYTES = 64 * 1024


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        mimetype="application/json",
        headers=headers,
    )


def error_response(exc: AppError) -> Response:
    """The one mapping of typed errors to ``{"error": {"code", "message"}}`` answers."""
    body, status = http_error(exc)
    headers = {"WWW-Authenticate": 'Bearer realm="ytdt"'} if status == 401 else {}
    retry_after = getattr(exc, "retry_after_s", None)
    if isinstance(retry_after, int):
        # The failed-login throttle's 429 says when to come back.
        headers["Retry-After"] = str(retry_after)
    return json_response(body, status, headers or None)


BASIC_REALM = 'Basic realm="ytdt admin", charset="UTF-8"'
# Builds the failed-login throttle for these settings (``common.runtime.auth_throttle``).
ThrottleFor = Callable[[Settings], AuthThrottle]


def basic_auth_error_response(exc: AppError) -> Response:
    """``error_response`` for functions behind HTTP basic auth (admin).

    A 401 asks for basic credentials (browsers show their login prompt); an error that carries
    ``retry_after_s`` (the auth throttle's 429) says when to come back.
    """
    response = error_response(exc)
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = BASIC_REALM
    return response


def http_exception_response(exc: HTTPException) -> Response:
    """Werkzeug's own errors (405, 413, bad JSON …) as JSON too."""
    code = (exc.name or "error").lower().replace(" ", "_")
    status = exc.code or 500
    headers = None
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        # RFC 9110: a 405 says which methods the resource does support.
        headers = {"Allow": ", ".join(exc.valid_methods)}
    return json_response({"error": {"code": code, "message": exc.description}}, status, headers)


def unexpected_error_response(exc: Exception) -> Response:
    """A bug: log it once with its traceback, answer 500 without one.

    A database that cannot be reached (down, restarting, connection dropped) is no bug: 503,
    so that callers and Fly's proxy retry, with no traceback.
    """
    if isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    ):
        log.warning("database unavailable: %s", redact(type(exc.orig or exc).__name__))
        return error_response(
            DatabaseUnavailable("the database cannot be reached right now: try again later")
        )
    log.error("unexpected error: %s", redact(repr(exc)), exc_info=exc)
    return json_response({"error": {"code": "internal", "message": "internal error"}}, 500)


def require_method(request: Request, *allowed: str) -> None:
    """Raise 405 (answered as JSON) unless the request uses one of ``allowed``."""
    if request.method not in allowed:
        raise MethodNotAllowed(
            valid_methods=allowed,
            description=f"method {request.method} not allowed here: use {', '.join(allowed)}",
        )


def require_bearer(request: Request, expected: Any, *, setting: str) -> None:
    """Check ``Authorization: Bearer <token>`` in constant time.

    Raises:
        ConfigError: the expected token is not configured (``setting`` names it).
        Unauthorized: the header is missing or the token is wrong.
    """
    if expected is None:
        raise ConfigError(f"{setting} is not set: this function refuses every request")
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    secret = expected.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), secret):
        raise Unauthorized("missing or wrong bearer token")


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def admin_basic_auth_matches(request: Request, settings: Settings) -> bool:
    """Whether the request carries the admin's HTTP basic credentials (constant-time compare).

    False when ``ADMIN_USERNAME``/``ADMIN_PASSWORD`` are not both configured.
    """
    username, password = settings.admin_username, settings.admin_password
    auth = request.authorization
    if username is None or password is None or auth is None or auth.type != "basic":
        return False
    # Both compared every time: the answer's timing says nothing about which one was wrong.
    user_ok = _same(auth.username or "", username)
    password_ok = _same(auth.password or "", password.get_secret_value())
    return user_ok and password_ok


def require_bearer_or_admin(
    request: Request,
    expected: SecretStr | None,
    settings: Settings,
    *,
    setting: str,
    throttle: ThrottleFor | None = None,
) -> None:
    """Accept ``Authorization: Bearer <expected>`` or the admin's basic auth.

    With ``throttle`` (built only for a basic-auth attempt: a bearer call touches no backend),
    basic-auth attempts count as the admin function's do: more than ``AUTH_MAX_FAILURES``
    failures a minute from one address answer 429 (checked before the password). Bearer
    callers are never throttled, so a guesser cannot lock the scheduler out.

    Raises:
        ConfigError: neither the token (``setting``) nor the admin credentials are configured.
        Throttled: this address failed basic auth too often this minute.
        Unauthorized: the credentials are missing or wrong.
    """
    admin_configured = settings.admin_username is not None and settings.admin_password is not None
    if expected is None and not admin_configured:
        raise ConfigError(
            f"neither {setting} nor ADMIN_USERNAME/ADMIN_PASSWORD is set: "
            "this function refuses every request"
        )
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and expected is not None:
        if _same(token.strip(), expected.get_secret_value()):
            return
    elif scheme.lower() == "basic":
        address = client_address(request, settings)
        counter = throttle(settings) if throttle is not None else None
        if counter is not None:
            counter.check(address)
        if admin_basic_auth_matches(request, settings):
            return
        if counter is not None:
            counter.record_failure(address)
    raise Unauthorized("missing or wrong credentials")


def require_dispatch_or_admin(
    request: Request, settings: Settings, throttle: ThrottleFor | None = None
) -> None:
    """Dispatch's callers: the scheduler (bearer ``DISPATCH_TOKEN``) or an admin (basic auth)."""
    require_bearer_or_admin(
        request, settings.dispatch_token, settings, setting="DISPATCH_TOKEN", throttle=throttle
    )


def require_service_or_admin(
    request: Request, settings: Settings, throttle: ThrottleFor | None = None
) -> None:
    """Internal callers (bearer ``SERVICE_TOKEN``) or an admin (basic auth)."""
    require_bearer_or_admin(
        request, settings.service_token, settings, setting="SERVICE_TOKEN", throttle=throttle
    )


def parse_body(request: Request, model: type[M]) -> M:
    """Validate a JSON object body against ``model``; errors name the offending field."""
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY_BYTES:
        raise InvalidInput(f"request body over {MAX_BODY_BYTES} bytes")
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("request body is not valid JSON") from None
    except RecursionError:
        # A small body can still nest deeper than the decoder's recursion limit.
        raise InvalidInput("request body is nested too deeply") from None
    if not isinstance(data, dict):
        raise InvalidInput("request body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        raise InvalidInput(f"{field or 'body'}: {first['msg']}", field=field) from None


def parse_query(request: Request, model: type[M]) -> M:
    """Validate the query string against ``model``; errors name the offending parameter.

    A parameter given twice is refused rather than silently taking one of the values; so is a
    NUL character, which no database text can hold.
    """
    data: dict[str, str] = {}
    for key, values in request.args.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            # No text column can hold NUL (PostgreSQL refuses it): refuse it here, by name.
            name = key.replace("\x00", "")[:40]
            raise InvalidInput(f"{name or 'query'}: contains a NUL character", field=name or None)
        if len(values) > 1:
            raise InvalidInput(f"{key[:40]}: given more than once", field=key[:40])
        data[key] = values[0]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])[:40] or None
        raise InvalidInput(f"{field or 'query'}: {first['msg']}", field=field) from None
