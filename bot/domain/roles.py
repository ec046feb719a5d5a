"""Who the acting person is and what their seats allow: pure, so every permission is testable."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Capability(StrEnum):
    SUBMIT_CASE = "submit_case"
    VIEW_OWN_CASES = "view_own_cases"
    VIEW_MEETINGS = "view_meetings"
    REPORT_ABSENCE = "report_absence"
    MANAGE_REMINDERS = "manage_reminders"
    TRIAGE = "triage"
    PLAN_MEETINGS = "plan_meetings"
    PUBLISH_NOTICE = "publish_notice"
    CHAIR = "chair"
    SIGN_PROTOCOL = "sign_protocol"
    WRITE_PROTOCOL = "write_protocol"


@dataclass(frozen=True, slots=True)
class Seat:
    body: str
    role: str
    category: str
    deputy_for_person_id: int | None = None


@dataclass(frozen=True, slots=True)
class Actor:
    """The person behind an activity; `person_id` None means unknown to the roster."""

    person_id: int | None
    name: str
    aad_object_id: str | None
    locale: str = "nb"
    seats: tuple[Seat, ...] = field(default_factory=tuple)

    @property
    def known(self) -> bool:
        return self.person_id is not None

    def has_role(self, role: str, body: str | None = None) -> bool:
        return any(s.role == role and (body is None or s.body == body) for s in self.seats)

    @property
    def is_secretariat(self) -> bool:
        return self.has_role("secretariat")

    @property
    def is_leader(self) -> bool:
        return self.has_role("leader", "SSU")

    @property
    def is_deputy_leader(self) -> bool:
        return self.has_role("deputy_leader", "SSU")

    @property
    def is_member(self) -> bool:
        """A seat with a voice in SSU: members, the leadership and personal deputies."""
        return any(
            s.body == "SSU" and s.role in {"leader", "deputy_leader", "member", "personal_deputy"}
            for s in self.seats
        )

    @property
    def is_observer(self) -> bool:
        return self.has_role("observer")

    def capabilities(self) -> frozenset[Capability]:
        caps = {Capability.SUBMIT_CASE}
        if not self.known:
            return frozenset(caps)
        caps |= {Capability.VIEW_OWN_CASES, Capability.VIEW_MEETINGS, Capability.MANAGE_REMINDERS}
        if self.is_member:
            caps.add(Capability.REPORT_ABSENCE)
        if self.is_secretariat:
            caps |= {
                Capability.TRIAGE,
                Capability.PLAN_MEETINGS,
                Capability.PUBLISH_NOTICE,
                Capability.WRITE_PROTOCOL,
            }
        if self.is_leader or self.is_deputy_leader:
            caps |= {Capability.CHAIR, Capability.SIGN_PROTOCOL, Capability.PUBLISH_NOTICE}
        return frozenset(caps)

    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities()
