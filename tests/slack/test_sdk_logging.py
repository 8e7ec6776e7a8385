"""slack_sdk formats every request and response into debug strings whenever the logger it is
given has its own level at DEBUG or NOTSET (it tests ``logger.level``, not the effective
level): ours must carry a level, and DEBUG only when asked for."""

from __future__ import annotations

import io
import logging

from adapters.slack.installations import sdk_logger
from bot import logs


def test_the_sdk_logger_is_not_left_at_notset() -> None:
    logger = sdk_logger()
    assert logger.level not in (logging.NOTSET, logging.DEBUG)


def test_debug_logging_reaches_the_sdk_logger_only_when_asked_for() -> None:
    logger = logging.getLogger("pilot_coach.slack.sdk")
    before = logger.level
    try:
        logs.configure("DEBUG", "text", stream=io.StringIO())
        assert logger.level == logging.DEBUG
        logs.configure("INFO", "text", stream=io.StringIO())
        assert logger.level == logging.INFO
    finally:
        logger.setLevel(before)
