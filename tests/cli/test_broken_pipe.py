"""``ytdt … | head``: a reader that stops early ends the command quietly, with no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

YTDT = Path(sys.executable).parent / "ytdt"


@pytest.mark.parametrize("args", [["migrate"], ["events"]])
def test_a_closed_stdout_is_not_a_traceback(args: list[str], tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'ytdt.db'}"}
    if args != ["migrate"]:
        subprocess.run([str(YTDT), "migrate"], env=env, capture_output=True, check=True)
    process = subprocess.Popen(
        [str(YTDT), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # `| head -0`: the reader is gone before the first line
    stderr = process.stderr.read().decode()
    process.stderr.close()
    assert process.wait(timeout=60) == 1
    assert "Traceback" not in stderr
    assert "BrokenPipeError" not in stderr
