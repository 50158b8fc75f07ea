"""The Convictional wire format: its one private converter, its envelopes, decode and encode.

This is the only Convictional module that touches cattrs (through the core's
:func:`~convictional_async.core.make_converter`). On top of the core conventions it:

* sends money as JSON numbers (``"retailPrice": 12.50``), as the API expects;
* accepts an id that older API versions send as a number where a string is declared
  (:data:`StrOrIntId`), and a Seller variant's string id under ``id`` as well as ``_id``
  (an integer ``id`` is the legacy numeric id);
* carries ``bytes`` as base64 text;
* accepts both envelopes: a bare object or array, or an object with a ``data`` member
  (and ``hasMore``, ``next``, ``previous``, an empty ``"error": []`` that is ignored; no
  Convictional model has a ``data`` field). A 2xx body that reports an error is a
  :class:`~convictional_async.core.ResponseDecodeError`.

A naive timestamp in a response is an error, not assumed UTC: the reference documents
RFC 3339 timestamps, which always carry an offset (``Z`` or ``+00:00``).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any, TypeVar, cast

import cattrs

from ._models_products import Variant
from ._models_shared import StrOrIntId
from .core import Response, ResponseDecodeError, normalize_error_body
from .core._pagination import Page
from .core._serialization import (
    WireTypeError,
    carries_secret,
    decode_json,
    encode_model,
    json_type,
    make_converter,
    parse_json,
    structure_response,
)

T = TypeVar("T")

MAX_PAGE_LIMIT = 250
"""The largest ``limit`` the list endpoints accept (and the default page size here)."""
_PLAIN_ID = re.compile(r"[A-Za-z0-9_-]{8,128}")
"""What a bare id in a create answer looks like (ids seen: 24 or 32 hex digits, UUIDs)."""


def _str_or_int_id(value: Any, _: Any) -> str:
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return str(value)
    raise WireTypeError(f"expected an id (string or integer), got {json_type(value)}")


def _bytes_from_base64(value: Any, _: Any) -> bytes:
    if not isinstance(value, str):
        raise WireTypeError(f"expected base64 text, got {json_type(value)}")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise WireTypeError("expected base64 text") from None


def _bytes_to_base64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _seller_variant_ids(converter: cattrs.Converter) -> None:
    """A Seller variant's string ``id`` is its ``_id``; an integer ``id`` is the legacy id."""
    structure = converter.get_structure_hook(Variant)

    def structure_variant(value: Any, target: Any) -> Variant:
        if isinstance(value, dict) and "_id" not in value and isinstance(value.get("id"), str):
            value = {("_id" if key == "id" else key): item for key, item in value.items()}
        return cast(Variant, structure(value, target))

    converter.register_structure_hook(Variant, structure_variant)


def _build_converter() -> cattrs.Converter:
    converter = make_converter(decimals="number")
    converter.register_structure_hook(StrOrIntId, _str_or_int_id)
    converter.register_structure_hook(bytes, _bytes_from_base64)
    converter.register_unstructure_hook(bytes, _bytes_to_base64)
    _seller_variant_ids(converter)
    return converter


_converter = _build_converter()


def encode(body: Any) -> bytes:
    """A request model -> its JSON body (UNSET fields omitted, money as JSON numbers)."""
    return encode_model(_converter, body)


def unstructure(model: Any) -> Any:
    """A model -> JSON-ready builtins, exactly as :func:`encode` would send it."""
    return _converter.unstructure(model)


def _reported_error(document: dict[str, Any]) -> str | None:
    """The messages of a non-empty ``error``/``errors`` member, if any."""
    if not any(document.get(key) for key in ("error", "errors")):
        return None
    errors = normalize_error_body(document)
    return "; ".join(f"{field}: {m}" for field, msgs in errors.items() for m in msgs) or "error"


def unwrap(response: Response, document: Any, *, include_body: bool = True) -> Any:
    """The resource inside a response: ``data`` of an envelope, else the document itself.

    ``include_body=False`` keeps the body out of the error (a reply that may hold a secret).
    """
    if not isinstance(document, dict):
        return document
    reported = _reported_error(document)
    if reported is not None:
        raise response.decode_error(
            f"a successful response reports an error: {reported}", include_body=include_body
        )
    if "data" in document:
        return document["data"]
    if "error" in document:
        return {key: value for key, value in document.items() if key != "error"}
    return document


def decode(response: Response, cls: type[T]) -> T:
    """One resource, bare or in ``{"data": {...}}``, or ResponseDecodeError."""
    secret = carries_secret(cls)
    document = unwrap(
        response, decode_json(response, include_body=not secret), include_body=not secret
    )
    return structure_response(_converter, response, document, cls)


def decode_optional(response: Response, cls: type[T]) -> T | None:
    """A resource if the reply holds one; ``None`` for an empty, non-JSON or ``{}`` body.

    For answers the API does not document (a cancel may return the order or nothing).
    """
    document = parse_json(response.body)
    if not isinstance(document, dict):
        return None
    data = unwrap(response, document, include_body=not carries_secret(cls))
    if data is None or data == {}:
        return None
    return structure_response(_converter, response, data, cls)


def _items(response: Response, document: Any, cls: type[T]) -> tuple[T, ...]:
    if document is None:
        return ()
    if not isinstance(document, list):
        raise response.decode_error(f"expected a list of {cls.__name__}, got {json_type(document)}")
    target = cast(Any, tuple)[cls, ...]
    return cast("tuple[T, ...]", structure_response(_converter, response, document, target))


def decode_list(response: Response, cls: type[T]) -> tuple[T, ...]:
    """A list of resources, a bare array or ``{"data": [...]}``; ``null`` is empty."""
    secret = carries_secret(cls)
    document = unwrap(
        response, decode_json(response, include_body=not secret), include_body=not secret
    )
    return _items(response, document, cls)


def _page_meta(response: Response, document: dict[str, Any]) -> tuple[bool | None, str | None]:
    has_more, next_url = document.get("hasMore"), document.get("next")
    if has_more is not None and not isinstance(has_more, bool):
        raise response.decode_error(f"hasMore must be a boolean, got {json_type(has_more)}")
    if next_url is not None and not isinstance(next_url, str):
        raise response.decode_error(f"next must be a string, got {json_type(next_url)}")
    return has_more, next_url or None


def decode_page(response: Response, cls: type[T]) -> Page[T]:
    """One page of a list: a bare array, or an envelope with ``hasMore`` and ``next``."""
    secret = carries_secret(cls)
    document = decode_json(response, include_body=not secret)
    has_more, next_url, data = None, None, unwrap(response, document, include_body=not secret)
    if isinstance(document, dict):
        if "data" not in document:
            raise response.decode_error(f"expected a page of {cls.__name__}: no data member")
        has_more, next_url = _page_meta(response, document)
    return Page(items=_items(response, data, cls), has_more=has_more, next_url=next_url)


def decode_created(response: Response, cls: type[T]) -> T | str:
    """A create's answer: the resource (bare or enveloped), or just its id.

    The order-create answer is documented both ways: a JSON string or plain-text id, or
    the created order object.
    """
    try:
        document = decode_json(response, include_body=not carries_secret(cls))
    except ResponseDecodeError:
        text = response.text.strip()
        if _PLAIN_ID.fullmatch(text):
            return text
        raise
    document = unwrap(response, document, include_body=not carries_secret(cls))
    if isinstance(document, str):
        if _PLAIN_ID.fullmatch(document):
            return document
        raise response.decode_error("the created id is empty or not an id")
    return structure_response(_converter, response, document, cls)
