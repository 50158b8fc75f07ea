"""The error tree and error-body normalization, without a network."""

from __future__ import annotations

import pytest

from convictional_async.core import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    Response,
    SDKError,
    ServerError,
    TransportError,
    UnprocessableEntityError,
    normalize_error_body,
    redact_url,
    status_error,
    status_error_class,
)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (415, APIStatusError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, ServerError),
        (503, ServerError),
        (599, ServerError),
        (302, APIStatusError),
    ],
)
def test_status_maps_to_one_class(status, cls):
    assert status_error_class(status) is cls


def test_transport_and_status_errors_are_separate_branches():
    assert issubclass(TransportError, SDKError)
    assert issubclass(APIStatusError, SDKError)
    assert not issubclass(TransportError, APIStatusError)
    assert not issubclass(APIStatusError, TransportError)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"errors": {"qty": ["must be > 0"], "general": ["nope"]}},
            {"qty": ["must be > 0"], "general": ["nope"]},
        ),
        ({"errors": {"qty": "single message"}}, {"qty": ["single message"]}),
        ({"error": "a message"}, {"general": ["a message"]}),
        ({"data": None, "error": [{"message": "A description."}]}, {"general": ["A description."]}),
        ({"data": [], "error": []}, {}),
        (
            {"error": "invalid_client", "error_description": "bad secret"},
            {"general": ["invalid_client: bad secret"]},
        ),
        ({"detail": "Not found."}, {"general": ["Not found."]}),
        (["not", "an", "object"], {}),
        ("plain text", {}),
        (None, {}),
        ({"unrelated": True}, {}),
    ],
)
def test_normalize_every_known_shape(body, expected):
    assert normalize_error_body(body) == expected


def response(status, body: bytes, headers=None):
    return Response(
        status, headers or {"X-Request-ID": "req-9"}, body, "POST", "https://api.example/x"
    )


def test_status_error_carries_status_request_id_and_errors():
    error = status_error(
        response(422, b'{"errors": {"inventoryQuantity": ["must be greater than 0"]}}')
    )
    assert isinstance(error, UnprocessableEntityError)
    assert error.status == 422
    assert error.request_id == "req-9"
    assert error.errors == {"inventoryQuantity": ["must be greater than 0"]}
    assert "inventoryQuantity: must be greater than 0" in str(error)
    assert "req-9" in str(error)
    assert "POST https://api.example/x" in str(error)


def test_status_error_from_html_keeps_a_truncated_body():
    page = b"<html>" + b"x" * 10_000 + b"</html>"
    error = status_error(response(502, page))
    assert isinstance(error, ServerError)
    assert error.errors == {}
    assert error.body.startswith("<html>")
    assert len(error.body) == 2048


def test_rate_limit_error_reads_retry_after():
    error = status_error(response(429, b"", {"Retry-After": "12", "X-Request-ID": "r"}))
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 12.0


def test_every_status_error_reads_retry_after():
    unavailable = status_error(response(503, b"", {"Retry-After": "7"}))
    assert isinstance(unavailable, ServerError)
    assert unavailable.retry_after == 7.0
    assert status_error(response(500, b"")).retry_after is None


def test_secrets_are_scrubbed_from_status_errors():
    body = b'{"error": "token s3cr3t-token-value is revoked"}'
    error = status_error(response(401, body), secrets=("s3cr3t-token-value",))
    assert "s3cr3t-token-value" not in str(error)
    assert "s3cr3t-token-value" not in error.body
    assert "s3cr3t-token-value" not in repr(error.errors)


def test_urls_in_errors_hide_credentials():
    assert (
        redact_url("https://u:p@h/x?api_key=abc&page=1")
        == "https://[REDACTED]@h/x?api_key=[REDACTED]&page=1"
    )
    error = TransportError("boom", method="GET", url="https://h/x?token=abc")
    assert "abc" not in str(error)
