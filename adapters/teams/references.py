"""Teams conversation references in the database, so proactive messages survive restarts.

Scopes (``conversation_refs`` rows of platform ``teams``, workspace = tenant id):

- ``channel`` / channel id: the channel's reference; proactive posts start a new thread there.
- ``user`` / person id: ``{"reference": …, "personal": true}`` once the 1:1 chat is known;
  before that ``personal: false`` and the reference of a conversation the person was seen in,
  which carries what creating the 1:1 chat needs (service URL, tenant, bot and user ids).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adapters.teams.inbound import (
    PLATFORM,
    ActivityJson,
    bot_id,
    channel_key,
    channel_label,
    is_personal,
    members_added,
    mentions_of,
    reference_of,
    tenant_of,
)
from bot.clock import Clock
from storage.repositories import UnitOfWorkFactory

CHANNEL = "channel"
USER = "user"
AAD = "aad"  # person id -> {"id": their Azure AD object id}, for Graph presence (issue 18)


@dataclass(frozen=True)
class UserRoute:
    reference: dict[str, Any]
    personal: bool


class ReferenceStore:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, *, keep_existing: bool = False
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.keep_existing = keep_existing  # emulator mode: activities add routes, never replace

    async def remember(self, activity: ActivityJson) -> str:
        """Store the references this activity reveals: its conversation, and a way to reach
        the sender, the people it mentions and the members it adds. Returns the conversation's
        display name as far as it is known (Teams sends it only with some activities)."""
        tenant = tenant_of(activity)
        sender = dict(activity.get("from") or {})
        name = channel_label(activity)
        async with self.uow() as unit:
            if is_personal(activity):
                if sender.get("id"):
                    known = await unit.refs.load_ref(PLATFORM, tenant, USER, sender["id"])
                    data = {"reference": reference_of(activity), "personal": True}
                    if not (self.keep_existing and known):
                        await unit.refs.save_ref(PLATFORM, tenant, USER, sender["id"], data)
            else:
                key = channel_key(activity)
                known = await unit.refs.load_ref(PLATFORM, tenant, CHANNEL, key) or {}
                name = name or str(known.get("name") or "")
                data = {"reference": reference_of(activity), "name": name}
                if not (self.keep_existing and known):
                    await unit.refs.save_ref(PLATFORM, tenant, CHANNEL, key, data)
            aad = str(sender.get("aadObjectId") or "")
            if sender.get("id") and aad:
                known_aad = await unit.refs.load_ref(PLATFORM, tenant, AAD, sender["id"])
                if known_aad is None or (not self.keep_existing and known_aad.get("id") != aad):
                    await unit.refs.save_ref(PLATFORM, tenant, AAD, sender["id"], {"id": aad})
            people = [sender] if not is_personal(activity) else []
            people += [{"id": p.id, "name": p.name} for _, p in mentions_of(activity)]
            people += [m for m in members_added(activity) if m.get("id") != bot_id(activity)]
            for account in people:
                key = str(account.get("id") or "")
                if key and await unit.refs.load_ref(PLATFORM, tenant, USER, key) is None:
                    seed = {"reference": reference_of(activity, user=account), "personal": False}
                    await unit.refs.save_ref(PLATFORM, tenant, USER, key, seed)
            await unit.commit()
        return name

    async def claim(self, event_id: str) -> bool:
        """De-duplicate a turn the coach does not see (welcome cards, check-in forms)."""
        async with self.uow() as unit:
            fresh = await unit.events.claim_event(PLATFORM, event_id, self.clock.now())
            await unit.commit()
        return fresh

    async def channel(self, tenant: str, channel: str) -> dict[str, Any] | None:
        async with self.uow() as unit:
            data = await unit.refs.load_ref(PLATFORM, tenant, CHANNEL, channel)
        return dict(data["reference"]) if data and data.get("reference") else None

    async def user(self, tenant: str, user: str) -> UserRoute | None:
        async with self.uow() as unit:
            data = await unit.refs.load_ref(PLATFORM, tenant, USER, user)
        if not data or not data.get("reference"):
            return None
        return UserRoute(dict(data["reference"]), bool(data.get("personal")))

    async def aad_object_id(self, tenant: str, user: str) -> str | None:
        """The person's Azure AD object id, as their own activities gave it."""
        async with self.uow() as unit:
            data = await unit.refs.load_ref(PLATFORM, tenant, AAD, user)
        return str(data["id"]) if data and data.get("id") else None

    async def save_personal(self, tenant: str, user: str, reference: dict[str, Any]) -> None:
        async with self.uow() as unit:
            data = {"reference": reference, "personal": True}
            await unit.refs.save_ref(PLATFORM, tenant, USER, user, data)
            await unit.commit()
