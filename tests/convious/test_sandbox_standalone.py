"""``convious sandbox`` standalone: a starter catalogue, and a banner that says how to connect.

The README quick start runs as written against it, in the environment the banner prints.
"""

from __future__ import annotations

import os
import re
import select
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from convious import BadRequestError

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
QUICK_START = next(
    block
    for block in re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)
    if "asyncio.run(main())" in block and "ticket-adult" in block
)


@contextmanager
def standalone_sandbox(*flags: str) -> Iterator[list[str]]:
    """Run ``convious sandbox --port 0`` in a subprocess; yield its banner lines."""
    process = subprocess.Popen(
        [sys.executable, "-m", "convious", "sandbox", "--port", "0", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    received = b""
    deadline = time.monotonic() + 20
    try:
        while b"admin:" not in received:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([process.stdout], [], [], max(remaining, 0))
            chunk = os.read(process.stdout.fileno(), 4096) if ready else b""
            assert chunk, f"no banner within 20 s: {received!r}"
            received += chunk
        banner = received.decode().splitlines()
        yield banner
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(10) == 0
        process.stdout.close()
        assert process.stderr is not None
        process.stderr.close()


def exported(banner: list[str]) -> dict[str, str]:
    """The ``export NAME=value`` assignments the banner prints."""
    words = [w for line in banner if line.strip().startswith("export ") for w in shlex.split(line)]
    return dict(w.split("=", 1) for w in words if "=" in w)


def run_quick_start(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    """The README quick start as written (``ConviousClient.from_env()``), in ``env``."""
    for name in [n for n in os.environ if n.startswith("CONVIOUS_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    exec(compile(QUICK_START, "README quick start", "exec"), {"__name__": "readme"})  # noqa: S102


def test_the_readme_quick_start_works_against_the_standalone_sandbox(monkeypatch, capsys):
    with standalone_sandbox() as banner:
        env = exported(banner)
        run_quick_start(monkeypatch, env)
    url = banner[0].rpartition(" ")[2]
    assert url.startswith("http://127.0.0.1:")
    assert env == {
        "CONVIOUS_CLIENT_ID": "sandbox-client",
        "CONVIOUS_CLIENT_SECRET": "sandbox-secret",
        "CONVIOUS_IDENTITY_URL": url,
        "CONVIOUS_INVENTORY_URL": url,
        "CONVIOUS_PRICER_URL": url,
    }
    assert "ticket-adult" in banner[1]
    assert "ticket-child" in banner[1]
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 30 * 2 * 2 + 1  # days x times x products, then one price
    assert printed[0].startswith("2018-04-01 10:00:00 ticket-adult ")


def test_empty_starts_with_no_products(monkeypatch):
    with standalone_sandbox("--empty") as banner:
        assert "products: none (--empty)" in banner[1]
        with pytest.raises(BadRequestError, match="ticket-adult"):
            run_quick_start(monkeypatch, exported(banner))
