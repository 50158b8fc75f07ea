"""Versions and identity: ``__version__``, ``--version`` on every console script, the
User-Agent of both clients, and the error classes ``convious`` exports."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

import convictional_async
import convious
from convictional_async import ConvictionalClient
from convious import ConviousClient, ProductRemoved

ROOT = Path(__file__).resolve().parents[1]
VERSION = importlib.metadata.version("convictional-async")


def test_both_packages_report_the_installed_distribution_version():
    assert convious.__version__ == VERSION
    assert convictional_async.__version__ == VERSION


@pytest.mark.parametrize("script", ["convious", "convictional"])
def test_every_console_script_prints_its_version(script):
    executable = Path(sys.executable).with_name(script)
    if not executable.exists():
        pytest.skip(f"the {script} console script is not installed next to {sys.executable}")
    result = subprocess.run(
        [str(executable), "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{script} {VERSION}"


class Recorder:
    """A server that answers every request and keeps the User-Agent it was sent."""

    def __init__(self) -> None:
        self.agents: list[str] = []
        app = web.Application()
        app.router.add_post(
            "/oauth/token/", self._reply({"access_token": "t", "token_type": "Bearer"})
        )
        app.router.add_post("/events", self._reply(None))
        app.router.add_get("/auth/me", self._reply({"user": {"_id": "u"}, "company": {"_id": "c"}}))
        self.server = TestServer(app, host="127.0.0.1")

    def _reply(self, body: object):
        async def handle(request: web.Request) -> web.Response:
            self.agents.append(request.headers.get("User-Agent", ""))
            return web.json_response(body) if body is not None else web.Response()

        return handle


async def test_both_clients_send_their_version_in_the_user_agent():
    recorder = Recorder()
    async with recorder.server as server:
        base = str(server.make_url(""))
        urls = {"identity_url": base, "inventory_url": base, "pricer_url": base}
        async with ConviousClient("id", "secret", **urls) as client:
            await client.inventory.publish([ProductRemoved(product_reference="a")])
        async with ConvictionalClient("key-ua", base_url=base, rate_limit=None) as other:
            await other.shared.me()
    assert recorder.agents == [
        f"convictional-async/{VERSION} (convious)",  # the token request
        f"convictional-async/{VERSION} (convious)",
        f"convictional-async/{VERSION} (convictional)",
    ]


def readme_error_names() -> set[str]:
    """Every class named in the README's error tree."""
    text = (ROOT / "README.md").read_text()
    tree = text.split("## Errors", 1)[1].split("```", 2)[1]
    return set(re.findall(r"\b[A-Z][A-Za-z]*(?:Error|Exceeded|Timeout|Lost|Large)\b", tree))


def test_convious_exports_every_error_class_of_the_readme_tree():
    names = readme_error_names()
    assert {"NotFoundError", "TLSError", "UnprocessableEntityError"} <= names
    missing = sorted(name for name in names if name not in convious.__all__)
    assert missing == []
    for name in names:
        assert issubclass(getattr(convious, name), convious.SDKError)
