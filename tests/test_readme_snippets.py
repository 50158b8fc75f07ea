"""Every ```python block of README.md runs as written, against the sandboxes.

A block is a whole program (it compiles as a module: no top-level ``await`` or ``async
with``, and it passes ``mypy --strict``) unless the line before it is
``<!-- snippet: fragment ... -->``: a fragment is only compiled (top-level ``await`` allowed).
Programs run with ``__name__ == "__main__"``; what they need is set up from what they use:
``ConviousClient.from_env()`` gets the ``CONVIOUS_*`` variables of an embedded Convious
sandbox, ``ConvictionalClient`` is pointed at a Convictional sandbox, ``REDIS_URL`` at a
real ``redis-server`` on 127.0.0.1.
"""

from __future__ import annotations

import ast
import asyncio
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, ExitStack, asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import pytest

import convictional_async
from convictional_async.sandbox import Sandbox as ConvictionalSandbox
from convious.sandbox import Sandbox as ConviousSandbox

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(
    r"^(?:<!-- snippet: (?P<kind>[\w-]+)[^\n]*-->\n)?```python\n(?P<code>.*?)^```$",
    flags=re.DOTALL | re.MULTILINE,
)
KINDS = {"fragment"}
T = TypeVar("T")


class Snippet(NamedTuple):
    line: int
    kind: str  # "program" or "fragment"
    code: str

    @property
    def name(self) -> str:
        return f"README.md:{self.line}"


def snippets() -> list[Snippet]:
    return [
        Snippet(README.count("\n", 0, m.start("code")) + 1, m["kind"] or "program", m["code"])
        for m in BLOCK.finditer(README)
    ]


PROGRAMS = [s for s in snippets() if s.kind == "program"]


def test_the_readme_has_snippets_of_both_kinds() -> None:
    found = snippets()
    assert len(found) == README.count("```python")  # no block escapes the pattern
    assert {s.kind for s in found} == {"program", *KINDS}


@pytest.mark.parametrize("snippet", snippets(), ids=lambda s: s.name)
def test_each_snippet_compiles(snippet: Snippet) -> None:
    """A program compiles as a module (so no top-level ``async with``); a fragment with
    top-level ``await`` allowed."""
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT if snippet.kind == "fragment" else 0
    compile(snippet.code, snippet.name, "exec", flags=flags)


def test_programs_pass_mypy_strict(tmp_path: Path) -> None:
    files = []
    for snippet in PROGRAMS:
        path = tmp_path / f"readme_line_{snippet.line}.py"
        path.write_text(snippet.code, encoding="utf-8")
        files.append(str(path))
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", *files],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@contextmanager
def served_in_a_thread(
    server: Callable[[], AbstractAsyncContextManager[T]],
) -> Iterator[T]:
    """Enter ``server()`` on an event loop of its own thread; yield what it gives."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    given: list[T] = []
    stop = asyncio.Event()

    async def serve() -> None:
        async with server() as value:
            given.append(value)
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),))
    thread.start()
    try:
        assert ready.wait(10), "the server did not start"
        yield given[0]
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()


@asynccontextmanager
async def convious_sandbox() -> AsyncIterator[dict[str, str]]:
    async with ConviousSandbox() as sandbox:
        for reference in ("ticket-adult", "ticket-child"):  # the quick start's products
            sandbox.add_product(reference, reference, max_accepted_price="25.00")
        yield {k: str(v) for k, v in sandbox.client_options().items()}


@asynccontextmanager
async def convictional_sandbox() -> AsyncIterator[ConvictionalSandbox]:
    async with ConvictionalSandbox() as sandbox:
        yield sandbox


@contextmanager
def redis_server() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing in CI: .ci/run must install it")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    spec = importlib.util.spec_from_file_location(
        "readme_redis_support", ROOT / "tests" / "redis" / "redis_support.py"
    )
    assert spec is not None
    assert spec.loader is not None
    support = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(support)
    server = support.RedisServer(binary)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def prepare(snippet: Snippet, stack: ExitStack, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point what the snippet uses at local servers."""
    if "from_env(" in snippet.code:
        options = stack.enter_context(served_in_a_thread(convious_sandbox))
        for name, value in options.items():
            monkeypatch.setenv(f"CONVIOUS_{name.upper()}", value)
    if "ConvictionalClient(" in snippet.code:
        sandbox = stack.enter_context(served_in_a_thread(convictional_sandbox))
        real = convictional_async.ConvictionalClient

        class PointedAtSandbox(real):  # type: ignore[misc, valid-type]
            def __init__(self, api_key: str, **kwargs: Any) -> None:
                super().__init__(sandbox.buyer_key, base_url=sandbox.url, **kwargs)

        monkeypatch.setattr(convictional_async, "ConvictionalClient", PointedAtSandbox)
    if "REDIS_URL" in snippet.code:
        monkeypatch.setenv("REDIS_URL", stack.enter_context(redis_server()))


def run(snippet: Snippet, monkeypatch: pytest.MonkeyPatch) -> None:
    with ExitStack() as stack:
        prepare(snippet, stack, monkeypatch)
        code = compile(snippet.code, snippet.name, "exec")
        exec(code, {"__name__": "__main__"})  # noqa: S102


@pytest.mark.parametrize("snippet", PROGRAMS, ids=lambda s: s.name)
def test_each_program_runs(snippet: Snippet, monkeypatch: pytest.MonkeyPatch) -> None:
    run(snippet, monkeypatch)


def program_with(marker: str) -> Snippet:
    (snippet,) = [s for s in PROGRAMS if marker in s.code]
    return snippet


def test_the_pricing_quick_start_prints_every_price(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run(program_with('cookie_id="c-123"'), monkeypatch)
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 30 * 2 * 2 + 1  # days x times x products, then one price
    assert printed[0].startswith("2018-04-01 10:00:00 ticket-adult ")


def test_the_inventory_quick_start_delivers_everything(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run(program_with("client.inventory.batcher"), monkeypatch)
    assert capsys.readouterr().out == ""  # nothing undelivered: nothing printed


def test_the_convictional_quick_start_orders_and_reads_back(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run(program_with("ConvictionalClient(api_key="), monkeypatch)
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].split(" ", 1)[1] == "[(True, False, False, False)]"  # posted to its seller
    assert printed[-1].startswith("200 ")
