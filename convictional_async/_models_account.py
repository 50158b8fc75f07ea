"""Shared API account models: users, invitations, SFTP credentials and webhook configurations.

Secrets (an API key, an SFTP password, a webhook signing secret) stay out of every
``repr``, and errors about models that hold one never copy the response body.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._models_shared import CREATED, ID, UPDATED, extra_field
from ._models_validators import (
    any_text,
    aware_datetime,
    flag,
    non_negative_int,
    text,
    texts,
    tuple_of,
)
from .core._serialization import UNSET, UnsetType

WEBHOOK_TOPICS = (
    "order.fulfilled",
    "order.cancelled",
    "product.selected",
    "product.inventoryChanged",
    "product.unavailable",
    "variant.unavailable",
)
"""The documented webhook topics (the vendor may have more; others are accepted too)."""


@attrs.frozen(kw_only=True)
class UserUpdate:
    """Body of ``PATCH /users/{id}`` (the spec defines none; these are the fields it echoes)."""

    first_name: str | UnsetType = attrs.field(default=UNSET, validator=any_text)
    last_name: str | UnsetType = attrs.field(default=UNSET, validator=any_text)


@attrs.frozen(kw_only=True)
class UserName:
    """The answer to ``PATCH /users/{id}``: the user's name as stored."""

    first_name: str | None = None
    last_name: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class RolledApiKey:
    """The answer to ``POST /users/{id}/roll``: the new key (the old one stops working)."""

    api_key: str = attrs.field(repr=False)
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class InvitedUser:
    """Who to invite to the company (``email`` is required)."""

    email: str = attrs.field(validator=text)
    first_name: str | UnsetType = attrs.field(default=UNSET, validator=any_text)
    last_name: str | UnsetType = attrs.field(default=UNSET, validator=any_text)


@attrs.frozen(kw_only=True)
class UserInvite:
    """Body of ``POST /onboarding/user/invite``."""

    user: InvitedUser = attrs.field(validator=attrs.validators.instance_of(InvitedUser))


@attrs.frozen(kw_only=True)
class SftpCredentials:
    """Body of ``POST /sftp``; the password stays out of ``repr``."""

    username: str = attrs.field(validator=text)
    password: str = attrs.field(validator=text, repr=False)


@attrs.frozen(kw_only=True)
class SftpPassword:
    """Body of ``PATCH /sftp/{username}``."""

    password: str = attrs.field(validator=text, repr=False)


@attrs.frozen(kw_only=True)
class SftpStatus:
    """The answer of every SFTP endpoint: ``{"data": {"status": "..."}}``."""

    status: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class WebhookSecret:
    """A signing secret for ``Convictional-Signature``; two allow rotation without downtime."""

    secret: str = attrs.field(validator=text, repr=False)
    expires_date: datetime | UnsetType = attrs.field(default=UNSET, validator=aware_datetime)


def _limiter(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    non_negative_int(instance, attribute, value)
    rate, burst = instance.limiter_rate, instance.limiter_burst
    if isinstance(rate, int) and isinstance(burst, int) and rate and burst > rate:
        raise ValueError("limiter_burst must not exceed limiter_rate (0 means no limit)")


@attrs.frozen(kw_only=True)
class WebhookUpdate:
    """Body of ``PATCH /webhooks/{id}``: only the fields given change; ``active`` switches it."""

    active: bool | UnsetType = attrs.field(default=UNSET, validator=flag)
    target_url: str | UnsetType = attrs.field(default=UNSET, validator=text)
    topics: tuple[str, ...] | UnsetType = attrs.field(default=UNSET, validator=texts)
    secrets: tuple[WebhookSecret, ...] | UnsetType = attrs.field(
        default=UNSET, validator=tuple_of(WebhookSecret, at_least=1), repr=False
    )
    limiter_rate: int | UnsetType = attrs.field(default=UNSET, validator=non_negative_int)
    limiter_burst: int | UnsetType = attrs.field(default=UNSET, validator=_limiter)


@attrs.frozen(kw_only=True)
class WebhookCreate:
    """Body of ``POST /webhooks``: a new configuration starts inactive.

    >>> WebhookCreate(target_url="https://example.com/hook", topics=("order.cancelled",),
    ...               secrets=(WebhookSecret(secret="s3cret"),)).limiter_rate
    UNSET
    """

    target_url: str = attrs.field(validator=text)
    topics: tuple[str, ...] = attrs.field(validator=[texts, tuple_of(str, at_least=1)])
    secrets: tuple[WebhookSecret, ...] = attrs.field(
        validator=tuple_of(WebhookSecret, at_least=1), repr=False
    )
    limiter_rate: int | UnsetType = attrs.field(default=UNSET, validator=non_negative_int)
    limiter_burst: int | UnsetType = attrs.field(default=UNSET, validator=_limiter)


@attrs.frozen(kw_only=True)
class Webhook:
    """A webhook configuration (its secrets, if the server echoes them, stay out of repr)."""

    id: str | None = attrs.field(default=None, metadata=ID)
    target_url: str | None = None
    topics: tuple[str, ...] = ()
    active: bool | None = None
    limiter_rate: int | None = None
    limiter_burst: int | None = None
    secrets: tuple[Mapping[str, Any], ...] = attrs.field(default=(), repr=False)
    created_at: datetime | None = attrs.field(default=None, metadata=CREATED)
    updated_at: datetime | None = attrs.field(default=None, metadata=UPDATED)
    extra: Mapping[str, Any] = extra_field()
