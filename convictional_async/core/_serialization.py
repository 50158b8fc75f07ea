"""JSON and model conversion: the only core module that imports cattrs or msgspec.

:func:`make_converter` builds a private cattrs converter per API: camelCase on the wire
and snake_case in Python (or an explicit ``wire`` name in a field's metadata), money as
:class:`~decimal.Decimal` (decoded from strings or numbers, encoded as plain decimal
strings), ``date``/``time``/``datetime`` as ISO 8601 strings, unknown response fields
ignored, legacy spellings accepted through a field's ``aliases`` metadata, and requests
encoded exactly (explicit ``null`` included). JSON bytes go through msgspec.

:func:`decode_response` is the one boundary where cattrs' and msgspec's errors become
the SDK's :class:`ResponseDecodeError`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import attrs
import cattrs
import msgspec
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._response import Response

T = TypeVar("T")

WIRE = "wire"
"""Field metadata key: the exact JSON name of a field (instead of its camelCase name)."""
ALIASES = "aliases"
"""Field metadata key: other JSON names accepted for the field in responses."""

_encoder = msgspec.json.Encoder()


def to_camel(name: str) -> str:
    """``snake_case`` -> ``camelCase`` (a leading underscore is kept).

    >>> to_camel("product_reference"), to_camel("_id")
    ('productReference', '_id')
    """
    head, *rest = name.lstrip("_").split("_")
    prefix = "_" * (len(name) - len(name.lstrip("_")))
    return prefix + head + "".join(part[:1].upper() + part[1:] for part in rest)


def wire_name(field: attrs.Attribute[Any]) -> str:
    """The JSON name of an attrs field."""
    return str(field.metadata.get(WIRE) or to_camel(field.name))


def decimal_to_wire(value: Decimal) -> str:
    """A decimal as a plain string, never in exponent notation (``1E+2`` -> ``"100"``)."""
    if not value.is_finite():
        raise ValueError(f"cannot send a non-finite decimal: {value}")
    return format(value, "f")


def decimal_from_wire(value: Any, _: Any = None) -> Decimal:
    """A decimal from a JSON string or number (floats via their shortest repr)."""
    if isinstance(value, bool):
        raise ValueError(f"expected a decimal, got {value!r}")
    if isinstance(value, float):
        value = repr(value)
    if not isinstance(value, str | int):
        raise ValueError(f"expected a decimal, got {value!r}")
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"not a decimal: {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"not a finite decimal: {value!r}")
    return result


def _iso(value: date | time | datetime) -> str:
    return value.isoformat()


def _from_iso(cls: type[Any]) -> Callable[[Any, Any], Any]:
    def structure(value: Any, _: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError(f"expected an ISO 8601 string, got {value!r}")
        return cls.fromisoformat(value)

    return structure


def make_converter() -> cattrs.Converter:
    """A fresh, private converter with the SDK's wire conventions (never the global one)."""
    converter = cattrs.Converter()
    converter.register_unstructure_hook(Decimal, decimal_to_wire)
    converter.register_structure_hook(Decimal, decimal_from_wire)
    for cls in (date, time, datetime):
        converter.register_unstructure_hook(cls, _iso)
        converter.register_structure_hook(cls, _from_iso(cls))

    def unstructure_factory(cls: type[Any]) -> Callable[[Any], dict[str, Any]]:
        renames = {f.name: override(rename=wire_name(f)) for f in attrs.fields(cls)}
        return make_dict_unstructure_fn(cls, converter, **renames)  # type: ignore[arg-type]

    def structure_factory(cls: type[Any]) -> Callable[[Any, Any], Any]:
        fields = attrs.fields(cls)
        renames = {f.name: override(rename=wire_name(f)) for f in fields}
        structure = make_dict_structure_fn(cls, converter, **renames)  # type: ignore[arg-type]
        aliases = [
            (wire_name(f), tuple(f.metadata[ALIASES])) for f in fields if f.metadata.get(ALIASES)
        ]
        if not aliases:
            return structure

        def structure_with_aliases(value: Any, target: Any) -> Any:
            if isinstance(value, dict) and any(name not in value for name, _ in aliases):
                value = dict(value)
                for name, alternatives in aliases:
                    if name not in value:
                        for alternative in alternatives:
                            if alternative in value:
                                value[name] = value[alternative]
                                break
            return structure(value, target)

        return structure_with_aliases

    converter.register_unstructure_hook_factory(attrs.has, unstructure_factory)
    converter.register_structure_hook_factory(attrs.has, structure_factory)
    return converter


def dumps(value: Any) -> bytes:
    """Builtins (dicts, lists, strings, numbers, ``None``) -> compact JSON bytes."""
    return _encoder.encode(value)


def encode_model(converter: cattrs.Converter, model: Any) -> bytes:
    """An attrs model -> its exact JSON wire bytes."""
    return _encoder.encode(converter.unstructure(model))


def parse_json(body: bytes) -> Any:
    """Parse JSON bytes, or return ``None`` when they are not valid JSON.

    Nesting too deep to decode (msgspec raises ``RecursionError``) counts as not valid.
    """
    if not body:
        return None
    try:
        return msgspec.json.decode(body)
    except (msgspec.DecodeError, RecursionError):
        return None


def decode_response(converter: cattrs.Converter, response: Response, cls: type[T]) -> T:
    """Structure a response body into ``cls``, or raise :class:`ResponseDecodeError`."""
    try:
        document = msgspec.json.decode(response.body)
    except (msgspec.DecodeError, RecursionError) as exc:
        raise response.decode_error(f"the response body is not valid JSON ({exc})") from exc
    try:
        return converter.structure(document, cls)
    except cattrs.BaseValidationError as exc:
        problems = "; ".join(cattrs.transform_error(exc))
        raise response.decode_error(
            f"the response does not match {cls.__name__}: {problems}"
        ) from exc
    except (ValueError, TypeError, KeyError) as exc:
        raise response.decode_error(f"the response does not match {cls.__name__}: {exc}") from exc
