"""Bot Framework activities as Teams would send them, for tests."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

_ids = itertools.count(1)
TENANT_ID = "7d1f3b4e-0000-4000-8000-00000000aaaa"
BOT_ID = "28:ssu-bot"


@dataclass(frozen=True)
class TeamsUser:
    teams_id: str
    aad_object_id: str | None
    name: str
    locale: str = "nb-NO"

    @property
    def personal_conversation(self) -> str:
        return f"a:personal-{self.teams_id}"


UNKNOWN = TeamsUser("29:unknown", "00000000-0000-4000-8000-00000000dead", "Ukjent Person")


def activity(
    kind: str,
    *,
    service_url: str,
    user: TeamsUser,
    conversation_id: str | None = None,
    conversation_type: str = "personal",
    **fields: Any,
) -> dict[str, Any]:
    conversation = conversation_id or user.personal_conversation
    body: dict[str, Any] = {
        "type": kind,
        "id": f"act-{next(_ids)}",
        "timestamp": "2026-11-23T10:00:00.000Z",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": user.teams_id, "name": user.name, "aadObjectId": user.aad_object_id},
        "conversation": {
            "id": conversation,
            "conversationType": conversation_type,
            "tenantId": TENANT_ID,
        },
        "recipient": {"id": BOT_ID, "name": "SSU-assistenten"},
        "locale": user.locale,
        "channelData": {"tenant": {"id": TENANT_ID}},
    }
    body.update(fields)
    return body


def message(text: str, *, service_url: str, user: TeamsUser, **fields: Any) -> dict[str, Any]:
    return activity("message", service_url=service_url, user=user, text=text, **fields)


def card_action(
    verb: str,
    data: dict[str, Any] | None = None,
    *,
    service_url: str,
    user: TeamsUser,
    **fields: Any,
) -> dict[str, Any]:
    value = {
        "action": {"type": "Action.Execute", "verb": verb, "data": data or {}},
        "trigger": "manual",
    }
    return activity(
        "invoke",
        service_url=service_url,
        user=user,
        name="adaptiveCard/action",
        value=value,
        **fields,
    )


def installation(*, service_url: str, user: TeamsUser, action: str = "add") -> dict[str, Any]:
    return activity("installationUpdate", service_url=service_url, user=user, action=action)
