"""Helpers for the Redis tests: a real ``redis-server`` process, the limited server, workers."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import redis
from redis.asyncio import Redis

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("_worker.py")
WORKERS_TIMEOUT = 40.0
"""Seconds a group of worker processes may take, start to finish."""


def load_limited_server() -> ModuleType:
    """``benchmarks/_limited_server.py``, loaded as tests/core/test_ratelimit_servers.py does."""
    name = "benchmarks_limited_server"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "_limited_server.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """One ``redis-server`` process on a free loopback port."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        probe = redis.Redis(port=self.port, socket_timeout=1, socket_connect_timeout=1)
        try:
            while True:
                try:
                    if probe.ping():
                        return
                except redis.ConnectionError:
                    if time.monotonic() > deadline or self.process.poll() is not None:
                        raise
                time.sleep(0.02)
        finally:
            probe.close()

    def stop(self) -> None:
        """Stop the server (SIGCONT first, in case it was frozen)."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGCONT)
            process.terminate()
            process.wait(10)

    def freeze(self) -> None:
        """SIGSTOP: connections are accepted by the kernel but never answered."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)


async def run_workers(
    redis_url: str, tasks: list[dict[str, Any]], *, barrier: str
) -> list[dict[str, Any]]:
    """Run one ``_worker.py`` process per task, release them at once, return their results."""
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            str(WORKER),
            json.dumps({**task, "redis": redis_url, "barrier": barrier}),
            stdout=asyncio.subprocess.PIPE,
        )
        for task in tasks
    ]
    client = Redis.from_url(redis_url)
    try:
        async with asyncio.timeout(WORKERS_TIMEOUT):
            while int(await client.get(f"{barrier}:ready") or 0) < len(tasks):
                if any(p.returncode is not None for p in processes):
                    break
                await asyncio.sleep(0.02)
            await client.rpush(f"{barrier}:go", *range(len(tasks)))
            outputs = await asyncio.gather(*(p.communicate() for p in processes))
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()
        await client.aclose()
    assert all(p.returncode == 0 for p in processes), [p.returncode for p in processes]
    return [json.loads(stdout) for stdout, _ in outputs]
