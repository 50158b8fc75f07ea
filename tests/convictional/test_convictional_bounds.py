"""Bounds on Convictional request amounts, and secrets kept out of decode errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from convictional_async import _converter as wire
from convictional_async._models_account import RolledApiKey
from convictional_async._models_products import PatchVariant
from convictional_async.core import Response, ResponseDecodeError


@pytest.mark.parametrize(
    "amount",
    ["1E+50000000", "1E+999999999", "1000000000000", "-0", "-0.00", "0.00000000001", "1E-1000000"],
)
def test_amounts_outside_the_documented_bounds_are_refused_before_any_traffic(amount):
    with pytest.raises(ValueError, match="retail_price"):
        PatchVariant(retail_price=Decimal(amount))


@pytest.mark.parametrize(
    "amount", ["0", "19.99", "999999999999.9999999999", "1E+2", "1.5000000000000"]
)
def test_amounts_inside_the_bounds_are_sent_as_plain_numbers(amount):
    body = wire.encode(PatchVariant(retail_price=Decimal(amount)))
    number = body.split(b":", 1)[1].rstrip(b"}")
    assert b"E" not in number.upper()
    assert Decimal(number.decode()) == Decimal(amount)


def test_a_rolled_key_in_a_reply_that_reports_an_error_stays_out_of_the_error():
    body = b'{"apiKey": "new-key-0123456789", "errors": {"general": ["partial failure"]}}'
    response = Response(200, {"X-Request-ID": "r1"}, body, "POST", "https://api.example/x")
    with pytest.raises(ResponseDecodeError) as caught:
        wire.decode(response, RolledApiKey)
    assert "new-key-0123456789" not in caught.value.body
    assert "new-key-0123456789" not in str(caught.value)
