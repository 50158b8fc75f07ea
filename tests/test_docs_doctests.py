"""The examples in the docstrings of the core's input checks run as written."""

from __future__ import annotations

import doctest

from convictional_async.core import _validate


def test_validate_doctests() -> None:
    result = doctest.testmod(_validate, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 8
    assert result.failed == 0
