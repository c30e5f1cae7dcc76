"""Build function apps the way the framework does: create_app(target, source).test_client()."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from functions_framework import create_app

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"


def client_for(name: str) -> FlaskClient:
    app: Any = create_app(name, str(FUNCTIONS / name / "main.py"))
    client: FlaskClient = app.test_client()
    return client
