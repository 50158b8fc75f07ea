"""Convious JSON: the one encoder of request bodies and inventory events, and the decoder
of API responses.

msgspec encodes the request structs exactly (explicit ``null``s, decimals as strings,
``YYYY-MM-DD`` dates, ``HH:MM:SS`` times) and decodes responses straight into the typed
result structs. Its errors become the SDK's :class:`ResponseDecodeError` here and
nowhere else. Inventory events read back from JSON Lines files or the spool are decoded
by :func:`convious._events.decode_event`: that is the user's data, so a bad event is a
``ValueError``, not a ``ResponseDecodeError``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import msgspec

from convictional_async.core import Response

T = TypeVar("T")

_encoder = msgspec.json.Encoder()


def encode(value: Any) -> bytes:
    """A struct (or builtins) -> compact JSON bytes."""
    return _encoder.encode(value)


def decoder(cls: type[T]) -> Callable[[Response], T]:
    """A function decoding a response body into ``cls`` (its msgspec decoder made once),
    or raising :class:`ResponseDecodeError`."""
    decode = msgspec.json.Decoder(cls).decode

    def decode_response(response: Response) -> T:
        try:
            return decode(response.body)
        except msgspec.ValidationError as exc:
            raise response.decode_error(
                f"the response does not match {cls.__name__}: {exc}"
            ) from exc
        except msgspec.DecodeError as exc:
            raise response.decode_error(f"the response body is not valid JSON ({exc})") from exc

    return decode_response
