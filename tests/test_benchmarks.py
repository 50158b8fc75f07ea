"""The benchmarks run and their responder speaks HTTP correctly (behaviour only, never speed)."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


responder_module = _load("benchmarks_responder", BENCHMARKS / "_responder.py")
RequestParser = responder_module.RequestParser
BadRequest = responder_module.BadRequest
Responder = responder_module.Responder

PRICING_BODY = b'{"prices":[]}'


def _request(method: str, path: str, body: bytes = b"", extra: str = "") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + extra.encode() + b"\r\n" + body


def _read_responses(sock: socket.socket, count: int) -> list[tuple[int, dict[str, str], bytes]]:
    """Read exactly ``count`` responses (Content-Length framed) from ``sock``."""
    buffer = b""
    responses = []
    while len(responses) < count:
        end = buffer.find(b"\r\n\r\n")
        if end >= 0:
            lines = buffer[:end].decode().split("\r\n")
            headers = dict(line.split(": ", 1) for line in lines[1:])
            length = int(headers["Content-Length"])
            if len(buffer) >= end + 4 + length:
                body = buffer[end + 4 : end + 4 + length]
                responses.append((int(lines[0].split()[1]), headers, body))
                buffer = buffer[end + 4 + length :]
                continue
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed after {len(responses)} responses")
        buffer += chunk
    return responses


@pytest.fixture(scope="module")
def responder() -> Iterator[Any]:
    with Responder(pricing_body=PRICING_BODY, cpu=None) as running:
        yield running


def _connect(responder: Any) -> socket.socket:
    return socket.create_connection(("127.0.0.1", responder.port), timeout=5.0)


def test_parser_reassembles_a_request_fed_byte_by_byte() -> None:
    parser = RequestParser()
    data = _request("POST", "/api/price/rtp", b'{"cookieId":"c"}')
    requests = [request for byte in data for request in parser.feed(bytes([byte]))]
    assert [(r.method, r.path, r.body) for r in requests] == [
        (b"POST", b"/api/price/rtp", b'{"cookieId":"c"}')
    ]


def test_parser_splits_pipelined_requests_and_keeps_the_partial_rest() -> None:
    parser = RequestParser()
    data = _request("POST", "/events", b"[1]") + _request("GET", "/x?y=1") + b"POST /ev"
    assert [(r.method, r.path, r.body) for r in parser.feed(data)] == [
        (b"POST", b"/events", b"[1]"),
        (b"GET", b"/x", b""),
    ]
    assert [r.path for r in parser.feed(b"ents HTTP/1.1\r\nContent-Length: 0\r\n\r\n")] == [
        b"/events"
    ]


def test_parser_reads_connection_close_and_http_1_0() -> None:
    parser = RequestParser()
    close = _request("POST", "/events", extra="Connection: close\r\n")
    old = b"GET / HTTP/1.0\r\n\r\n"
    assert [r.keep_alive for r in parser.feed(close + old)] == [False, False]


@pytest.mark.parametrize(
    "data",
    [
        b"NONSENSE\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
    ],
)
def test_parser_rejects_what_it_does_not_understand(data: bytes) -> None:
    with pytest.raises(BadRequest):
        RequestParser().feed(data)


def test_responder_answers_each_route_in_order_on_one_connection(responder: Any) -> None:
    with _connect(responder) as sock:
        sock.sendall(
            _request("POST", "/oauth/token/", b"grant_type=client_credentials")
            + _request("POST", "/api/price/rtp", b"{}")
            + _request("POST", "/events", b"[]")
            + _request("GET", "/api/price/rtp")
        )
        responses = _read_responses(sock, 4)
    assert [status for status, _, _ in responses] == [200, 200, 200, 404]
    assert json.loads(responses[0][2])["access_token"] == "bench-token"
    assert responses[1][2] == PRICING_BODY
    assert responses[2][2] == b""
    for _, headers, _ in responses:
        assert headers["Content-Type"] == "application/json"
        assert headers["X-Request-ID"]
    assert len({headers["X-Request-ID"] for _, headers, _ in responses}) == 4


def test_responder_handles_a_request_split_across_writes(responder: Any) -> None:
    data = _request("POST", "/api/price/rtp", b'{"cookieId":"visitor-1"}')
    with _connect(responder) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for start in range(0, len(data), 7):
            sock.sendall(data[start : start + 7])
        [(status, _, body)] = _read_responses(sock, 1)
    assert (status, body) == (200, PRICING_BODY)


def test_responder_closes_after_connection_close(responder: Any) -> None:
    with _connect(responder) as sock:
        sock.sendall(_request("POST", "/events", extra="Connection: close\r\n"))
        [(status, headers, _)] = _read_responses(sock, 1)
        assert sock.recv(1) == b""
    assert (status, headers["Connection"]) == (200, "close")


def test_responder_serves_a_thousand_connections_at_once(responder: Any) -> None:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1100:
        pytest.skip(f"needs 1100 open files, the limit is {soft}")
    sockets: list[socket.socket] = []
    try:
        for _ in range(1000):
            sockets.append(_connect(responder))
        for sock in sockets:
            sock.sendall(_request("POST", "/events"))
        statuses = [_read_responses(sock, 1)[0][0] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()
    assert statuses == [200] * 1000


def test_responder_process_exits_when_stopped() -> None:
    running = Responder(pricing_body=PRICING_BODY, cpu=None)
    running.start()
    process = running._process
    running.stop()
    running.stop()
    assert process.returncode == 0


def test_responder_process_exits_when_its_parent_is_killed() -> None:
    parent_code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import _responder, os, time\n"
        "r = _responder.Responder(cpu=None); r.start()\n"
        "print(r._process.pid, flush=True); time.sleep(60)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", parent_code, str(BENCHMARKS)], stdout=subprocess.PIPE
    )
    assert parent.stdout is not None
    with parent.stdout:
        child_pid = int(parent.stdout.readline())
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 10.0
    while _is_running(child_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _is_running(child_pid)


def _is_running(pid: int) -> bool:
    """Whether ``pid`` is a live (not zombie) process."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture
def pricing(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # pricing.py imports _responder
    return _load("benchmarks_pricing", BENCHMARKS / "pricing.py")


def test_summary_takes_medians_and_reports_a_timed_out_client(pricing: Any) -> None:
    runs = [
        pricing.Run("day", 4, base, n, 100, 1.0, cpu)
        for base in ("aiohttp", "aiohttp-lean")
        for n, cpu in enumerate([0.03, 0.02, 0.04], start=1)
    ]
    runs += [
        pricing.Run("day", 4, "httpx", 1, 100, 1.0, 0.05),
        pricing.Run("day", 4, "sdk", 1, 100, 2.0, 0.027),
    ]
    failures = [pricing.Failure("day", 4, "httpx", "PoolTimeout")]

    summaries = pricing.summarize(runs, failures, ["aiohttp", "aiohttp-lean", "httpx", "sdk"])

    assert [s.client for s in summaries] == ["aiohttp", "aiohttp-lean", "httpx", "sdk"]
    aiohttp, _, httpx, sdk = summaries
    assert (aiohttp.cpu_us_per_request, aiohttp.cpu_us_min, aiohttp.cpu_us_max) == (
        pytest.approx(300.0),
        pytest.approx(200.0),
        pytest.approx(400.0),
    )
    assert (httpx.cpu_us_per_request, httpx.error) == (None, "PoolTimeout")
    assert sdk.cpu_vs == pytest.approx({"aiohttp": 0.9, "aiohttp-lean": 0.9})
    table = pricing.markdown_table(summaries).splitlines()
    assert "| day | 4 | httpx | timed out (PoolTimeout) | - | n/a | n/a |" in table
    assert "| day | 4 | sdk | 50 | 270.0 | 0.90 | 0.90 |" in table
    assert pricing.verdicts(summaries) == [
        "- day, C=4: SDK CPU/request = 0.90x aiohttp (rounds 0.90-0.90); target <= 0.95x met",
        "- day, C=4: SDK CPU/request = 0.90x aiohttp-lean (rounds 0.90-0.90); target <= 0.90x met",
    ]


def test_verdicts_give_the_round_range_and_each_baselines_target(pricing: Any) -> None:
    runs = [
        pricing.Run("calendar", 100, client, n, 100, 1.0, cpu)
        for client, cpus in (
            ("aiohttp", [0.02, 0.02, 0.02]),
            ("aiohttp-lean", [0.019, 0.019, 0.019]),
            ("sdk", [0.018, 0.017, 0.02]),
        )
        for n, cpu in enumerate(cpus, start=1)
    ]

    verdicts = pricing.verdicts(pricing.summarize(runs, [], ["aiohttp", "aiohttp-lean", "sdk"]))

    assert verdicts == [
        "- calendar, C=100: SDK CPU/request = 0.90x aiohttp (rounds 0.85-1.00); "
        "target <= 0.95x met",
        "- calendar, C=100: SDK CPU/request = 0.95x aiohttp-lean (rounds 0.89-1.05); "
        "target <= 0.90x MISSED",
    ]


def test_a_slow_responder_adds_a_throughput_verdict_against_the_lean_client(
    pricing: Any,
) -> None:
    runs = [
        pricing.Run("day", 100, client, 1, 1000, wall, 0.05)
        for client, wall in (("aiohttp", 1.0), ("aiohttp-lean", 1.0), ("sdk", 1.1))
    ]

    verdicts = pricing.verdicts(
        pricing.summarize(runs, [], ["aiohttp", "aiohttp-lean", "sdk"]), latency=0.1
    )

    assert verdicts[-1] == (
        "- day, C=100: responder latency 100 ms: SDK throughput = 0.91x aiohttp-lean; "
        "target >= 0.95x MISSED"
    )


def test_ratio_is_the_median_of_same_round_ratios_so_drift_cancels(pricing: Any) -> None:
    # The machine slows down 2.5x in round 2; the SDK's round 1 is disturbed on its own.
    cpu = {"aiohttp": [0.02, 0.05, 0.03], "sdk": [0.04, 0.045, 0.0285]}
    runs = [
        pricing.Run("day", 100, client, n, 100, 1.0, seconds)
        for client, series in cpu.items()
        for n, seconds in enumerate(series, start=1)
    ]

    sdk = pricing.summarize(runs, [], ["aiohttp", "sdk"])[1]

    assert sdk.round_ratios["aiohttp"] == pytest.approx((2.0, 0.9, 0.95))
    assert sdk.cpu_vs["aiohttp"] == pytest.approx(0.95)  # medians alone would say 1.33
    assert sdk.cpu_us_per_request == pytest.approx(400.0)


def run_benchmark(script: str, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run ``benchmarks/<script> *args`` in a child process; its output."""
    return subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_pricing_benchmark_prints_the_table(tmp_path: Path) -> None:
    results = tmp_path / "pricing.json"
    completed = run_benchmark(
        "pricing.py",
        "--requests",
        "40",
        "--rounds",
        "1",
        "--concurrency",
        "4",
        "--scenario",
        "day",
        "--json",
        str(results),
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert (
        "| scenario | C | client | req/s | CPU µs/req | CPU vs aiohttp | CPU vs lean aiohttp |"
        in lines
    )
    rows = [line.split("|")[1:-1] for line in lines if line.startswith("| day |")]
    assert [cells[2].strip() for cells in rows] == [
        "aiohttp",
        "aiohttp-lean",
        "httpx",
        "sdk",
        "sdk-paced",
    ]
    assert [cells[1].strip() for cells in rows] == ["4"] * 5
    assert (rows[0][5].strip(), rows[1][6].strip()) == ("1.00", "1.00")
    for cells in rows:
        float(cells[5]), float(cells[6])  # every row has both ratios
    assert any(line.startswith("- day, C=4: SDK CPU/request") for line in lines)
    assert "distinct cookieId" in completed.stdout
    assert "Traceback" not in completed.stderr
    assert "Unclosed" not in completed.stderr
    document = json.loads(results.read_text())
    assert len(document["runs"]) == 5
    assert {median["client"] for median in document["medians"]} == {
        "aiohttp",
        "aiohttp-lean",
        "httpx",
        "sdk",
        "sdk-paced",
    }


callgrind_module = _load("benchmarks_callgrind", BENCHMARKS / "_callgrind.py")


def test_callgrind_log_gives_instructions_and_cache_misses() -> None:
    log = (
        "==7== Events    : Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw\n"
        "==7== Collected : 1000 300 200 5 6 7 1 2 3\n==7== \n==7== I   refs: 1,000\n"
    )

    counts = callgrind_module.parse_counts(log)

    assert (counts.instructions, counts.l1_misses, counts.ll_misses) == (1000, 18, 6)
    assert counts.estimated_cycles == 1000 + 10 * 18 + 100 * 6
    with pytest.raises(callgrind_module.CallgrindError, match="'Events' and 'Collected'"):
        callgrind_module.parse_counts("==7== I   refs: 38,831,930\n")
    with pytest.raises(callgrind_module.CallgrindError, match="more than one"):
        callgrind_module.parse_counts(log + log)


@pytest.mark.skipif(callgrind_module.valgrind_path() is None, reason="valgrind not installed")
def test_callgrind_counts_grow_with_the_work_done_and_failures_carry_the_exit_status() -> None:
    def loop(n: int) -> list[str]:
        return [sys.executable, "-S", "-c", f"for _ in range({n}): pass"]

    steps = 20_000  # about 400 instructions each, next to a startup of about 28 million
    idle = callgrind_module.count_instructions(loop(0), timeout=120)
    busy = callgrind_module.count_instructions(loop(steps), timeout=120)

    assert busy.instructions - idle.instructions > steps * 10  # many per loop step
    assert busy.estimated_cycles > busy.instructions  # the caches were simulated
    with pytest.raises(callgrind_module.CallgrindError) as failed:  # sh: 1% of a Python start
        callgrind_module.count_instructions(["/bin/sh", "-c", "echo gave up; exit 3"], timeout=120)
    assert (failed.value.returncode, failed.value.output) == (3, "gave up\n")


def test_counts_are_differences_compared_with_each_baseline_by_both_figures(
    pricing: Any,
) -> None:
    def counts(instructions: int, misses: int) -> Any:
        return callgrind_module.Counts(instructions, misses, 0)

    def count(c: int, client: str, small: Any, large: Any) -> Any:
        return pricing.Count("day", c, client, 500, small, 1000, large)

    results = [
        count(4, "aiohttp", counts(2_000_000_000, 0), counts(2_400_000_000, 10_000_000)),
        count(4, "aiohttp-lean", counts(2_000_000_000, 0), counts(2_380_000_000, 10_000_000)),
        count(4, "sdk", counts(1_900_000_000, 0), counts(2_260_000_000, 12_000_000)),
        pricing.Failure("day", 4, "httpx", "PoolTimeout"),
        count(9, "sdk", counts(1_000, 0), counts(2_000, 0)),
    ]

    aiohttp = results[0]
    assert (aiohttp.instructions, aiohttp.cycles) == (800_000, 1_000_000)
    assert pricing.count_ratios(results, results[2])["aiohttp"] == pytest.approx((0.9, 0.96))
    assert pricing.instruction_table(results).splitlines()[2:] == [
        "| day | 4 | aiohttp | 800,000 | 1,000,000 | 1.00 / 1.00 | 1.05 / 1.04 |",
        "| day | 4 | aiohttp-lean | 760,000 | 960,000 | 0.95 / 0.96 | 1.00 / 1.00 |",
        "| day | 4 | sdk | 720,000 | 960,000 | 0.90 / 0.96 | 0.95 / 1.00 |",
        "| day | 4 | httpx | timed out (PoolTimeout) | - | n/a | n/a |",
        "| day | 9 | sdk | 2 | 2 | n/a | n/a |",
    ]
    # Fewer instructions alone is not enough: the cycle estimate misses the target.
    assert pricing.instruction_verdicts(results) == [
        "- day, C=4: SDK instructions/request = 0.90x aiohttp, estimated "
        "cycles/request = 0.96x; target <= 0.95x MISSED",
        "- day, C=4: SDK instructions/request = 0.95x aiohttp-lean, estimated "
        "cycles/request = 1.00x; target <= 0.90x MISSED",
        "- day, C=9: no SDK and aiohttp counts to compare; no verdict",
        "- day, C=9: no SDK and aiohttp-lean counts to compare; no verdict",
    ]


def test_memory_mode_reports_peak_rss_against_the_lean_client(tmp_path: Path) -> None:
    results = tmp_path / "memory.json"
    completed = run_benchmark(
        "pricing.py",
        "--measure",
        "memory",
        "--requests",
        "200",
        "--concurrency",
        "20",
        "--scenario",
        "day",
        "--clients",
        "aiohttp-lean",
        "sdk",
        "--json",
        str(results),
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    rows = [line.split("|")[1:-1] for line in completed.stdout.splitlines() if "| day |" in line]
    assert [cells[2].strip() for cells in rows] == ["aiohttp-lean", "sdk"]
    assert rows[0][5].strip() == "1.00"
    assert any(
        line.startswith("- day, C=20: SDK peak RSS = ") for line in completed.stdout.splitlines()
    )
    peaks = [entry["peak_kib"] for entry in json.loads(results.read_text())["memory"]]
    assert all(peak > 10_000 for peak in peaks)  # a Python process with aiohttp loaded


def test_counted_child_runs_its_lookups_natively_and_checks_the_prices(
    pricing: Any, responder: Any
) -> None:
    def child(base_url: str) -> subprocess.CompletedProcess[str]:
        script = str(BENCHMARKS / "pricing.py")
        return subprocess.run(
            [sys.executable, script, "--count-child", base_url, "day", "4", "sdk", "5", "20"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    with Responder(pricing_body=pricing.SCENARIOS["day"].response_body(), cpu=None) as day:
        assert child(day.base_url).returncode == 0
    # The module's responder answers with no prices: the child must fail, not count.
    wrong = child(responder.base_url)
    assert wrong.returncode == 1
    assert "IndexError" in wrong.stderr


def test_instruction_mode_without_valgrind_says_what_is_missing(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, str(BENCHMARKS / "pricing.py"), "--measure", "instructions"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": str(tmp_path)},
    )

    assert completed.returncode == 2
    assert "needs valgrind" in completed.stderr


def test_instruction_mode_needs_two_lookups_to_take_a_difference() -> None:
    script = str(BENCHMARKS / "pricing.py")
    completed = subprocess.run(
        [sys.executable, script, "--measure", "instructions", "--requests", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert completed.returncode == 2
    assert "N must be >= 2" in completed.stderr


def test_ratelimit_benchmark_runs_and_reports_every_column(capsys, monkeypatch):
    module = _load("benchmarks_ratelimit", BENCHMARKS / "ratelimit.py")
    quick = module.scenarios
    # 6 GETs instead of --quick's 12: still more than one 1-second window holds at 5/s.
    monkeypatch.setattr(
        module, "scenarios", lambda *args: [replace(s, requests=6) for s in quick(*args)]
    )
    results = asyncio.run(module.main(["--quick", "--only", "window 5/s, 60"]))
    assert [r.ok for r in results] == [6]
    assert results[0].throttled == 0
    out = capsys.readouterr().out
    assert "429/1000" in out
    assert "window 5/s, 60 GETs" in out


def test_convictional_benchmark_lists_every_product_once(capsys):
    module = _load("benchmarks_convictional", BENCHMARKS / "convictional.py")
    result = module.main(["--quick"])
    assert result.unique == result.products == 600
    assert result.server_429s == 0
    assert "429" in capsys.readouterr().out


def test_pricing_layers_benchmark_prints_every_layer() -> None:
    completed = run_benchmark(
        "pricing_layers.py", "--requests", "40", "--rounds", "1", "--concurrency", "4", timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    rows = [line.split("|")[1:-1] for line in completed.stdout.splitlines() if line[:2] == "| "]
    names = [cells[0].strip() for cells in rows[1:]]  # after the header row
    assert names == ["aiohttp-lean", "raw", "transport", "pipeline", "sdk"]
    assert rows[1][3].strip().startswith("1.00")
    for cells in rows[1:]:
        assert float(cells[1]) > 0  # CPU per lookup
        assert float(cells[2]) >= 0  # of which the garbage collector
