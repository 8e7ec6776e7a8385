"""Logging set-up: one line per event, human-readable or JSON (``LOG_FORMAT=json``)."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import TextIO


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


# The logger the Slack SDKs write to (adapters/slack gives it the token-redacting filter).
SLACK_SDK_LOGGER = "pilot_coach.slack.sdk"


def configure(level: str, fmt: str, stream: TextIO | None = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # slack_sdk and botbuilder log request details at DEBUG: keep them at INFO or above.
    for noisy in ("apscheduler", "alembic", "matplotlib", "slack_sdk", "slack_bolt", "botbuilder",
                  "msrest", "msal", "aiohttp.access"):  # fmt: skip
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # Our logger for the Slack SDKs (tokens redacted): DEBUG only when asked for. slack_sdk
    # formats request details whenever this logger's own level is DEBUG or NOTSET.
    logging.getLogger(SLACK_SDK_LOGGER).setLevel(root.level or logging.INFO)
