"""Shared endpoints over real HTTP: me, users and key roll, partners, documents, SFTP, webhooks."""

from __future__ import annotations

import base64
import io
import json

from convictional_sandbox_api import Api

from convictional_async.sandbox import Sandbox

NEW = {"Enable-New-Errors": "true"}


async def test_me_without_the_key(api: Api, sandbox: Sandbox) -> None:
    me = await api.ok("GET", "/auth/me", key="seller")
    assert set(me) == {"user", "company"}
    assert me["company"]["commerceType"] == "seller"
    assert me["company"]["name"] == "Sandbox Seller 1"
    assert "apiKey" not in me["user"]
    assert sandbox.seller_key not in str(me)
    assert (await api.ok("GET", "/auth/me"))["company"]["commerceType"] == "buyer"


async def test_update_user_and_roll_the_key(api: Api, sandbox: Sandbox) -> None:
    user_id = (await api.ok("GET", "/auth/me"))["user"]["_id"]
    renamed = await api.ok("PATCH", f"/users/{user_id}", {"firstName": "Kim"})
    assert renamed == {"firstName": "Kim", "lastName": "Retail"}
    assert (await api.call("PATCH", f"/users/{user_id}", json={"lastName": ""})).status == 400
    other = (await api.ok("GET", "/auth/me", key="seller"))["user"]["_id"]
    assert (await api.post(f"/users/{other}/roll")).status == 404
    old = sandbox.buyer_key
    rolled = await api.ok("POST", f"/users/{user_id}/roll")
    assert rolled["apiKey"] == sandbox.buyer_key != old
    assert (await api.get("/auth/me", key=old)).status == 401
    assert (await api.get("/auth/me")).status == 200


async def test_invite_a_user(api: Api, sandbox: Sandbox) -> None:
    reply = await api.post("/onboarding/user/invite", {"user": {"email": "kim@shop.example"}})
    assert (reply.status, reply.body) == (200, "")
    refused = await api.post("/onboarding/user/invite", {"user": {"email": "nope"}}, headers=NEW)
    assert refused.body == {"errors": {"user.email": ["must be an email address"]}}
    missing = await api.post("/onboarding/user/invite", {}, headers=NEW)
    assert missing.body == {"errors": {"user": ["is required"]}}
    assert len(sandbox.state.invitations) == 1


async def test_partners(api: Api, sandbox: Sandbox) -> None:
    listed = await api.ok("GET", "/partners")
    assert list(listed) == ["data"]
    assert [p["sellerName"] for p in listed["data"]] == [f"Sandbox Seller {n}" for n in range(1, 5)]
    assert all(p["gettingStarted"] is None and p["buyerName"] == "" for p in listed["data"])
    shown = await api.ok("GET", "/partners?showOnboardingStatus=true&limit=1")
    assert shown["data"][0]["gettingStarted"]["signedUp"] is True
    mine = await api.ok("GET", "/partners", key="seller")
    assert [p["buyerName"] for p in mine["data"]] == ["Sandbox Retail"]
    price_list = mine["data"][0]["pricingId"]
    invited = await api.ok(
        "POST", "/partners", {"email": "buyer@new.example", "pricingId": price_list}, key="seller"
    )
    assert (invited["pricingId"], invited["buyerOnboardingCompleted"]) == (price_list, False)
    assert (await api.post("/partners", {"email": "x@y.example"}, key="seller")).status == 400
    again = {"email": "buyer@new.example", "pricingId": price_list}
    assert (await api.post("/partners", again, key="seller")).status == 409
    incomplete = await api.ok("GET", "/partners?completed=false", key="seller")
    assert [p["_id"] for p in incomplete["data"]] == [invited["_id"]]
    as_buyer = await api.ok("POST", "/partners", {"email": "seller@new.example"})
    assert as_buyer["sellerOnboardingCompleted"] is False
    patched = await api.ok(
        "PATCH",
        f"/partners/{invited['_id']}",
        {"sellerAssignedCode": "B-7", "active": False},
        key="seller",
    )
    assert (patched["sellerAssignedCode"], patched["active"]) == ("B-7", False)
    refused = await api.call(
        "PATCH",
        f"/partners/{listed['data'][0]['_id']}",
        json={"pricingId": price_list},
        headers=NEW,
    )
    assert refused.body == {"errors": {"pricingId": ["only the seller sets the price list"]}}


async def test_documents(api: Api, sandbox: Sandbox) -> None:
    partner = (await api.ok("GET", "/partners"))["data"][0]["_id"]
    for number in range(3):
        upload = {
            "bytes": base64.b64encode(f"invoice {number}".encode()).decode(),
            "fileName": f"invoice-{number}.txt",
            "fileType": "text/plain",
            "tags": ["invoice"] if number else ["other"],
            "partnersWithViewAccess": [{"partnerId": partner, "name": "Seller 1"}]
            if number == 2
            else [],
        }
        document = await api.ok("POST", "/documents", upload)
    assert (document["size"], document["companyViewers"][0]["name"]) == (9, "Sandbox Seller 1")
    listed = await api.ok("GET", "/documents?tags=invoice&limit=1")
    assert set(listed) == {"data", "hasMore", "next", "previous"}
    assert [d["fileName"] for d in listed["data"]] == ["invoice-2.txt"]  # newest first
    assert listed["hasMore"] is True
    got = await api.ok("GET", f"/documents/{document['_id']}")
    assert base64.b64decode(got["bytes"]) == b"invoice 2"
    shared = await api.ok("GET", "/documents", key="seller")
    assert [d["fileName"] for d in shared["data"]] == ["invoice-2.txt"]
    other = sandbox.state.seller_users[1].api_key
    assert (await api.get(f"/documents/{document['_id']}", key=other)).status == 404
    bad = {"bytes": "%%%", "fileName": "x", "fileType": "y"}
    refused = await api.post("/documents", bad, headers=NEW)
    assert refused.body == {"errors": {"bytes": ["must be base64"]}}
    too_big = {**bad, "bytes": base64.b64encode(b"x" * (1024 * 1024 + 1)).decode()}
    raw = io.BytesIO(json.dumps(too_big).encode())
    headers = {"Content-Type": "application/json", **NEW}
    refused = await api.call("POST", "/documents", data=raw, headers=headers)
    assert refused.body == {"errors": {"bytes": ["must decode to at most 1048576 bytes"]}}


async def test_sftp(api: Api, sandbox: Sandbox) -> None:
    created = await api.ok("POST", "/sftp", {"username": "shop_1", "password": "correct-horse"})
    assert created == {"data": {"status": "created"}}
    assert "correct-horse" not in repr(sandbox.state.sftp_users["shop_1"])
    assert (
        await api.post("/sftp", {"username": "shop_1", "password": "another-one"})
    ).status == 409
    short = await api.post("/sftp", {"username": "a b", "password": "short"}, headers=NEW)
    assert set(short.body["errors"]) == {"username", "password"}
    assert await api.ok("PATCH", "/sftp/shop_1", {"password": "battery-staple"}) == {
        "data": {"status": "updated"}
    }
    assert (await api.call("DELETE", "/sftp/shop_1", key="seller")).status == 404
    assert await api.ok("DELETE", "/sftp/shop_1") == {"data": {"status": "deleted"}}


async def test_webhooks(api: Api, sandbox: Sandbox) -> None:
    body = {
        "targetUrl": "https://example.com/convictional/webhook",
        "topics": ["order.cancelled", "order.fulfilled"],
        "secrets": [{"secret": "s3cret-value", "expiresDate": "2025-06-25T19:00:00.000+00:00"}],
        "limiterRate": 5,
        "limiterBurst": 2,
    }
    created = await api.ok("POST", "/webhooks", body)
    assert created["active"] is False  # created inactive
    assert created["secrets"] == [{"expiresDate": "2025-06-25T19:00:00.000+00:00"}]
    assert "s3cret-value" not in str(created) + repr(sandbox.state.webhooks)
    path = f"/webhooks/{created['id']}"
    activated = await api.ok("PATCH", path, {"active": True})
    assert activated["active"] is True
    replaced = await api.ok("PUT", path, {"topics": ["product.selected"]})
    assert (replaced["topics"], replaced["active"]) == (["product.selected"], True)
    refused = await api.call("PATCH", path, json={"limiterBurst": 9}, headers=NEW)
    assert refused.body == {"errors": {"limiterBurst": ["must not exceed limiterRate"]}}
    missing = await api.post("/webhooks", {"targetUrl": "ftp://x"}, headers=NEW)
    assert set(missing.body["errors"]) == {"targetUrl", "topics", "secrets"}
    assert (await api.call("PATCH", path, json={"active": False}, key="seller")).status == 404
