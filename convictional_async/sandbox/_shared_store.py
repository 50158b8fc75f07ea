"""What the Shared API stores: documents, SFTP users, webhook configurations and invitations.

Secrets are kept out of every repr: document bytes, SFTP passwords (only a SHA-256 hash is
kept) and webhook secrets.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from ._accounts import Company, Partnership, User

__all__ = ["Document", "Invitation", "SftpUser", "Webhook", "WebhookSecret"]


@attrs.define(kw_only=True, eq=False)
class Document:
    """An uploaded file of a company, maybe visible to some partners."""

    id: str
    company: Company
    user: User
    file_name: str
    file_type: str
    content: bytes = attrs.field(repr=False)
    tags: list[str]
    shared_with_company: bool
    viewers: list[Partnership]
    created: datetime


@attrs.define(kw_only=True, eq=False)
class SftpUser:
    """SFTP credentials of a company; only the password's SHA-256 is kept."""

    username: str
    company: Company
    password_sha256: str = attrs.field(repr=False)
    created: datetime


@attrs.define(kw_only=True, eq=False)
class WebhookSecret:
    """One signing secret of a webhook configuration and when it expires."""

    secret: str = attrs.field(repr=False)
    expires: str | None


@attrs.define(kw_only=True, eq=False)
class Webhook:
    """A webhook configuration; created inactive."""

    id: str
    company: Company
    target_url: str
    topics: list[str]
    secrets: list[WebhookSecret]
    created: datetime
    updated: datetime
    active: bool = False
    limiter_rate: int = 0
    limiter_burst: int = 0


@attrs.define(kw_only=True, eq=False)
class Invitation:
    """A user invited to join a company."""

    id: str
    company: Company
    first_name: str
    last_name: str
    email: str
    created: datetime
