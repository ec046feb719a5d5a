"""A fake Bot Framework Connector (the service behind ``activity.serviceUrl``), on loopback.

Serves the REST paths botframework-connector 4.17.1's ``ConnectorClient`` and
``TeamsConnectorClient`` call (see ``CONNECTOR_ROUTES``), records every request, keeps the
conversations' activities so updates and deletes apply, and can inject faults and enforce the
Teams per-conversation and per-app rate limits.

    async with FakeConnector() as fc:
        activity.service_url = fc.url
        ...
        reply = await fc.wait_for(lambda a: a.get("text") == "hei")
"""

from __future__ import annotations

import base64
import bisect
import itertools
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .faults import FakeHttpServer, RecordedRequest, Route, match_routes

CONNECTOR_ROUTES: list[Route] = [
    Route.of("GET", "v3/conversations", "get_conversations"),
    Route.of("POST", "v3/conversations", "create_conversation"),
    Route.of(
        "POST", "v3/conversations/{conversation_id}/activities/history", "send_conversation_history"
    ),
    Route.of("POST", "v3/conversations/{conversation_id}/activities", "send_to_conversation"),
    Route.of(
        "POST", "v3/conversations/{conversation_id}/activities/{activity_id}", "reply_to_activity"
    ),
    Route.of(
        "PUT", "v3/conversations/{conversation_id}/activities/{activity_id}", "update_activity"
    ),
    Route.of(
        "DELETE", "v3/conversations/{conversation_id}/activities/{activity_id}", "delete_activity"
    ),
    Route.of(
        "GET",
        "v3/conversations/{conversation_id}/activities/{activity_id}/members",
        "get_activity_members",
    ),
    Route.of("GET", "v3/conversations/{conversation_id}/members", "get_conversation_members"),
    Route.of(
        "GET", "v3/conversations/{conversation_id}/members/{member_id}", "get_conversation_member"
    ),
    Route.of(
        "DELETE",
        "v3/conversations/{conversation_id}/members/{member_id}",
        "delete_conversation_member",
    ),
    Route.of(
        "GET", "v3/conversations/{conversation_id}/pagedmembers", "get_conversation_paged_members"
    ),
    Route.of("POST", "v3/conversations/{conversation_id}/attachments", "upload_attachment"),
    Route.of("GET", "v3/attachments/{attachment_id}", "get_attachment_info"),
    Route.of("GET", "v3/attachments/{attachment_id}/views/{view_id}", "get_attachment"),
    Route.of("GET", "v3/teams/{team_id}/conversations", "get_teams_channels"),
    Route.of("GET", "v3/teams/{team_id}", "get_team_details"),
    Route.of("GET", "v1/meetings/{meeting_id}/participants/{participant_id}", "fetch_participant"),
    Route.of("GET", "v1/meetings/{meeting_id}", "fetch_meeting"),
    Route.of("POST", "v1/meetings/{meeting_id}/notification", "send_meeting_notification"),
]

#: Operations that post a new activity (what ``activities()`` returns).
POSTING_OPERATIONS = frozenset(
    {
        "send_to_conversation",
        "reply_to_activity",
        "create_conversation",
        "send_conversation_history",
    }
)
#: Operations that count against the per-conversation send limits.
CONVERSATION_LIMITED_OPERATIONS = frozenset(
    {
        "send_to_conversation",
        "reply_to_activity",
        "update_activity",
        "delete_activity",
        "send_conversation_history",
        "upload_attachment",
    }
)
#: Teams limits for one bot in one conversation: (requests, seconds).
CONVERSATION_LIMITS: tuple[tuple[int, float], ...] = (
    (7, 1.0),
    (8, 2.0),
    (60, 30.0),
    (1800, 3600.0),
)
#: Teams limit per app per tenant: (requests, seconds).
APP_LIMITS: tuple[tuple[int, float], ...] = ((50, 1.0),)

UNREACHABLE_ERRORS: dict[int, tuple[str, str]] = {
    403: ("BotNotInConversationRoster", "The bot is not part of the conversation roster."),
    404: ("ConversationNotFound", "Conversation not found."),
}


@dataclass
class PostedActivity:
    """An activity the fake accepted (send, reply, history, or create-conversation)."""

    conversation_id: str
    activity_id: str
    activity: dict[str, Any]
    """The body as posted, with ``id`` set to the id the fake assigned."""
    operation: str
    reply_to_id: str | None
    time: float


@dataclass
class RateLimitViolation:
    """A request that broke a Teams limit (recorded whether or not enforcement is on)."""

    scope: str
    """``conversation`` or ``app``."""
    conversation_id: str | None
    limit: int
    window: float
    retry_after: float
    time: float
    rejected: bool


class _Windows:
    """Sliding-window counters of request times."""

    def __init__(self) -> None:
        self.times: list[float] = []

    def check(self, limits: tuple[tuple[int, float], ...], now: float) -> tuple[int, float, float]:
        """The first (limit, window, retry_after) broken if one more request came now, else
        (0, 0, 0)."""
        horizon = max(window for _, window in limits)
        cut = bisect.bisect_right(self.times, now - horizon)
        if cut:
            del self.times[:cut]
        for limit, window in limits:
            start = bisect.bisect_right(self.times, now - window)
            in_window = self.times[start:]
            if len(in_window) >= limit:
                oldest_relevant = in_window[len(in_window) - limit]
                return limit, window, max(0.001, oldest_relevant + window - now)
        return 0, 0.0, 0.0

    def add(self, now: float) -> None:
        bisect.insort(self.times, now)


class FakeConnector(FakeHttpServer):
    """Fake Bot Framework Connector on ``http://127.0.0.1:PORT/`` (``fc.url``).

    Args:
        base_path: path prefix of the service URL, e.g. ``"/emea/"`` or ``"/_connector"``.
        enforce_rate_limits: answer 429 + Retry-After past the Teams limits (settable later).
        seed: seed for ``fail_rate``.
        hang_seconds: how long a hung request waits before giving up (504).
        clock: time source for recording and rate limits (default ``time.monotonic``).
    """

    def __init__(
        self,
        *,
        base_path: str = "/",
        enforce_rate_limits: bool = False,
        seed: int = 0,
        hang_seconds: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(seed=seed, hang_seconds=hang_seconds, clock=clock)
        self.base_path = "/" + base_path.strip("/")
        self.enforce_rate_limits = enforce_rate_limits
        self.posted: list[PostedActivity] = []
        self.conversations: dict[str, dict[str, dict[str, Any]]] = {}
        """conversation id → activity id → current activity (updates applied, deletes removed)."""
        self.members: dict[str, list[dict[str, Any]]] = {}
        self.teams: dict[str, dict[str, Any]] = {}
        self.meetings: dict[str, dict[str, Any]] = {}
        self.meeting_participants: dict[tuple[str, str], dict[str, Any]] = {}
        self.attachments: dict[str, dict[str, Any]] = {}
        self.rate_limit_rejections = 0
        self.rate_limit_rejections_by_conversation: Counter[str] = Counter()
        self.rate_limit_violations: list[RateLimitViolation] = []
        self._unreachable: dict[str, int] = {}
        self._unreachable_members: dict[str, int] = {}
        self._one_to_one: dict[tuple[str, str], str] = {}
        self._conversation_windows: dict[str, _Windows] = {}
        self._app_window = _Windows()
        self._ids = itertools.count(int(time.time() * 1000))

    # -- addresses -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The serviceUrl to put in activities, e.g. ``http://127.0.0.1:PORT/``."""
        prefix = self.base_path.strip("/")
        return self.root_url + (prefix + "/" if prefix else "")

    # -- set-up --------------------------------------------------------------------------------

    def unreachable(self, conversation_id: str, status: int = 403) -> None:
        """Every call about this conversation answers 403 (bot removed / app uninstalled) or 404
        (conversation gone)."""
        if status not in UNREACHABLE_ERRORS:
            raise ValueError("status must be 403 or 404")
        self._unreachable[conversation_id] = status

    def reachable(self, conversation_id: str) -> None:
        self._unreachable.pop(conversation_id, None)

    def unreachable_member(self, member_id: str, status: int = 403) -> None:
        """Creating a conversation with this member fails (the app is not installed for them)."""
        if status not in UNREACHABLE_ERRORS:
            raise ValueError("status must be 403 or 404")
        self._unreachable_members[member_id] = status

    def set_members(self, conversation_id: str, members: list[dict[str, Any]]) -> None:
        """Roster returned by the members endpoints (Teams ``TeamsChannelAccount`` dicts)."""
        self.members[conversation_id] = [dict(m) for m in members]

    # -- inspection ----------------------------------------------------------------------------

    def activities(self, conversation_id: str | None = None) -> list[dict[str, Any]]:
        """Activities accepted (sent, replied, created with a conversation), in arrival order."""
        return [
            p.activity
            for p in self.posted
            if conversation_id is None or p.conversation_id == conversation_id
        ]

    def updates(self, conversation_id: str | None = None) -> list[dict[str, Any]]:
        """Bodies of accepted updates (PUT), in arrival order."""
        return [
            r.body
            for r in self.requests
            if r.operation == "update_activity"
            and r.ok
            and (conversation_id is None or r.conversation_id == conversation_id)
        ]

    def deleted(self, conversation_id: str | None = None) -> list[str]:
        """Ids of activities deleted, in order."""
        return [
            r.params["activity_id"]
            for r in self.requests
            if r.operation == "delete_activity"
            and r.ok
            and (conversation_id is None or r.conversation_id == conversation_id)
        ]

    def transcript(self, conversation_id: str) -> list[dict[str, Any]]:
        """The conversation as it stands: posted activities with updates applied, deletes gone."""
        return list(self.conversations.get(conversation_id, {}).values())

    async def wait_for(
        self,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 5.0,
        *,
        conversation_id: str | None = None,
    ) -> dict[str, Any]:
        """Wait until an accepted activity matching ``predicate`` (already there or new) arrives;
        raises TimeoutError listing the last requests otherwise."""

        def find() -> dict[str, Any] | None:
            for activity in self.activities(conversation_id):
                if predicate is None or predicate(activity):
                    return activity
            return None

        return await self._wait(find, timeout, "activity")

    async def wait_for_activities(
        self,
        count: int,
        timeout: float = 5.0,
        *,
        conversation_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """Wait until at least ``count`` activities have been accepted; returns them all."""

        def find() -> list[dict[str, Any]] | None:
            found = self.activities(conversation_id)
            return found if len(found) >= count else None

        return await self._wait(find, timeout, f"{count} activities")

    # -- request handling ----------------------------------------------------------------------

    def _classify(self, record: RecordedRequest) -> None:
        # Teams hands out regional service URLs (…/emea/, …/amer/): any extra prefix below the
        # base path is accepted and kept as params["service_path"].
        segments = record.segments
        start = next((i for i, s in enumerate(segments) if s in ("v3", "v1")), 0)
        found = match_routes(CONNECTOR_ROUTES, record.method, segments[start:])
        if found is not None:
            route, params = found
            record.operation = route.operation
            record.params = params
            if start:
                params["service_path"] = "/".join(segments[:start])

    def _new_id(self) -> str:
        return str(next(self._ids))

    def _rate_limit(self, record: RecordedRequest) -> web.Response | None:
        now = record.time
        conversation_id = record.conversation_id
        checks: list[tuple[str, _Windows, tuple[tuple[int, float], ...]]] = [
            ("app", self._app_window, APP_LIMITS)
        ]
        if conversation_id is not None and record.operation in CONVERSATION_LIMITED_OPERATIONS:
            windows = self._conversation_windows.setdefault(conversation_id, _Windows())
            checks.append(("conversation", windows, CONVERSATION_LIMITS))
        for scope, windows, limits in checks:
            limit, window, retry_after = windows.check(limits, now)
            if limit:
                self.rate_limit_violations.append(
                    RateLimitViolation(
                        scope,
                        conversation_id,
                        limit,
                        window,
                        retry_after,
                        now,
                        self.enforce_rate_limits,
                    )
                )
                if self.enforce_rate_limits:
                    self.rate_limit_rejections += 1
                    if conversation_id is not None:
                        self.rate_limit_rejections_by_conversation[conversation_id] += 1
                    return self.error(
                        record,
                        429,
                        "TooManyRequests",
                        f"Rate limit exceeded: {limit} per {window:g}s ({scope})",
                        retry_after=retry_after,
                        fault=f"rate_limit:{limit}/{window:g}s",
                    )
        for _, windows, _ in checks:
            windows.add(now)
        return None

    async def _dispatch(self, record: RecordedRequest, request: web.Request) -> web.StreamResponse:
        if record.operation == "unknown":
            return self.error(
                record, 404, "NotFound", f"{record.method} {record.path} is not a connector path"
            )
        conversation_id = record.conversation_id
        if conversation_id is not None and conversation_id in self._unreachable:
            status = self._unreachable[conversation_id]
            code, message = UNREACHABLE_ERRORS[status]
            return self.error(record, status, code, message, fault=f"unreachable:{status}")
        limited = self._rate_limit(record)
        if limited is not None:
            return limited
        handler = getattr(self, f"_op_{record.operation}")
        response: web.StreamResponse = handler(record)
        return response

    def _store(
        self,
        record: RecordedRequest,
        conversation_id: str,
        body: dict[str, Any],
        reply_to_id: str | None,
    ) -> str:
        activity_id = self._new_id()
        activity = {**body, "id": activity_id}
        self.conversations.setdefault(conversation_id, {})[activity_id] = activity
        self.posted.append(
            PostedActivity(
                conversation_id, activity_id, activity, record.operation, reply_to_id, record.time
            )
        )
        return activity_id

    def _body_dict(self, record: RecordedRequest) -> dict[str, Any] | None:
        return record.body if isinstance(record.body, dict) else None

    def _bad_body(self, record: RecordedRequest) -> web.Response:
        return self.error(record, 400, "BadSyntax", "The request body is not a JSON object.")

    # Each operation below is named after the ConnectorClient method that calls it.

    def _op_get_conversations(self, record: RecordedRequest) -> web.Response:
        conversations = [
            {"id": cid, "members": self.members.get(cid, [])} for cid in self.conversations
        ]
        return self.json(record, {"conversations": conversations, "continuationToken": None})

    def _op_create_conversation(self, record: RecordedRequest) -> web.Response:
        body = self._body_dict(record)
        if body is None:
            return self._bad_body(record)
        members = [m for m in body.get("members") or [] if isinstance(m, dict)]
        for member in members:
            status = self._unreachable_members.get(str(member.get("id")))
            if status is not None:
                code, message = UNREACHABLE_ERRORS[status]
                return self.error(record, status, code, message, fault=f"unreachable:{status}")
        channel_data = body.get("channelData") or {}
        channel = channel_data.get("channel") if isinstance(channel_data, dict) else None
        activity = body.get("activity") if isinstance(body.get("activity"), dict) else None
        bot_id = str((body.get("bot") or {}).get("id", ""))
        activity_id: str | None = None
        if isinstance(channel, dict) and channel.get("id"):
            # A new thread in a Teams channel: "<channel id>;messageid=<first activity id>".
            activity_id = self._new_id()
            conversation_id = f"{channel['id']};messageid={activity_id}"
        elif len(members) == 1 and not body.get("isGroup"):
            key = (bot_id, str(members[0].get("id")))
            conversation_id = self._one_to_one.setdefault(key, "a:1" + secrets.token_urlsafe(24))
        else:
            conversation_id = "19:" + secrets.token_hex(16) + "@thread.v2"
        if members and conversation_id not in self.members:
            self.members[conversation_id] = [dict(m) for m in members]
        self.conversations.setdefault(conversation_id, {})
        record.params["conversation_id"] = conversation_id
        if activity is not None:
            stored_id = self._store(record, conversation_id, activity, None)
            if activity_id is not None:
                # keep the thread id and the first message id the same, like Teams
                conversation = self.conversations[conversation_id]
                stored = conversation.pop(stored_id)
                stored["id"] = activity_id
                conversation[activity_id] = stored
                self.posted[-1].activity_id = activity_id
            else:
                activity_id = stored_id
        result = {"id": conversation_id, "activityId": activity_id, "serviceUrl": self.url}
        return self.json(record, result, 201)

    def _op_send_to_conversation(self, record: RecordedRequest) -> web.Response:
        body = self._body_dict(record)
        if body is None:
            return self._bad_body(record)
        activity_id = self._store(
            record, record.params["conversation_id"], body, body.get("replyToId")
        )
        return self.json(record, {"id": activity_id}, 201)

    def _op_reply_to_activity(self, record: RecordedRequest) -> web.Response:
        body = self._body_dict(record)
        if body is None:
            return self._bad_body(record)
        activity_id = self._store(
            record, record.params["conversation_id"], body, record.params["activity_id"]
        )
        return self.json(record, {"id": activity_id}, 201)

    def _op_send_conversation_history(self, record: RecordedRequest) -> web.Response:
        body = self._body_dict(record)
        if body is None:
            return self._bad_body(record)
        for activity in body.get("activities") or []:
            if isinstance(activity, dict):
                self._store(record, record.params["conversation_id"], activity, None)
        return self.json(record, {"id": self._new_id()}, 201)

    def _op_update_activity(self, record: RecordedRequest) -> web.Response:
        body = self._body_dict(record)
        if body is None:
            return self._bad_body(record)
        conversation = self.conversations.get(record.params["conversation_id"], {})
        activity_id = record.params["activity_id"]
        if activity_id not in conversation:
            return self.error(
                record, 404, "ActivityNotFoundInConversation", "The activity was not found."
            )
        conversation[activity_id] = {**body, "id": activity_id}
        return self.json(record, {"id": activity_id})

    def _op_delete_activity(self, record: RecordedRequest) -> web.Response:
        conversation = self.conversations.get(record.params["conversation_id"], {})
        activity_id = record.params["activity_id"]
        if conversation.pop(activity_id, None) is None:
            return self.error(
                record, 404, "ActivityNotFoundInConversation", "The activity was not found."
            )
        return self.empty(record, 200)

    def _op_get_conversation_members(self, record: RecordedRequest) -> web.Response:
        return self.json(record, self.members.get(record.params["conversation_id"], []))

    def _op_get_activity_members(self, record: RecordedRequest) -> web.Response:
        return self._op_get_conversation_members(record)

    def _find_member(self, record: RecordedRequest) -> dict[str, Any] | None:
        member_id = record.params["member_id"]
        for member in self.members.get(record.params["conversation_id"], []):
            if member_id in (member.get("id"), member.get("aadObjectId")):
                return member
        return None

    def _op_get_conversation_member(self, record: RecordedRequest) -> web.Response:
        member = self._find_member(record)
        if member is None:
            return self.error(
                record, 404, "MemberNotFoundInConversation", "The member was not found."
            )
        return self.json(record, member)

    def _op_delete_conversation_member(self, record: RecordedRequest) -> web.Response:
        member = self._find_member(record)
        if member is None:
            return self.error(
                record, 404, "MemberNotFoundInConversation", "The member was not found."
            )
        self.members[record.params["conversation_id"]].remove(member)
        return self.empty(record, 204)

    def _op_get_conversation_paged_members(self, record: RecordedRequest) -> web.Response:
        members = self.members.get(record.params["conversation_id"], [])
        size = int(record.query.get("pageSize") or 200)
        start = int(record.query.get("continuationToken") or 0)
        page = members[start : start + size]
        token = str(start + size) if start + size < len(members) else None
        return self.json(record, {"members": page, "continuationToken": token})

    def _op_upload_attachment(self, record: RecordedRequest) -> web.Response:
        body = self._body_dict(record)
        if body is None:
            return self._bad_body(record)
        attachment_id = "att-" + secrets.token_hex(8)
        self.attachments[attachment_id] = body
        return self.json(record, {"id": attachment_id}, 201)

    def _op_get_attachment_info(self, record: RecordedRequest) -> web.Response:
        attachment = self.attachments.get(record.params["attachment_id"])
        if attachment is None:
            return self.error(record, 404, "NotFound", "The attachment was not found.")
        size = len(base64.b64decode(attachment.get("originalBase64") or ""))
        info = {
            "name": attachment.get("name"),
            "type": attachment.get("type"),
            "views": [{"viewId": "original", "size": size}],
        }
        return self.json(record, info)

    def _op_get_attachment(self, record: RecordedRequest) -> web.Response:
        attachment = self.attachments.get(record.params["attachment_id"])
        if attachment is None:
            return self.error(record, 404, "NotFound", "The attachment was not found.")
        key = "thumbnailBase64" if record.params["view_id"] == "thumbnail" else "originalBase64"
        data = base64.b64decode(attachment.get(key) or "")
        return web.Response(body=data, content_type="application/octet-stream")

    def _team(self, team_id: str) -> dict[str, Any]:
        team = {"id": team_id, "name": "Team", "aadGroupId": None}
        team.update(self.teams.get(team_id, {}))
        return team

    def _op_get_teams_channels(self, record: RecordedRequest) -> web.Response:
        team_id = record.params["team_id"]
        channels = self._team(team_id).get("channels") or [{"id": team_id, "name": None}]
        return self.json(record, {"conversations": channels})

    def _op_get_team_details(self, record: RecordedRequest) -> web.Response:
        team = {k: v for k, v in self._team(record.params["team_id"]).items() if k != "channels"}
        return self.json(record, team)

    def _op_fetch_participant(self, record: RecordedRequest) -> web.Response:
        meeting_id = record.params["meeting_id"]
        participant_id = record.params["participant_id"]
        participant = self.meeting_participants.get((meeting_id, participant_id)) or {
            "user": {"id": participant_id, "aadObjectId": participant_id},
            "meeting": {"role": "Attendee", "inMeeting": True},
            "conversation": {"id": meeting_id, "isGroup": True, "conversationType": "groupChat"},
        }
        return self.json(record, participant)

    def _op_fetch_meeting(self, record: RecordedRequest) -> web.Response:
        meeting_id = record.params["meeting_id"]
        meeting = self.meetings.get(meeting_id) or {
            "details": {"id": meeting_id, "title": "Meeting", "type": "Scheduled"},
            "conversation": {"id": meeting_id, "isGroup": True, "conversationType": "groupChat"},
            "organizer": {"id": "organizer"},
        }
        return self.json(record, meeting)

    def _op_send_meeting_notification(self, record: RecordedRequest) -> web.Response:
        return self.empty(record, 202)
