"""The Slack app manifest: valid YAML with the keys Slack documents, and in step with the code
(scopes, the one Request URL, the events and the slash command the adapter handles)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from adapters.slack import EVENTS_PATH
from adapters.slack.installations import BOT_SCOPES, REDIRECT_PATH

MANIFEST = Path(__file__).parents[2] / "adapters" / "slack" / "manifest.yml"

# Keys of https://api.slack.com/reference/manifests (the ones a bot like this may use).
TOP = {"_metadata", "display_information", "features", "oauth_config", "settings", "functions",
       "workflows", "outgoing_domains", "types", "datastores"}  # fmt: skip
DISPLAY = {"name", "description", "long_description", "background_color"}
FEATURES = {"app_home", "bot_user", "shortcuts", "slash_commands", "unfurl_domains",
            "workflow_steps", "assistant_view", "rich_previews"}  # fmt: skip
APP_HOME = {"home_tab_enabled", "messages_tab_enabled", "messages_tab_read_only_enabled"}
SLASH = {"command", "url", "description", "usage_hint", "should_escape"}
SETTINGS = {"allowed_ip_address_ranges", "event_subscriptions", "interactivity",
            "org_deploy_enabled", "socket_mode_enabled", "token_rotation_enabled",
            "is_hosted", "function_runtime", "siws_links", "incoming_webhooks"}  # fmt: skip


def manifest() -> dict[str, Any]:
    data = yaml.safe_load(MANIFEST.read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def test_the_manifest_uses_only_documented_keys() -> None:
    m = manifest()
    assert set(m) <= TOP
    assert {"display_information", "features", "oauth_config", "settings"} <= set(m)
    assert set(m["display_information"]) <= DISPLAY and m["display_information"]["name"]
    assert len(m["display_information"]["description"]) <= 140
    assert set(m["features"]) <= FEATURES
    assert set(m["features"]["app_home"]) <= APP_HOME
    assert set(m["features"]["bot_user"]) <= {"display_name", "always_online"}
    for command in m["features"]["slash_commands"]:
        assert set(command) <= SLASH and command["command"].startswith("/")
        assert len(command["description"]) <= 100
    assert set(m["oauth_config"]) <= {"redirect_urls", "scopes", "token_management_enabled"}
    assert set(m["settings"]) <= SETTINGS
    assert set(m["settings"]["event_subscriptions"]) <= {"request_url", "bot_events", "user_events"}
    assert set(m["settings"]["interactivity"]) <= {
        "is_enabled", "request_url", "message_menu_options_url"
    }  # fmt: skip


def test_the_manifest_matches_what_the_adapter_serves() -> None:
    m = manifest()
    assert m["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)
    assert m["features"]["app_home"]["home_tab_enabled"] is True
    assert [c["command"] for c in m["features"]["slash_commands"]] == ["/pilot"]
    assert m["features"]["slash_commands"][0]["should_escape"] is True  # <@U…|name> mentions
    urls = {
        m["features"]["slash_commands"][0]["url"],
        m["settings"]["event_subscriptions"]["request_url"],
        m["settings"]["interactivity"]["request_url"],
    }
    assert len(urls) == 1 and urls.pop().endswith(EVENTS_PATH)  # one Request URL for all three
    assert all(u.endswith(REDIRECT_PATH) for u in m["oauth_config"]["redirect_urls"])
    assert set(m["settings"]["event_subscriptions"]["bot_events"]) == {
        "app_home_opened", "app_mention", "message.im"
    }  # fmt: skip
    assert m["settings"]["interactivity"]["is_enabled"] is True
