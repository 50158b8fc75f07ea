"""The analytics snippet: hostile account and cookie ids can never break out of it."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from convious.analytics import DEFAULT_SCRIPT_URL, new_cookie_id, render_snippet

HOSTILE = [
    "</script><script>alert(1)</script>",
    '"); alert(1); ("',
    "'); alert(1); ('",
    '\\"); alert(1); //',
    "<!-- <script>",
    "line\u2028separator\u2029paragraph",
    "new\nline\r\n",
    "&lt;not decoded&gt;",
    "emoji 🎟️ and ümlauts",
    "${alert(1)}",
]


class ScriptCollector(HTMLParser):
    """Parses the snippet the way a browser tokenizes it."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.bodies: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.bodies.append(data)


def parse(snippet: str) -> ScriptCollector:
    parser = ScriptCollector()
    parser.feed(snippet)
    parser.close()
    return parser


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_ids_stay_inside_their_string(value):
    snippet = render_snippet(value, value)
    parsed = parse(snippet)
    assert [tag for tag, _ in parsed.tags] == ["script", "script"]  # no extra elements
    (body,) = [b for b in parsed.bodies if b.strip()]
    call = re.fullmatch(r"conviousPricing\.init\((.*)\);", body, flags=re.DOTALL)
    assert call, body
    assert json.loads(f"[{call.group(1)}]") == [value, value]  # the arguments round-trip
    for dangerous in ("<", ">", "\u2028", "\u2029", "\n"):
        assert dangerous not in body


def test_default_snippet_and_nonce():
    snippet = render_snippet("acme", "c-1", nonce='n"1')
    parsed = parse(snippet)
    assert parsed.tags[0] == ("script", {"src": DEFAULT_SCRIPT_URL, "nonce": 'n"1'})
    assert parsed.tags[1] == ("script", {"nonce": 'n"1'})


def test_script_url_is_attribute_escaped_and_must_be_http():
    snippet = render_snippet("a", "c", script_url='https://cdn.example/a.js?x="><b>')
    assert parse(snippet).tags[0][1]["src"] == 'https://cdn.example/a.js?x="><b>'
    assert [tag for tag, _ in parse(snippet).tags] == ["script", "script"]
    for bad in ("javascript:alert(1)", "//cdn.example/a.js", "data:text/javascript,1"):
        with pytest.raises(ValueError, match="script_url"):
            render_snippet("a", "c", script_url=bad)


@pytest.mark.parametrize(("account", "cookie"), [("", "c"), ("a", "  "), (None, "c"), ("a", 5)])
def test_missing_ids_are_value_errors(account, cookie):
    with pytest.raises(ValueError, match="must be a non-empty string"):
        render_snippet(account, cookie)


def test_new_cookie_ids_are_unique_and_cookie_safe():
    ids = {new_cookie_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{16,}", i) for i in ids)
