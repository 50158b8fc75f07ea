"""JSON and model conversion: the only core module that imports cattrs or msgspec.

:func:`make_converter` builds a private cattrs converter per API:

* names: camelCase on the wire and snake_case in Python (or an explicit ``wire`` name in
  a field's metadata); other spellings are accepted in responses through the ``aliases``
  metadata (a name, or a tuple path into a nested object such as ``("invoice", "_id")``);
* strict types: a JSON value of the wrong type is an error, never coerced (``12345`` is
  not a ``str``, ``null`` fits only an optional field, ``"false"`` is not a ``bool``); a
  ``null`` where a list or an object is expected decodes as empty (Go servers send
  ``null`` for empty slices and maps);
* money as :class:`~decimal.Decimal`: decoded from strings or numbers (JSON numbers
  straight from their text by :func:`decode_json`, never through ``float``); encoded as
  plain decimal strings, or as JSON numbers with ``decimals="number"``, never in exponent
  notation;
* ``date``/``time``/``datetime`` as ISO 8601 strings; a ``datetime`` must carry a UTC
  offset in both directions (a naive one is an error, never silently assumed UTC);
* requests: a field whose value is :data:`UNSET` is omitted; ``None`` is sent as ``null``;
* server models (classes with a field marked :data:`EXTRA`) keep the response fields they
  do not declare in that mapping, and when encoded put them back and omit their ``None``
  fields (there ``None`` means "absent"). Other classes ignore unknown fields.

:func:`decode_json` and :func:`structure_response` (together :func:`decode_model`)
are the one boundary where msgspec's and cattrs' errors become the SDK's
:class:`ResponseDecodeError`. An error about a model that holds a secret (a field with
``repr=False``) never copies the response body.
"""

from __future__ import annotations

import enum
import functools
import re
import types
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Literal, TypeVar, Union, get_args, get_origin

import attrs
import cattrs
import msgspec
from cattrs.cols import (
    homogenous_tuple_structure_factory,
    is_mapping,
    is_sequence,
    list_structure_factory,
    mapping_structure_factory,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._response import Response

T = TypeVar("T")

WIRE = "wire"
"""Field metadata key: the exact JSON name of a field (instead of its camelCase name)."""
ALIASES = "aliases"
"""Field metadata key: other JSON names (or tuple paths) accepted for the field in responses."""
EXTRA = "extra"
"""Field metadata key: this mapping field collects the response fields the class lacks."""


class UnsetType(enum.Enum):
    """The type of :data:`UNSET`: a request field that was not given (unlike ``None``)."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> Literal[False]:
        return False


UNSET: Final = UnsetType.UNSET
"""A request field left at ``UNSET`` is omitted from the body; ``None`` is sent as ``null``."""

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(float_hook=Decimal)


class WireTypeError(ValueError):
    """A JSON value does not fit the declared type (the message never echoes the value)."""


def json_type(value: Any) -> str:
    """The JSON name of a decoded value's type, for messages that must not echo values."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float | Decimal):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


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
    """A decimal from a JSON string or number (a Python float via its shortest repr)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise WireTypeError(f"expected a decimal, got {json_type(value)}")
    try:
        result = Decimal(repr(value) if isinstance(value, float) else value)
    except InvalidOperation:
        raise WireTypeError("expected a decimal, got a string that is not one") from None
    if not result.is_finite():
        raise WireTypeError("expected a finite decimal")
    return result


def _strict(cls: type[Any], noun: str) -> Callable[[Any, Any], Any]:
    """A structure hook accepting exactly instances of ``cls`` (a bool is no number)."""

    def structure(value: Any, _: Any) -> Any:
        if isinstance(value, cls) and (cls is bool or not isinstance(value, bool)):
            return value
        raise WireTypeError(f"expected {noun}, got {json_type(value)}")

    return structure


def _float_from_wire(value: Any, _: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise WireTypeError(f"expected a number, got {json_type(value)}")
    return float(value)


def _iso(value: date | time | datetime) -> str:
    return value.isoformat()


def _aware_iso(value: datetime) -> str:
    if value.utcoffset() is None:
        raise ValueError("cannot send a naive datetime: give it a timezone (e.g. UTC)")
    return value.isoformat()


def _from_iso(cls: type[Any]) -> Callable[[Any, Any], Any]:
    def structure(value: Any, _: Any) -> Any:
        if not isinstance(value, str):
            raise WireTypeError(f"expected an ISO 8601 string, got {json_type(value)}")
        try:
            result = cls.fromisoformat(value)
        except ValueError:
            raise WireTypeError(f"expected an ISO 8601 {cls.__name__}") from None
        if cls is datetime and result.utcoffset() is None:
            raise WireTypeError("expected a datetime with a UTC offset, got a naive one")
        return result

    return structure


def _sequence_hook(cls: Any, converter: cattrs.Converter) -> Callable[[Any, Any], Any]:
    if get_origin(cls) is tuple:
        base = homogenous_tuple_structure_factory(cls, converter)
    else:
        base = list_structure_factory(cls, converter)

    def structure(value: Any, target: Any) -> Any:
        if value is None:
            value = []
        elif not isinstance(value, list | tuple):
            raise WireTypeError(f"expected an array, got {json_type(value)}")
        return base(value, target)

    return structure


def _mapping_hook(cls: Any, converter: cattrs.Converter) -> Callable[[Any, Any], Any]:
    base = mapping_structure_factory(cls, converter)

    def structure(value: Any, target: Any) -> Any:
        if value is None:
            value = {}
        elif not isinstance(value, dict):
            raise WireTypeError(f"expected an object, got {json_type(value)}")
        return base(value, target)

    return structure


def _is_union(cls: Any) -> bool:
    return get_origin(cls) in (Union, types.UnionType)


def _is_unset_union(cls: Any) -> bool:
    return _is_union(cls) and UnsetType in get_args(cls)


def _unset_union_hook(cls: Any, converter: cattrs.Converter) -> Callable[[Any, Any], Any]:
    """``X | UnsetType`` decodes as ``X``: only an absent field stays UNSET."""
    rest = tuple(arg for arg in get_args(cls) if arg is not UnsetType)
    target = rest[0] if len(rest) == 1 else Union[rest]  # noqa: UP007
    hook = converter.get_structure_hook(target)
    return lambda value, _: hook(value, target)


def _extra_field(cls: type[Any]) -> attrs.Attribute[Any] | None:
    return next((f for f in attrs.fields(cls) if f.metadata.get(EXTRA)), None)


def _lookup(document: Mapping[str, Any], alias: str | tuple[str, ...]) -> tuple[bool, Any]:
    """``(found, value)`` of an alias: a key, or a path of keys through nested objects."""
    if isinstance(alias, str):
        return (alias in document, document.get(alias))
    value: Any = document
    for key in alias:
        if not isinstance(value, dict) or key not in value:
            return (False, None)
        value = value[key]
    return (True, value)


def _resolve_aliases(
    document: dict[str, Any], aliases: list[tuple[str, tuple[Any, ...]]]
) -> tuple[dict[str, Any], set[str]]:
    """Fill each missing primary name from its first present alias; report the keys used."""
    used: set[str] = set()
    resolved = document
    for name, alternatives in aliases:
        if name in document:
            continue
        for alternative in alternatives:
            found, value = _lookup(document, alternative)
            if found:
                if resolved is document:
                    resolved = dict(document)
                resolved[name] = value
                if isinstance(alternative, str):
                    used.add(alternative)
                break
    return resolved, used


def _attrs_unstructure_hook(cls: Any, converter: cattrs.Converter) -> Callable[[Any], Any]:
    extra = _extra_field(cls)
    overrides: dict[str, Any] = {}
    for field in attrs.fields(cls):
        if field.metadata.get(EXTRA):
            overrides[field.name] = override(omit=True)
            continue
        omit = field.default is UNSET or (extra is not None and field.default is None)
        overrides[field.name] = override(rename=wire_name(field), omit_if_default=omit or None)
    base = make_dict_unstructure_fn(cls, converter, **overrides)
    if extra is None:
        return base
    name = extra.name

    def unstructure_with_extra(instance: Any) -> dict[str, Any]:
        return {**converter.unstructure(getattr(instance, name)), **base(instance)}

    return unstructure_with_extra


def _attrs_structure_hook(cls: Any, converter: cattrs.Converter) -> Callable[[Any, Any], Any]:
    fields = attrs.fields(cls)
    extra = _extra_field(cls)
    overrides: dict[str, Any] = {
        f.name: override(rename=wire_name(f)) for f in fields if f is not extra
    }
    if extra is not None:
        overrides[extra.name] = override(omit=True)
    base = make_dict_structure_fn(cls, converter, **overrides)
    aliases = [
        (wire_name(f), tuple(f.metadata[ALIASES])) for f in fields if f.metadata.get(ALIASES)
    ]
    known = frozenset(wire_name(f) for f in fields if f is not extra)

    def structure(value: Any, target: Any) -> Any:
        if not isinstance(value, dict):
            raise WireTypeError(f"expected an object, got {json_type(value)}")
        document, used = _resolve_aliases(value, aliases)
        instance = base(document, target)
        if extra is not None:
            unknown = {k: v for k, v in value.items() if k not in known and k not in used}
            if unknown:
                instance = attrs.evolve(instance, **{str(extra.alias): unknown})
        return instance

    return structure


def make_converter(*, decimals: Literal["string", "number"] = "string") -> cattrs.Converter:
    """A fresh, private converter with the SDK's wire conventions (never the global one).

    ``decimals`` says how a :class:`~decimal.Decimal` is sent: a JSON string (``"12.50"``)
    or a JSON number (``12.50``); both are plain decimal text, never exponent notation.
    """
    converter = cattrs.Converter()
    if decimals == "number":
        converter.register_unstructure_hook(
            Decimal, lambda value: msgspec.Raw(decimal_to_wire(value).encode())
        )
    else:
        converter.register_unstructure_hook(Decimal, decimal_to_wire)
    converter.register_structure_hook(Decimal, decimal_from_wire)
    converter.register_structure_hook(str, _strict(str, "a string"))
    converter.register_structure_hook(int, _strict(int, "an integer"))
    converter.register_structure_hook(bool, _strict(bool, "a boolean"))
    converter.register_structure_hook(float, _float_from_wire)
    for cls in (date, time, datetime):
        converter.register_unstructure_hook(cls, _aware_iso if cls is datetime else _iso)
        converter.register_structure_hook(cls, _from_iso(cls))
    converter.register_structure_hook_factory(is_sequence, lambda t: _sequence_hook(t, converter))
    converter.register_structure_hook_factory(is_mapping, lambda t: _mapping_hook(t, converter))
    converter.register_structure_hook_factory(
        _is_unset_union, lambda t: _unset_union_hook(t, converter)
    )
    converter.register_unstructure_hook_factory(
        attrs.has, lambda t: _attrs_unstructure_hook(t, converter)
    )
    converter.register_structure_hook_factory(
        attrs.has, lambda t: _attrs_structure_hook(t, converter)
    )
    return converter


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


def carries_secret(cls: Any) -> bool:
    """Whether a model, or any model inside it, has a field hidden from its repr."""
    return _cached_carries_secret(cls)


@functools.cache
def _cached_carries_secret(cls: Any) -> bool:
    return _carries_secret(cls, set())


def _carries_secret(cls: Any, seen: set[Any]) -> bool:
    if cls in seen:
        return False
    seen.add(cls)
    if isinstance(cls, type) and attrs.has(cls):
        attrs.resolve_types(cls)
        return any(
            field.repr is False or _carries_secret(field.type, seen) for field in attrs.fields(cls)
        )
    return any(_carries_secret(arg, seen) for arg in get_args(cls))


def decode_json(response: Response, *, include_body: bool = True) -> Any:
    """A response body as builtins, every JSON fraction as an exact ``Decimal``."""
    try:
        return _decoder.decode(response.body)
    except (msgspec.DecodeError, RecursionError) as exc:
        raise response.decode_error(
            f"the response body is not valid JSON ({exc})", include_body=include_body
        ) from exc


def type_name(cls: Any) -> str:
    """A type's short name: ``BuyerProduct``, ``tuple[BuyerProduct, ...]``."""
    if get_args(cls):
        return re.sub(r"\b[\w.]+\.(?=\w)", "", repr(cls))
    return str(getattr(cls, "__name__", cls))


def _describe(exc: BaseException, cls: type | None) -> str:
    if isinstance(exc, WireTypeError):
        return str(exc)
    return cattrs.v.format_exception(exc, cls)


def structure_response(
    converter: cattrs.Converter, response: Response, document: Any, cls: type[T]
) -> T:
    """Structure a decoded body into ``cls``, or raise :class:`ResponseDecodeError`."""
    include_body = not carries_secret(cls)
    try:
        return converter.structure(document, cls)
    except cattrs.BaseValidationError as exc:
        problems = "; ".join(cattrs.transform_error(exc, format_exception=_describe))
        message = f"the response does not match {type_name(cls)}: {problems}"
        raise response.decode_error(message, include_body=include_body) from exc
    except (ValueError, TypeError, KeyError) as exc:
        message = f"the response does not match {type_name(cls)}: {exc}"
        raise response.decode_error(message, include_body=include_body) from exc


def decode_model(converter: cattrs.Converter, response: Response, cls: type[T]) -> T:
    """Decode and structure a response body into ``cls``, or raise ResponseDecodeError."""
    document = decode_json(response, include_body=not carries_secret(cls))
    return structure_response(converter, response, document, cls)
