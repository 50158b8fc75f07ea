"""Secret scrubbing: every encoding a server might echo a secret back in."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote, quote_plus

import pytest

from convictional_async.core import REDACTED, Response, redact_text, status_error

SECRET = 's3cr&t pass+/é"\\😀'
CLIENT_ID = "client-1"


def encodings(secret: str, client_id: str = CLIENT_ID) -> dict[str, str]:
    """Every form in which a server may echo ``secret`` back."""
    basic = f"{client_id}:{secret}"
    return {
        "raw": secret,
        "quote_plus": quote_plus(secret),
        "quote": quote(secret, safe=""),
        "quote lowercase hex": quote(secret, safe="").lower(),
        "json ascii": json.dumps(secret)[1:-1],
        "json utf-8": json.dumps(secret, ensure_ascii=False)[1:-1],
        "json escaped slash": json.dumps(secret, ensure_ascii=False)[1:-1].replace("/", "\\/"),
        "basic utf-8": base64.b64encode(basic.encode()).decode(),
        "basic form-encoded": base64.b64encode(
            f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
        ).decode(),
        "basic url-safe": base64.urlsafe_b64encode(basic.encode()).decode().rstrip("="),
    }


@pytest.mark.parametrize("form", list(encodings(SECRET)))
def test_every_encoding_of_a_secret_is_redacted(form):
    shown = encodings(SECRET)[form]
    text = f"before {shown} after"
    assert redact_text(text, [SECRET]) == f"before {REDACTED} after"


@pytest.mark.parametrize("client_id", ["", "a", "ab", "abc", "abcd", "client-12345"])
def test_basic_credentials_are_found_whatever_the_client_id_length(client_id):
    header = base64.b64encode(f"{client_id}:{SECRET}".encode()).decode()
    assert redact_text(f"Authorization: Basic {header}", [SECRET]) == (
        f"Authorization: Basic {REDACTED}"
    )


def test_a_form_body_echoed_whole_loses_the_secret_and_keeps_the_rest():
    form = f"grant_type=client_credentials&client_id=c-1&client_secret={quote_plus(SECRET)}"
    assert redact_text(f"bad form: {form}", [SECRET]) == (
        f"bad form: grant_type=client_credentials&client_id=c-1&client_secret={REDACTED}"
    )


def test_a_mixed_encoding_as_javascript_produces_is_redacted():
    # encodeURIComponent leaves ! ' ( ) * alone where Python's quote encodes them.
    secret = "it's(a)!secret&more"
    js = "it's(a)!secret%26more"
    assert redact_text(js, [secret]) == REDACTED


def test_html_escaped_secrets_are_redacted():
    assert redact_text("<p>secret: s3cr&amp;t-value</p>", ["s3cr&t-value"]) == (
        f"<p>secret: {REDACTED}</p>"
    )


def test_several_secrets_and_overlaps():
    text = "token abcdef123 and key abcdef123456 and s3cret"
    assert redact_text(text, ("abcdef123", "abcdef123456", "s3cret")) == (
        f"token {REDACTED} and key {REDACTED} and {REDACTED}"
    )


@pytest.mark.parametrize(
    ("text", "secrets"),
    [
        ("nothing to hide here", ["s3cret-value"]),
        ("abc is short", ["abc"]),  # too short to redact without mangling the text
        ("", ["s3cret-value"]),
        ("plain", []),
        ("S3CRET-VALUE is another string", ["s3cret-value"]),
        ("aGVsbG8gd29ybGQ= is base64 of something else", ["s3cret-value"]),
    ],
)
def test_text_without_secrets_is_unchanged(text, secrets):
    assert redact_text(text, secrets) == text


def test_the_pipelines_status_error_inherits_every_encoding():
    body = json.dumps(
        {
            "error": "invalid_client",
            "error_description": f"form was client_secret={quote_plus(SECRET)}",
            "errors": {"client_secret": [f"bad {quote(SECRET, safe='')}"]},
        }
    ).encode()
    error = status_error(
        Response(401, {}, body, "POST", "https://identity.test/oauth/token/"), secrets=(SECRET,)
    )
    shown = str(error) + repr(error) + error.body + repr(error.errors)
    for form, value in encodings(SECRET).items():
        assert value not in shown, form
