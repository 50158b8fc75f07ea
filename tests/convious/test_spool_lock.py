"""One spool, one owner: a second opener, in this process or another, is refused by name."""

from __future__ import annotations

import asyncio
import re
import sys
import textwrap
import warnings

import pytest

from convious import EventBatcher, ProductRemoved, SDKError
from convious._spool import EventSpool, SpoolLockedError

HOLDER = textwrap.dedent(
    """
    import sys
    from convious._spool import EventSpool

    spool = EventSpool(sys.argv[1])
    print("holding", flush=True)
    sys.stdin.readline()  # hold the spool until the test says so
    spool.close()
    print("released", flush=True)
    """
)

OPENER = textwrap.dedent(
    """
    import sys
    from convious._spool import EventSpool

    try:
        EventSpool(sys.argv[1])
    except Exception as exc:
        print(type(exc).__name__, exc, flush=True)
        sys.exit(3)
    print("opened", flush=True)
    """
)


class Inventory:
    async def post_events(self, body: bytes) -> None:
        pass


async def run_python(script: str, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        script,
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


def test_a_second_spool_in_the_same_process_is_refused(tmp_path):
    path = tmp_path / "events.sqlite"
    first = EventSpool(path)
    try:
        first.add(b"{}")
        with pytest.raises(SpoolLockedError, match=re.escape(str(path))) as refused:
            EventSpool(path)
        assert isinstance(refused.value, SDKError)
        assert refused.value.path == str(path)
        assert len(first) == 1  # the owner carries on
    finally:
        first.close()
    second = EventSpool(path)  # free again once the owner closed it
    assert len(second) == 1
    second.close()


async def test_a_second_batcher_on_a_spool_in_use_refuses_to_start(tmp_path):
    path = tmp_path / "events.sqlite"
    async with EventBatcher(Inventory().post_events, spool_path=path) as owner:
        other = EventBatcher(Inventory().post_events, spool_path=path)
        with pytest.raises(SpoolLockedError, match=re.escape(str(path))):
            await other.start()
        with pytest.raises(SpoolLockedError):
            await other.send(ProductRemoved(product_reference="a"))
        await owner.send(ProductRemoved(product_reference="a"))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            await other.close()  # never started: nothing to hand back, nothing to warn about
        del other


async def test_a_spool_held_by_another_process_is_refused_until_it_lets_go(tmp_path):
    path = tmp_path / "events.sqlite"
    holder = await run_python(HOLDER, str(path))
    assert holder.stdin is not None
    assert holder.stdout is not None
    try:
        async with asyncio.timeout(30):
            assert await holder.stdout.readline() == b"holding\n"
            with pytest.raises(SpoolLockedError, match=re.escape(str(path))):
                EventSpool(path)
            batcher = EventBatcher(Inventory().post_events, spool_path=path)
            with pytest.raises(SpoolLockedError):
                await batcher.start()
            holder.stdin.write(b"go\n")
            assert await holder.stdout.readline() == b"released\n"
            assert await holder.wait() == 0
    finally:
        if holder.returncode is None:
            holder.kill()
            await holder.wait()
    EventSpool(path).close()


async def test_another_process_cannot_open_a_spool_this_one_holds(tmp_path):
    path = tmp_path / "events.sqlite"
    spool = EventSpool(path)
    try:
        opener = await run_python(OPENER, str(path))
        async with asyncio.timeout(30):
            out, _ = await opener.communicate()
    finally:
        spool.close()
    assert opener.returncode == 3, out
    assert out.decode().startswith("SpoolLockedError")
    assert str(path) in out.decode()
