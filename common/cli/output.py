"""How the CLI prints: JSON for machines, short lines for people, errors on stderr."""

from __future__ import annotations

import json
import sys
from typing import Any

__all__ = ["fail", "print_json", "progress"]


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def fail(message: str, *, code: int) -> int:
    """Print ``ytdt: error: message`` on stderr and answer the exit code."""
    print(f"ytdt: error: {message}", file=sys.stderr)
    return code


def progress(done: int, total: int, label: str) -> None:
    """A one-line progress bar on stderr, only when a person is watching."""
    if not sys.stderr.isatty() or total <= 1:
        return
    width = 30
    filled = width * done // total
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label[:40]:<40}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()
