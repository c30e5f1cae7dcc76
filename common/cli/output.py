"""How the CLI prints: JSON for machines, short lines for people, errors on stderr."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

__all__ = ["fail", "one_line", "print_json", "progress"]

# C0 and C1 control characters (ESC starts terminal escape sequences), DEL, and the bidi controls
# that reorder what a terminal shows.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def one_line(value: Any) -> str:
    """Untrusted text (a title an uploader typed) fit for one line of a terminal.

    Whitespace runs, line breaks included, become one space; control characters, which could
    move the cursor, recolour or retitle the terminal, are dropped.
    """
    text = "" if value is None else str(value)
    return " ".join(_CONTROL.sub(" ", text).split())


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
