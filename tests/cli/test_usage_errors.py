"""A command line argparse cannot read: one line naming the problem and the help, exit 2."""

from __future__ import annotations

import pytest

from common.cli import main


@pytest.mark.parametrize(
    ("argv", "start", "words"),
    [
        ([], "ytdt: error: ", "required: COMMAND"),
        (["nosuch"], "ytdt: error: ", "invalid choice: 'nosuch'"),
        (["export", "events", "--kind", "bogus"], "ytdt export: error: ", "invalid choice"),
        (["prune", "--older-than", "soon"], "ytdt prune: error: ", "not a number of days"),
        (["channels", "add"], "ytdt channels add: error: ", "required"),
        (["dispatch", "--max-channels", "many"], "ytdt dispatch: error: ", "--max-channels"),
    ],
)
def test_a_usage_error_is_one_line_with_exit_2(
    argv: list[str], start: str, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(start), err
    assert words in err
    assert err.rstrip().endswith(f"(see {start.removesuffix(': error: ')} --help)")
