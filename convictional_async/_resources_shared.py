"""The Shared API, for buyer and seller accounts alike: who am I, users, partners,
documents, SFTP credentials and webhook configurations."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from ._converter import MAX_PAGE_LIMIT
from ._models_account import (
    InvitedUser,
    RolledApiKey,
    SftpCredentials,
    SftpPassword,
    SftpStatus,
    UserInvite,
    UserName,
    UserUpdate,
    Webhook,
    WebhookCreate,
    WebhookSecret,
    WebhookUpdate,
)
from ._models_shared import (
    CurrentUser,
    Document,
    DocumentContent,
    Partner,
    PartnerCreate,
    PartnerUpdate,
    UploadDocument,
)
from ._resources_common import Query, Requester, Resource, check_id
from .core._serialization import UNSET, UnsetType


class Users(Resource):
    """``/users`` and ``/onboarding/user/invite``.

    Usage::

        await client.shared.users.invite(email="jane@example.com")
    """

    async def update(
        self,
        user_id: str,
        *,
        first_name: str | UnsetType = UNSET,
        last_name: str | UnsetType = UNSET,
    ) -> UserName:
        """Change a user's name."""
        segments = ("users", check_id("user_id", user_id))
        body = UserUpdate(first_name=first_name, last_name=last_name)
        return await self._requester.send_json("PATCH", UserName, segments, body, idempotent=True)

    async def roll_key(self, user_id: str) -> str:
        """Replace a user's API key; returns the new key (the old one, maybe this client's,
        stops working). Never retried once sent: a second roll would void the first key."""
        segments = ("users", check_id("user_id", user_id), "roll")
        rolled = await self._requester.send_json(
            "POST", RolledApiKey, segments, None, idempotent=False
        )
        return rolled.api_key

    async def invite(
        self,
        *,
        email: str,
        first_name: str | UnsetType = UNSET,
        last_name: str | UnsetType = UNSET,
    ) -> None:
        """Invite someone to this company by email."""
        body = UserInvite(user=InvitedUser(email=email, first_name=first_name, last_name=last_name))
        await self._requester.send_expecting_nothing(
            "POST", ("onboarding", "user", "invite"), body, idempotent=False
        )


class Partners(Resource):
    """``/partners``: the trading relationships of this company.

    Usage::

        async for partner in client.shared.partners.list(completed=True):
            print(partner.seller_name)
    """

    def list(
        self,
        *,
        completed: bool | None = None,
        show_onboarding_status: bool | None = None,
        limit: int = MAX_PAGE_LIMIT,
    ) -> AsyncIterator[Partner]:
        """Every partner, 1-250 a page (``getting_started`` needs show_onboarding_status)."""
        params = (
            Query()
            .flag("completed", completed)
            .flag("show_onboarding_status", show_onboarding_status)
            .params
        )
        return self._requester.iterate(Partner, ("partners",), params, limit=limit)

    async def create(self, *, email: str, pricing_id: str | UnsetType = UNSET) -> Partner:
        """Invite a partner (a seller gives the price list ``pricing_id``; a buyer doesn't)."""
        body = PartnerCreate(email=email, pricing_id=pricing_id)
        return await self._requester.send_json(
            "POST", Partner, ("partners",), body, idempotent=False
        )

    async def update(self, partner_id: str, update: PartnerUpdate) -> Partner:
        """Change a partnership (codes, price list, billing, metafields)."""
        segments = ("partners", check_id("partner_id", partner_id))
        if not isinstance(update, PartnerUpdate):
            raise ValueError("update must be a PartnerUpdate")
        return await self._requester.send_json("PATCH", Partner, segments, update, idempotent=True)


class Documents(Resource):
    """``/documents``: files shared with partners.

    Usage::

        content = await client.shared.documents.get(document_id)
    """

    def list(
        self, *, tags: Sequence[str] | None = None, limit: int = MAX_PAGE_LIMIT
    ) -> AsyncIterator[Document]:
        """Every document, newest first, 1-250 a page (``tags``: any of these)."""
        params = Query().names("tags", tags).params
        return self._requester.iterate(Document, ("documents",), params, limit=limit)

    async def get(self, document_id: str) -> DocumentContent:
        """A document's file (``content`` is the bytes)."""
        return await self._requester.get(
            DocumentContent, "documents", check_id("document_id", document_id)
        )

    async def upload(self, document: UploadDocument) -> Document:
        """Store a document (sent base64-encoded) and share it as it says."""
        if not isinstance(document, UploadDocument):
            raise ValueError("document must be an UploadDocument")
        return await self._requester.send_json(
            "POST", Document, ("documents",), document, idempotent=False
        )


class Sftp(Resource):
    """``/sftp``: SFTP credentials; passwords never appear in a repr or an error.

    Usage::

        await client.shared.sftp.create(username="acme", password=secret)
    """

    async def create(self, *, username: str, password: str) -> str:
        """Create SFTP credentials; returns the server's status text."""
        body = SftpCredentials(username=username, password=password)
        status = await self._requester.send_json(
            "POST", SftpStatus, ("sftp",), body, idempotent=False, secrets=(password,)
        )
        return status.status or ""

    async def change_password(self, username: str, *, password: str) -> str:
        """Set a new SFTP password; returns the server's status text."""
        segments = ("sftp", check_id("username", username))
        body = SftpPassword(password=password)
        status = await self._requester.send_json(
            "PATCH", SftpStatus, segments, body, idempotent=True, secrets=(password,)
        )
        return status.status or ""

    async def delete(self, username: str) -> str:
        """Delete SFTP credentials; returns the server's status text."""
        segments = ("sftp", check_id("username", username))
        status = await self._requester.send_json(
            "DELETE", SftpStatus, segments, None, idempotent=True
        )
        return status.status or ""


def _secret_values(secrets: Any) -> tuple[str, ...]:
    if isinstance(secrets, UnsetType):
        return ()
    return tuple(s.secret for s in secrets)


class Webhooks(Resource):
    """``/webhooks``: where event notifications go; a new configuration starts inactive.

    Usage::

        hook = await client.shared.webhooks.create(
            target_url="https://example.com/hooks", topics=["order.fulfilled"],
            secrets=[WebhookSecret(secret=signing_secret)])
        await client.shared.webhooks.update(hook.id, active=True)
    """

    async def create(
        self,
        *,
        target_url: str,
        topics: Sequence[str],
        secrets: Sequence[WebhookSecret],
        limiter_rate: int | UnsetType = UNSET,
        limiter_burst: int | UnsetType = UNSET,
    ) -> Webhook:
        """Create a webhook configuration (inactive until updated with ``active=True``)."""
        body = WebhookCreate(
            target_url=target_url,
            topics=_sequence("topics", topics),
            secrets=_sequence("secrets", secrets),
            limiter_rate=limiter_rate,
            limiter_burst=limiter_burst,
        )
        return await self._requester.send_json(
            "POST", Webhook, ("webhooks",), body, idempotent=False, secrets=_secret_values(secrets)
        )

    async def update(
        self,
        webhook_id: str,
        *,
        active: bool | UnsetType = UNSET,
        target_url: str | UnsetType = UNSET,
        topics: Sequence[str] | UnsetType = UNSET,
        secrets: Sequence[WebhookSecret] | UnsetType = UNSET,
        limiter_rate: int | UnsetType = UNSET,
        limiter_burst: int | UnsetType = UNSET,
    ) -> Webhook:
        """Change a webhook configuration (``PATCH``; the method is not documented)."""
        segments = ("webhooks", check_id("webhook_id", webhook_id))
        body = WebhookUpdate(
            active=active,
            target_url=target_url,
            topics=topics if isinstance(topics, UnsetType) else _sequence("topics", topics),
            secrets=secrets if isinstance(secrets, UnsetType) else _sequence("secrets", secrets),
            limiter_rate=limiter_rate,
            limiter_burst=limiter_burst,
        )
        return await self._requester.send_json(
            "PATCH", Webhook, segments, body, idempotent=True, secrets=_secret_values(secrets)
        )


def _sequence(name: str, value: object) -> tuple[Any, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise ValueError(f"{name} must be a list")
    return tuple(value)


class SharedAPI(Resource):
    """The endpoints every account can use.

    Usage::

        me = await client.shared.me()
        print(me.company.commerce_type)  # "buyer" or "seller"
    """

    def __init__(self, requester: Requester) -> None:
        super().__init__(requester)
        self.users = Users(requester)
        """``/users`` and invitations."""
        self.partners = Partners(requester)
        """``/partners``."""
        self.documents = Documents(requester)
        """``/documents``."""
        self.sftp = Sftp(requester)
        """``/sftp``."""
        self.webhooks = Webhooks(requester)
        """``/webhooks``."""

    async def me(self) -> CurrentUser:
        """The user and company this API key belongs to (``GET /auth/me``)."""
        return await self._requester.get(CurrentUser, "auth", "me")
