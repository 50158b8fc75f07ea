"""Real-time price lookups: ``POST {pricer_url}/api/price/rtp``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Iterable, Mapping

from yarl import URL

from convictional_async.core import Coalescer, Pipeline
from convictional_async.core._raw import capture
from convictional_async.core._validate import brief

from ._models import MAX_PRICES_PER_LOOKUP, PriceRequest, PriceResult, ProductQuantity
from ._serialization import decoder, encode

ProductSpec = ProductQuantity | tuple[str, int]
"""A product to price: ``ProductQuantity`` or ``(product_reference, number_of_items)``."""


MAX_KNOWN_PRODUCTS = 4096
"""How many validated products a :class:`PricingAPI` remembers (then it starts afresh)."""


def _product(spec: object, known: dict[tuple[str, int], ProductQuantity]) -> ProductQuantity:
    """``spec`` as a validated product; ``known`` holds those built before (a backend
    prices the same few all day), at most :data:`MAX_KNOWN_PRODUCTS`."""
    if isinstance(spec, ProductQuantity):
        return spec
    if isinstance(spec, tuple) and len(spec) == 2:
        reference, count = spec
        if type(reference) is not str or type(count) is not int:  # validation explains
            return ProductQuantity(product_reference=reference, number_of_items=count)
        product = known.get(spec)
        if product is None:
            product = ProductQuantity(product_reference=reference, number_of_items=count)
            if len(known) >= MAX_KNOWN_PRODUCTS:
                known.clear()
            known[spec] = product
        return product
    raise ValueError(
        f"each product must be a ProductQuantity or a (reference, number_of_items) pair, "
        f"got {brief(spec)}"
    )


def price_request(
    *,
    cookie_id: str,
    date_from: dt.date,
    date_to: dt.date,
    timezone: str,
    products: Iterable[ProductSpec],
    times: Iterable[dt.time] | None = None,
    ip: str | None = None,
    known: dict[tuple[str, int], ProductQuantity] | None = None,
) -> PriceRequest:
    """Build and validate a lookup; raises ``ValueError`` for anything the API would reject.

    ``known``: products validated before, reused (a :class:`PricingAPI` keeps its own).
    """
    if known is None:
        known = {}
    # Exact tuple/list first: the abstract Iterable check is slow, and this is the hot path.
    kind = type(products)
    if (
        kind is not tuple
        and kind is not list
        and (isinstance(products, str | bytes) or not isinstance(products, Iterable))
    ):
        raise ValueError(f"products must be a sequence of products, got {brief(products)}")
    # Bounded before each product is validated; a tuple or list (the exact types) is sized.
    if (kind is tuple or kind is list) and len(products) > MAX_PRICES_PER_LOOKUP:  # type: ignore[arg-type]
        raise ValueError(
            f"a lookup asks for at most {MAX_PRICES_PER_LOOKUP} prices (products x days x "
            "start times), not more products than that"
        )
    if times is not None and type(times) is not tuple:
        if type(times) is not list and (
            isinstance(times, str | bytes) or not isinstance(times, Iterable)
        ):
            raise ValueError(
                f"times must be a sequence of datetime.time or None, got {brief(times)}"
            )
        times = tuple(times)
    return PriceRequest(
        cookie_id=cookie_id,
        ip=ip,
        date_from=date_from,
        date_to=date_to,
        timezone=timezone,
        products=tuple([_product(spec, known) for spec in products]),
        times=times,
    )


class PricingAPI:
    """The Convious pricer; reach it as ``client.pricing``.

    Lookups are read-only, so they are retried after 5xx responses and dropped
    connections, and identical lookups in flight at the same moment share one request.
    """

    def __init__(
        self,
        pipeline: Pipeline,
        *,
        url: URL,
        headers: Mapping[str, str],
        coalesce: bool = True,
    ) -> None:
        self._pipeline = pipeline
        self._url = url
        self._headers = dict(headers)
        self._coalescer: Coalescer[PriceResult] | None = (
            Coalescer(pipeline.metrics) if coalesce else None
        )
        self._known_products: dict[tuple[str, int], ProductQuantity] = {}

    def __repr__(self) -> str:
        return f"<PricingAPI {self._url}>"

    def with_pipeline(self, pipeline: Pipeline) -> PricingAPI:
        """This API sending through ``pipeline`` (a client's ``with_options`` copy), with a
        coalescer of its own: a lookup never joins one made under other options."""
        return PricingAPI(
            pipeline, url=self._url, headers=self._headers, coalesce=self._coalescer is not None
        )

    async def get_prices(
        self,
        *,
        cookie_id: str,
        date_from: dt.date,
        date_to: dt.date,
        timezone: str,
        products: Iterable[ProductSpec],
        times: Iterable[dt.time] | None = None,
        ip: str | None = None,
    ) -> PriceResult:
        """Per-item prices for each product, day in ``date_from..date_to`` and start time.

        ``cookie_id`` must be the visitor's cookie id given to the Convious analytics
        script (see :mod:`convious.analytics`); ``times=None`` asks for one price per day.
        Raises ``ValueError`` before any traffic when an argument is invalid.

        Example::

            result = await client.pricing.get_prices(
                cookie_id="c-123", date_from=date(2018, 4, 1), date_to=date(2018, 4, 30),
                timezone="Europe/Amsterdam", products=[("ticket-adult", 2)],
                times=[time(10), time(10, 30)])
            result.price("ticket-adult", date(2018, 4, 1), time(10))  # Decimal('14.89')
        """
        request = price_request(
            cookie_id=cookie_id,
            date_from=date_from,
            date_to=date_to,
            timezone=timezone,
            products=products,
            times=times,
            ip=ip,
            known=self._known_products,
        )
        return await self._lookup(request)

    async def send(self, request: PriceRequest) -> PriceResult:
        """Look up prices for an already built :class:`PriceRequest`."""
        return await self._lookup(request)

    def _lookup(self, request: PriceRequest) -> Awaitable[PriceResult]:
        body = encode(request)
        coalescer = self._coalescer
        if coalescer is None or capture.get() is not None:  # raw: its own request
            return self._fetch(body)
        if body in coalescer:  # an identical lookup is running: share its outcome
            return coalescer.run(body, self._fetch, body)
        return self._send(body, coalescer)  # lead inline: no coroutine of the coalescer's

    def _fetch(self, body: bytes) -> Awaitable[PriceResult]:
        return self._send(body, None)

    def _send(self, body: bytes, share: Coalescer[PriceResult] | None) -> Awaitable[PriceResult]:
        return self._pipeline.send(
            "POST",
            self._url,
            headers=self._headers,
            body=body,
            idempotent=True,
            parse=_decode_price_result,
            share=share,
            share_key=body,
        )


_decode_price_result = decoder(PriceResult)
