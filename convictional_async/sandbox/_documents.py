"""Shared API documents and SFTP credentials (reference 9.2, 10.6).

Documents: ``POST /documents`` takes ``UploadDocument`` (``bytes`` in base64, at most 1 MiB
decoded; ``fileName`` and ``fileType`` required; ``tags``; ``sharedWithCompany``;
``partnersWithViewAccess: [{partnerId, name}]`` naming the caller's partnerships) and answers
the ``Document``. ``GET /documents`` lists the caller's documents and those its partners
shared with it, newest first, 50 per page, filtered by ``tags`` (comma-separated, any),
wrapped as ``{"data", "hasMore", "next", "previous"}``; ``GET /documents/{id}`` answers
``{"bytes", "fileName", "fileType"}``.

SFTP: ``POST /sftp`` (``username`` of 3 to 64 letters, digits, ``.``, ``_`` or ``-``, unique;
``password`` of 8 to 128 characters), ``PATCH /sftp/{username}`` (``password``) and
``DELETE /sftp/{username}`` answer ``{"data": {"status": "created" | "updated" |
"deleted"}}``; a username taken is 409, another company's is 404.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Any, Final

from aiohttp import web

from ._accounts import Company, Partnership
from ._errors import ApiError
from ._http import call_of, json_reply, read_json
from ._ids import iso
from ._paging import page_of, paged_envelope
from ._shared_store import Document, SftpUser
from ._state import SandboxState
from ._validation import MAX_NAME, Checker, as_object

__all__ = ["DocumentHandlers"]

MAX_DOCUMENT_BYTES: Final = 1024 * 1024
_USERNAME: Final = re.compile(r"[A-Za-z0-9._-]{3,64}")


class DocumentHandlers:
    """The Shared API's document and SFTP handlers, bound to one sandbox's state."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def _visible(self, document: Document, viewer: Company) -> bool:
        return document.company is viewer or any(
            viewer in (p.buyer, p.seller) for p in document.viewers
        )

    def _view(self, document: Document) -> dict[str, Any]:
        return {
            "_id": document.id,
            "userId": document.user.id,
            "companyId": document.company.id,
            "sharedWithCompany": document.shared_with_company,
            "companyViewers": [
                {
                    "id": p.other(document.company).id,
                    "name": p.other(document.company).name,
                    "addedByName": f"{document.user.first_name} {document.user.last_name}",
                    "addedByEmail": document.user.email,
                }
                for p in document.viewers
            ],
            "size": len(document.content),
            "fileName": document.file_name,
            "fileType": document.file_type,
            "deletable": True,
            "created": iso(document.created),
            "tags": list(document.tags),
        }

    async def list_documents(self, request: web.Request) -> web.Response:
        """``GET /documents``: newest first, paginated."""
        viewer = call_of(request).user.company
        tags = {t for t in request.query.get("tags", "").split(",") if t}
        documents = [
            d
            for d in reversed(self.state.documents.values())
            if self._visible(d, viewer) and (not tags or tags & set(d.tags))
        ]
        page = page_of(documents, request.query, default_limit=50)
        data = [self._view(d) for d in page.items]
        return json_reply(paged_envelope(request.url, page, data, error_key=False))

    async def get_document(self, request: web.Request) -> web.Response:
        """``GET /documents/{documentId}``: the file itself, in base64."""
        viewer = call_of(request).user.company
        document = self.state.documents.get(request.match_info["documentId"])
        if document is None or not self._visible(document, viewer):
            raise ApiError.not_found("document")
        return json_reply(
            {
                "bytes": base64.b64encode(document.content).decode(),
                "fileName": document.file_name,
                "fileType": document.file_type,
            }
        )

    async def upload_document(self, request: web.Request) -> web.Response:
        """``POST /documents``: store an ``UploadDocument``."""
        user = call_of(request).user
        check = Checker(as_object(await read_json(request)))
        content = _content(check)
        file_name = check.text("fileName", required=True, max_length=MAX_NAME, empty=False)
        file_type = check.text("fileType", required=True, max_length=MAX_NAME, empty=False)
        tags = check.strings("tags", max_items=50) or []
        shared = bool(check.boolean("sharedWithCompany"))
        viewers = self._viewers(check, user.company)
        check.raise_if_any()
        self.state.check_room(self.state.documents, "documents")
        document = Document(
            id=self.state.ids.object_id(),
            company=user.company,
            user=user,
            file_name=file_name or "",
            file_type=file_type or "",
            content=content or b"",
            tags=tags,
            shared_with_company=shared,
            viewers=viewers,
            created=self.state.now(),
        )
        self.state.documents[document.id] = document
        return json_reply(self._view(document))

    def _viewers(self, check: Checker, company: Company) -> list[Partnership]:
        viewers = []
        for index, raw in enumerate(check.array("partnersWithViewAccess", max_items=50) or []):
            partner_id = raw.get("partnerId") if isinstance(raw, dict) else None
            partnership = (
                self.state.partnerships.get(partner_id) if isinstance(partner_id, str) else None
            )
            if partnership is None or company not in (partnership.buyer, partnership.seller):
                check.add(
                    f"partnersWithViewAccess[{index}].partnerId", "is not one of your partners"
                )
            else:
                viewers.append(partnership)
        return viewers

    def _sftp_user(self, request: web.Request) -> SftpUser:
        company = call_of(request).user.company
        sftp_user = self.state.sftp_users.get(request.match_info["username"])
        if sftp_user is None or sftp_user.company is not company:
            raise ApiError.not_found("SFTP user")
        return sftp_user

    async def create_sftp(self, request: web.Request) -> web.Response:
        """``POST /sftp``: create SFTP credentials."""
        company = call_of(request).user.company
        check = Checker(as_object(await read_json(request)))
        username = check.text("username", required=True, max_length=64)
        if username is not None and not _USERNAME.fullmatch(username):
            check.add("username", "must be 3 to 64 letters, digits, '.', '_' or '-'")
        password = _password(check)
        check.raise_if_any()
        assert username is not None  # checked above
        assert password is not None
        if username in self.state.sftp_users:
            raise ApiError(409, {"username": ["is taken"]})
        self.state.check_room(self.state.sftp_users, "SFTP users")
        self.state.sftp_users[username] = SftpUser(
            username=username, company=company, password_sha256=password, created=self.state.now()
        )
        return json_reply({"data": {"status": "created"}})

    async def change_sftp_password(self, request: web.Request) -> web.Response:
        """``PATCH /sftp/{username}``: a new password."""
        sftp_user = self._sftp_user(request)
        check = Checker(as_object(await read_json(request)))
        password = _password(check)
        check.raise_if_any()
        sftp_user.password_sha256 = password or sftp_user.password_sha256
        return json_reply({"data": {"status": "updated"}})

    async def delete_sftp(self, request: web.Request) -> web.Response:
        """``DELETE /sftp/{username}``."""
        del self.state.sftp_users[self._sftp_user(request).username]
        return json_reply({"data": {"status": "deleted"}})


def _content(check: Checker) -> bytes | None:
    """Read and decode the base64 ``bytes`` field, within ``MAX_DOCUMENT_BYTES``."""
    encoded = check.text("bytes", required=True, max_length=MAX_DOCUMENT_BYTES * 4 // 3 + 4)
    if encoded is None:
        return None
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        check.add("bytes", "must be base64")
        return None
    if len(content) > MAX_DOCUMENT_BYTES:
        check.add("bytes", f"must decode to at most {MAX_DOCUMENT_BYTES} bytes")
        return None
    return content


def _password(check: Checker) -> str | None:
    """Return the SHA-256 (hex) of a valid ``password`` field."""
    password = check.text("password", required=True, max_length=128)
    if password is not None and len(password) < 8:
        check.add("password", "must be at least 8 characters")
        return None
    return None if password is None else hashlib.sha256(password.encode()).hexdigest()
