"""``convious`` help and usage errors: every option explained, one-line errors, flags as typed."""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from convious._cli import _parser, main

HELP_PAGES = [[], ["demo"], ["events"], ["events", "validate"], ["events", "publish"], ["sandbox"]]


def parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                yield from parsers(child)


def help_text(capsys: pytest.CaptureFixture[str], *words: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main([*words, "--help"])
    assert exit_info.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("words", HELP_PAGES, ids=" ".join)
def test_help_has_no_literal_double_backticks(capsys, words: list[str]) -> None:
    text = help_text(capsys, *words)
    assert "``" not in text
    assert "usage: convious" in text


def test_top_level_help_lists_every_command(capsys) -> None:
    text = help_text(capsys)
    for command in ("demo", "events", "sandbox"):
        assert f"\n    {command} " in text


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["sandbox"], "TCP port, 0 for any free one (default: 8080)"),
        (["sandbox"], "address to listen on (default: 127.0.0.1)"),
        (["sandbox"], "token lifetime in seconds (default: tokens never expire)"),
        (["events", "publish"], "events per request at most (default: 500)"),
        (["events", "publish"], "seconds a batch waits to fill (default: 0.05)"),
        (["events", "publish"], "(default: 30.0)"),
        (["demo"], "share of 503 answers (default: 0.02)"),
        (["demo"], "price lookups to run (default: 3000; 50 with --real)"),
    ],
)
def test_help_shows_defaults(capsys, words: list[str], expected: str) -> None:
    assert expected in " ".join(help_text(capsys, *words).split())


def test_every_option_and_command_is_described() -> None:
    for parser in parsers(_parser()):
        assert parser.description, parser.prog
        for action in parser._actions:
            assert action.help, (parser.prog, action.dest)


def one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str], status: int = 2) -> str:
    assert main(argv) == status
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["sandbox", "--port", "65536"], "argument --port: must be an integer from 0 to 65535"),
        (["sandbox", "--port", "-1"], "argument --port: must be an integer from 0 to 65535"),
        (["sandbox", "--port", "http"], "argument --port: not a number: 'http'"),
        (["sandbox", "--expires-in", "0"], "argument --expires-in: must be an integer >= 1, got 0"),
        (["sandbox", "--rate-limit", "0"], "argument --rate-limit: must be an integer from 1"),
        (["sandbox", "--error-rate", "2"], "argument --error-rate: must be a number >= 0 and <= 1"),
        (["sandbox", "--latency", "nan"], "argument --latency: must be a number >= 0"),
        (["sandbox", "--host", "a..b"], "argument --host: not a valid host name: 'a..b'"),
        (["demo", "--lookups", "0"], "argument --lookups: must be an integer >= 1, got 0"),
        (["demo", "--drop-rate", "-0.1"], "argument --drop-rate: must be a number >= 0"),
        (["events", "publish", "--batch-size", "0", "x.jsonl"], "argument --batch-size:"),
        (["bogus"], "convious: error: argument COMMAND: invalid choice: 'bogus'"),
    ],
)
def test_bad_values_are_one_line_naming_the_flag(capsys, argv: list[str], expected: str) -> None:
    err = one_line_error(capsys, argv)
    assert expected in err
    assert "token_expires_in" not in err
    assert "rate_limit" not in err


def test_a_directory_given_as_the_events_file(tmp_path: Path, capsys) -> None:
    err = one_line_error(capsys, ["events", "validate", str(tmp_path)])
    assert f"argument file: {tmp_path} is a directory; give a .jsonl file" in err
    (tmp_path / "e.jsonl").write_text("")
    err = one_line_error(
        capsys, ["events", "publish", str(tmp_path / "e.jsonl"), "--failed", str(tmp_path)]
    )
    assert f"argument --failed: {tmp_path} is a directory; give a file name" in err


def test_a_port_in_use(capsys) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        err = one_line_error(capsys, ["sandbox", "--port", str(port)], status=1)
    assert f"cannot listen on 127.0.0.1:{port}: the port is in use" in err


def test_a_host_that_does_not_resolve(capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_such_host(*args: object, **kwargs: object) -> None:  # no DNS query leaves the test
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    err = one_line_error(capsys, ["sandbox", "--host", "no-such-host.invalid", "--port", "0"], 1)
    assert "--host 'no-such-host.invalid' does not resolve to an address" in err


def test_the_console_script_prints_one_line_and_no_traceback() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "convious", "sandbox", "--port", "70000"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("convious sandbox: error: argument --port: ")
    assert len(result.stderr.splitlines()) == 1
