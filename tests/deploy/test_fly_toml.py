"""fly.toml: valid against Fly's schema, and deploys what docs/deploy.md says it deploys."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO.parent / "shared" / "schemas" / "fly.schema.json"
# CI always has shared/ beside the clone, so there a missing schema fails instead of skipping.
NO_SCHEMA = not SCHEMA.exists() and not os.environ.get("CI")
FUNCTIONS = sorted(p.parent.name for p in (REPO / "functions").glob("*/main.py"))
PUBLIC = {"admin", "health"}
PRIVATE = {"scan_channel", "notify", "dispatch"}


@pytest.fixture(scope="module")
def fly() -> dict[str, Any]:
    with (REPO / "fly.toml").open("rb") as handle:
        return tomllib.load(handle)


def services(fly: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each service section, by the one process group it serves."""
    found: dict[str, dict[str, Any]] = {}
    sections = [{**fly["http_service"], "http_service": True}, *fly["services"]]
    for section in sections:
        (group,) = section["processes"]
        assert group not in found, f"two services for {group}"
        found[group] = section
    return found


@pytest.mark.skipif(NO_SCHEMA, reason="the shared schema is beside the repository")
def test_fly_toml_is_valid_against_the_schema(fly: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft7Validator(schema)
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(fly)
    ]
    assert errors == []


@pytest.mark.skipif(NO_SCHEMA, reason="the shared schema is beside the repository")
def test_the_schema_check_catches_a_broken_config(fly: dict[str, Any]) -> None:
    broken = {**fly, "deploy": {**fly["deploy"], "release_comand": "typo"}}
    assert not jsonschema.Draft7Validator(json.loads(SCHEMA.read_text())).is_valid(broken)


def test_one_process_group_per_function_running_functions_framework(fly: dict[str, Any]) -> None:
    assert sorted(fly["processes"]) == FUNCTIONS
    for name, command in fly["processes"].items():
        args = command.split()
        assert args[0] == "functions-framework"
        assert args[args.index("--target") + 1] == name
        source = args[args.index("--source") + 1]
        assert (REPO / source).is_file() and source == f"functions/{name}/main.py"
        assert args[args.index("--port") + 1] == "8080"


def test_every_function_has_a_service_that_stops_when_idle(fly: dict[str, Any]) -> None:
    by_group = services(fly)
    assert set(by_group) == set(FUNCTIONS)
    for section in by_group.values():
        assert section["internal_port"] == 8080
        assert section["auto_stop_machines"] == "stop"
        assert section["auto_start_machines"] is True
        assert section["min_machines_running"] == 0


def test_public_functions_are_https_and_internal_ones_plain_http_on_their_own_flycast_port(
    fly: dict[str, Any],
) -> None:
    by_group = services(fly)
    assert by_group["admin"].get("http_service") and by_group["admin"]["force_https"]
    (health_port,) = by_group["health"]["ports"]
    assert set(health_port["handlers"]) == {"tls", "http"}
    private_ports = {}
    for name in PRIVATE:
        (port,) = by_group[name]["ports"]
        assert port["handlers"] == ["http"]  # inside WireGuard: no TLS, no redirect
        private_ports[name] = port["port"]
    assert len(set(private_ports.values())) == len(PRIVATE)
    # Dispatch reaches scan_channel and notify through the app's Flycast address.
    app = fly["app"]
    for setting, name in (("SCAN_URL", "scan_channel"), ("NOTIFY_URL", "notify")):
        url = urlsplit(fly["env"][setting])
        assert (url.scheme, url.hostname, url.port) == (
            "http",
            f"{app}.flycast",
            private_ports[name],
        )


def test_health_check_release_command_and_metrics(fly: dict[str, Any]) -> None:
    (check,) = services(fly)["health"]["http_checks"]
    assert check["path"] == "/ready"
    assert fly["deploy"]["release_command"] == "ytdt migrate"
    assert fly["metrics"] == {"port": 8080, "path": "/metrics"}
    assert fly["env"]["LOG_FORMAT"] == "json"
    assert fly["env"]["WORKERS"] == "1"  # one metrics registry per machine


def test_no_secret_is_written_in_fly_toml(fly: dict[str, Any]) -> None:
    secret_names = ("TOKEN", "PASSWORD", "KEY", "WEBHOOK", "DATABASE_URL", "REDIS_URL")
    assert not [name for name in fly["env"] if any(s in name for s in secret_names)]
