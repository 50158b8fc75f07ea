"""``CONVIOUS_LOG=debug|info``: the SDK's log records on stderr, set when ``convious`` loads.

Like openai's ``OPENAI_LOG`` and stripe's ``STRIPE_LOG``: unset (or any other value) leaves
logging alone, as a library should; ``debug`` or ``info`` attaches one stderr handler at that
level to the ``convious`` and ``convictional_async`` loggers. The SDK's records never hold a
secret (the pipeline scrubs them), so this is safe to turn on in production.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from typing import Final, TextIO

ENV_VAR: Final = "CONVIOUS_LOG"
LOGGERS: Final = ("convious", "convictional_async")
LEVELS: Final = {"debug": logging.DEBUG, "info": logging.INFO}
_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _StderrHandler(logging.StreamHandler[TextIO]):
    """A stream handler that writes to whatever ``sys.stderr`` is when a record arrives."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)
        self.setFormatter(logging.Formatter(_FORMAT))

    @property
    def stream(self) -> TextIO:
        """The current ``sys.stderr``."""
        return sys.stderr

    @stream.setter
    def stream(self, _: TextIO) -> None:
        """Ignore the stream ``StreamHandler.__init__`` sets: stderr is looked up on use."""


def configure_from_env(environ: Mapping[str, str] = os.environ) -> int | None:
    """Apply ``CONVIOUS_LOG`` to the SDK's loggers; return the level set, or None."""
    level = LEVELS.get(environ.get(ENV_VAR, "").strip().lower())
    if level is None:
        return None
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(level)
        if not any(isinstance(handler, _StderrHandler) for handler in logger.handlers):
            logger.addHandler(_StderrHandler())
    return level


def keep_quiet() -> None:
    """Keep the SDK's records off the terminal where logging was not set up.

    With no handler anywhere (no ``CONVIOUS_LOG``, nothing the application configured),
    Python prints warnings through its last-resort handler; a command-line tool that
    reports the same events in its own words calls this first.
    """
    if logging.getLogger().handlers:
        return
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(logging.NullHandler())
