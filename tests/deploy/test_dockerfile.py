"""The Dockerfile, read as text (tests never build images: no network for base images)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined = re.sub(
        r"\\\n",
        " ",
        "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")),
    )
    pairs = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            pairs.append((word.upper(), rest.strip()))
    return pairs


@pytest.fixture(scope="module")
def stages() -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    args: dict[str, str] = {}
    for word, rest in instructions((REPO / "Dockerfile").read_text()):
        if word == "ARG" and not found:
            name, _, default = rest.partition("=")
            args[name] = default
        elif word == "FROM":
            image = re.sub(r"\$\{(\w+)\}", lambda m: args[m[1]], rest)
            found.append([(word, image)])
        else:
            assert found, f"{word} before FROM"
            found[-1].append((word, rest))
    return found


def values(stage: list[tuple[str, str]], word: str) -> list[str]:
    return [rest for w, rest in stage if w == word]


def test_two_stages_on_python_311_slim(stages: list[list[tuple[str, str]]]) -> None:
    assert len(stages) == 2
    for stage in stages:
        assert values(stage, "FROM")[0].split()[0] == "python:3.11-slim"
    assert values(stages[0], "FROM")[0].endswith("AS builder")


def test_wheels_are_built_in_the_builder_and_installed_offline_in_the_final_stage(
    stages: list[list[tuple[str, str]]],
) -> None:
    builder, final = stages
    assert any("pip wheel" in run and "-c constraints.txt" in run for run in values(builder, "RUN"))
    assert any(c.startswith("--from=builder /wheels") for c in values(final, "COPY"))
    (install,) = [run for run in values(final, "RUN") if "pip install" in run]
    assert "--no-index" in install and "rm -rf /wheels" in install


def test_the_final_stage_has_no_build_tools_and_does_not_run_as_root(
    stages: list[list[tuple[str, str]]],
) -> None:
    builder, final = stages
    assert any("build-essential" in run for run in values(builder, "RUN"))
    for run in values(final, "RUN"):
        assert not re.search(r"apt-get|build-essential|gcc|\bmake\b", run), run
    users = values(final, "USER")
    assert users and users[-1] not in ("root", "0")
    # USER comes after every RUN, so the server never starts as root.
    words = [w for w, _ in final]
    assert max(i for i, w in enumerate(words) if w == "RUN") < words.index("USER")


def test_environment_port_and_the_functions_framework_command(
    stages: list[list[tuple[str, str]]],
) -> None:
    final = stages[1]
    env = " ".join(values(final, "ENV"))
    assert "PYTHONUNBUFFERED=1" in env
    assert "FUNCTION_TARGET=" in env
    assert values(final, "EXPOSE") == ["8080"]
    (cmd,) = values(final, "CMD")
    command = " ".join(json.loads(cmd))
    assert command.startswith("sh -c exec functions-framework ")
    assert '--target "$FUNCTION_TARGET"' in command
    assert '--source "functions/$FUNCTION_TARGET/main.py"' in command
    copied = " ".join(values(final, "COPY"))
    for folder in ("common", "functions", "migrations"):
        assert f"{folder} ./{folder}" in copied


def test_dockerignore_keeps_secrets_databases_and_tests_out() -> None:
    ignored = {
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".env", "*.db", "tests", ".venv"} <= ignored
    for needed in ("common", "functions", "migrations", "pyproject.toml", "constraints.txt"):
        assert needed not in ignored
