"""Remember where every activity came from, so the bot can write there later."""

from __future__ import annotations

import json

from botbuilder.core import TurnContext, serializer_helper
from botbuilder.schema import Activity, ConversationReference
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import conversations


def reference_json(activity: Activity) -> str:
    reference = TurnContext.get_conversation_reference(activity)
    return json.dumps(serializer_helper(reference), sort_keys=True)


def reference_from_json(text: str) -> ConversationReference:
    return ConversationReference().deserialize(json.loads(text))


async def save_reference(
    session: AsyncSession, *, activity: Activity, person_id: int | None
) -> None:
    """Upsert; personal chats are linked to the person so reminders can reach them."""
    conversation = activity.conversation
    if conversation is None or not conversation.id or not activity.service_url:
        return
    kind = conversation.conversation_type or "personal"
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    team = channel_data.get("team")
    team_id = team.get("id") if isinstance(team, dict) else None
    tenant = conversation.tenant_id
    await conversations.upsert_reference(
        session,
        conversation_id=conversation.id,
        conversation_type=kind,
        service_url=activity.service_url,
        reference_json=reference_json(activity),
        person_id=person_id if kind == "personal" else None,
        team_id=team_id if isinstance(team_id, str) else None,
        tenant_id=tenant if isinstance(tenant, str) else None,
    )
