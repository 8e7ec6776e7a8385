"""Activity JSON shaped exactly like Teams sends it, built from the recorded fixtures in
``tests/fixtures/teams/`` (only ids, text, sender and serviceUrl change per call)."""

from __future__ import annotations

import copy
import itertools
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "teams"
TENANT = "b7e1c0de-4a1b-4c2d-9e3f-5a6b7c8d9e0f"
OTHER_TENANT = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
CHANNEL = "19:3c5d1e0f8a2b4c6d9e7f1a3b5c7d9e0f@thread.tacv2"
BOT = {"id": "28:0d6b1f2e-7c3a-4b5d-8e9f-1a2b3c4d5e6f", "name": "Pilot Coach"}
PEOPLE: dict[str, dict[str, str]] = {
    "clara": {"id": "29:1p9XzKq3Clara0b7Hq2vS8Yd4RkWmT6nJf1LcE5uGa0iOzBxNy7PhD3sVt2QwKe8UjMr",
              "name": "Clara Becker", "aadObjectId": "4c7f2a10-3b5d-4e8f-9a1c-2d3e4f5a6b7c"},
    "olaf": {"id": "29:1q2WeR4tOlaf9y8UiO7pAs6DfG5hJk4Ll3ZxC2vBn1Mq0WeR9tYu8Io7Pa6Sd5Fg4Hj",
             "name": "Olaf Schmidt", "aadObjectId": "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d"},
    "ines": {"id": "29:1z8Yx7Wv6Ines5Ut4Sr3Qp2On1Ml0Kj9Ih8Gf7Ed6Cb5Aa4Zz3Yy2Xx1Ww0Vv9Uu8Tt",
             "name": "Ines Wagner", "aadObjectId": "1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"},
}  # fmt: skip
_AT = re.compile(r"@(\w+)")


@cache
def _fixture(name: str) -> str:
    return (FIXTURES / name).read_text("utf-8")


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_fixture(name))
    return data


class TeamsClient:
    """Builds the activities one Teams tenant would post to the bot."""

    _ids = itertools.count(1799100000000)

    def __init__(self, service_url: str, tenant: str = TENANT) -> None:
        self.service_url = service_url
        self.tenant = tenant

    def _base(self, name: str, sender: str | None) -> dict[str, Any]:
        activity = copy.deepcopy(load(name))
        activity["serviceUrl"] = self.service_url
        activity["id"] = str(next(self._ids))
        if sender is not None:
            activity["from"] = dict(PEOPLE[sender])
        activity["conversation"]["tenantId"] = self.tenant
        activity["channelData"]["tenant"] = {"id": self.tenant}
        return activity

    def channel_message(self, sender: str, text: str, channel: str = CHANNEL) -> dict[str, Any]:
        """``@Pilot Coach <text>`` in a channel; ``@clara`` in ``text`` becomes a real mention."""
        activity = self._base("channel_message_mention.json", sender)
        bot_mention, *_, client_info = activity["entities"]
        entities = [bot_mention]

        def mention(match: re.Match[str]) -> str:
            person = PEOPLE[match.group(1)]
            markup = f"<at>{person['name']}</at>"
            entities.append({"mentioned": {"id": person["id"], "name": person["name"]},
                             "text": markup, "type": "mention"})  # fmt: skip
            return markup

        activity["text"] = f"<at>{BOT['name']}</at> {_AT.sub(mention, text)}\n"
        activity["entities"] = [*entities, client_info]
        activity["attachments"] = []
        activity["conversation"]["id"] = f"{channel};messageid={activity['id']}"
        activity["channelData"]["teamsChannelId"] = channel
        activity["channelData"]["channel"] = {"id": channel}
        return activity

    def channel_submit(
        self, sender: str, value: dict[str, Any], channel: str = CHANNEL
    ) -> dict[str, Any]:
        """An Action.Submit click on a card the bot posted in a channel."""
        activity = self.channel_message(sender, "", channel)
        for key in ("text", "entities", "attachments"):
            activity.pop(key)
        activity["value"] = value
        return activity

    def personal_message(self, sender: str, text: str, conversation: str) -> dict[str, Any]:
        activity = self._base("personal_message.json", sender)
        activity["text"] = text
        activity["conversation"]["id"] = conversation
        return activity

    def submit(self, sender: str, value: dict[str, Any], conversation: str) -> dict[str, Any]:
        """An Action.Submit click: a message with ``value`` and no text."""
        activity = self._base("card_submit_done.json", sender)
        activity["value"] = value
        activity["conversation"]["id"] = conversation
        return activity

    def invoke(
        self, sender: str, verb: str, data: dict[str, Any], conversation: str
    ) -> dict[str, Any]:
        """An Action.Execute click: invoke ``adaptiveCard/action``."""
        activity = self._base("invoke_adaptive_card_action.json", sender)
        activity["value"]["action"]["verb"] = verb
        activity["value"]["action"]["data"] = data
        activity["conversation"]["id"] = conversation
        return activity

    def bot_added(self, channel: str = CHANNEL) -> dict[str, Any]:
        activity = self._base("conversation_update_bot_added.json", None)
        activity["conversation"]["id"] = channel
        return activity

    def member_removed(self) -> dict[str, Any]:
        return self._base("conversation_update_members_removed.json", None)
