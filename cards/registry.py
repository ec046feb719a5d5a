"""Every card the bot can send, each built from sample data: the test suite's card catalogue.

The tests build every sample and check it without a browser (schema version, payload size,
labelled inputs, Action.Execute only) and render it with the Adaptive Cards JS renderer in
headless Chromium, saving a screenshot per card. A new card is one line in ``SAMPLES``; a
builder in ``cards/`` that no sample calls fails ``tests/cards/test_render.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.domain.calendar import OSLO, Body, MeetingForm, deadlines_for
from bot.domain.cases import (
    CaseStatus,
    CaseType,
    EconomicImpact,
    MeetingSlot,
    Placement,
    Problem,
    Route,
    Section,
    Submission,
    allowed_routes,
)
from bot.domain.meeting_rules import Problem as MeetingProblem
from bot.domain.meeting_rules import propose_year
from bot.domain.meeting_state import MeetingState
from bot.domain.roles import Actor, Seat
from bot.i18n import t
from bot.services import cases as case_service
from bot.services import meetings as meeting_service
from cards import cases, meetings
from cards.base import Json
from cards.help import (
    CHAIR_PHRASES,
    COMMANDS_NB,
    SECRETARIAT_PHRASES,
    HelpView,
    help_card,
    welcome_card,
)
from cards.settings import language_card


@dataclass(frozen=True, slots=True)
class CardSample:
    """One card as the bot sends it. ``name`` is ``<card>.<variant>``, unique, file-name safe.

    ``submit_reason`` documents why this card may carry ``Action.Submit`` (CONTRACT: every
    actionable card uses ``Action.Execute``); without one, ``Action.Submit`` fails the tests.
    ``known_findings`` names parse/validation events of the Adaptive Cards renderer that the
    card is known to raise (open defects of its owner); the render test fails on any other event,
    and on a listed one that no longer occurs, so the list only shrinks.
    """

    name: str
    build: Callable[[], Json]
    submit_reason: str | None = None
    known_findings: tuple[str, ...] = ()


ALL_COMMANDS = frozenset(key.removeprefix("help.cmd.") for _, key in COMMANDS_NB)
ALL_PHRASES = frozenset(
    phrase for nb, en, _ in (*SECRETARIAT_PHRASES, *CHAIR_PHRASES) for phrase in (*nb, *en)
)
SAMPLE_NAME = "Kari Nordmann"


def sample_actor(*seats: tuple[str, str], locale: str = "nb") -> Actor:
    """A known person with ``(body, role)`` seats; no seats = unknown to the roster."""
    return Actor(
        person_id=1 if seats else None,
        name=SAMPLE_NAME,
        aad_object_id="00000000-0000-4000-8000-000000000001",
        locale=locale,
        seats=tuple(Seat(body=body, role=role, category="administrative") for body, role in seats),
    )


def help_for(*seats: tuple[str, str], locale: str = "nb") -> Json:
    """The help card as bot.teams.handler.help_view would build it for such a person."""
    actor = sample_actor(*seats, locale=locale)
    labels: list[str] = []
    for seat in actor.seats:
        label = t(f"role.{seat.role}", locale)
        if seat.body not in {"SSU", "SEK"}:
            label = f"{label} ({t(f'body.{seat.body}', locale)})"
        labels.append(label)
    return help_card(
        HelpView(
            locale=locale,
            name=actor.name,
            known=actor.known,
            role_labels=labels,
            is_member=actor.is_member,
            is_secretariat=actor.is_secretariat,
            is_chair=actor.is_leader or actor.is_deputy_leader,
            available=ALL_COMMANDS,
            phrases=ALL_PHRASES,
        )
    )


# ------------------------------------------------------------------------------- sample data

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

# Meetings


def sample_meeting(
    meeting_id: int = 7,
    *,
    body: Body = Body.SSU,
    start: datetime = datetime(2027, 2, 11, 9, 30, tzinfo=OSLO),
    hours: int = 5,
    form: MeetingForm = MeetingForm.physical,
    state: MeetingState = MeetingState.PLANNED,
    cancel_reason: str | None = None,
) -> meeting_service.MeetingView:
    end = start + timedelta(hours=hours)
    return meeting_service.MeetingView(
        id=meeting_id,
        body=body,
        title="SSU-møte",
        start=start,
        end=end,
        form=form,
        online=form is not MeetingForm.physical,
        location=None if form is MeetingForm.digital else "Scandic Hamar, møterom Mjøsa",
        region=None,
        moved_from=None,
        state=state,
        cancel_reason=cancel_reason,
        pattern_key=None,
        deadlines=deadlines_for(body, start, end),
    )


def plan_items(created: int = 0) -> list[meeting_service.ProposalView]:
    return [
        meeting_service.ProposalView(p, sample_meeting(i + 1) if i < created else None)
        for i, p in enumerate(propose_year(2027))
    ]


def busy_plan() -> meeting_service.BusyReport:
    items = plan_items()
    flags = {
        item.proposal.slot: meeting_service.BusyFlag(("Hilde Vang",) if i % 3 == 0 else ())
        for i, item in enumerate(items)
    }
    return meeting_service.BusyReport(available=True, flags=flags)


def year_meetings() -> list[meeting_service.MeetingView]:
    return [
        sample_meeting(1, state=MeetingState.HELD, start=datetime(2027, 2, 11, 9, 30, tzinfo=OSLO)),
        sample_meeting(
            2, body=Body.STRATEGY, start=datetime(2027, 3, 10, 12, 0, tzinfo=OSLO), hours=24
        ),
        sample_meeting(
            3,
            body=Body.PA,
            form=MeetingForm.digital,
            hours=1,
            start=datetime(2027, 6, 10, 9, 0, tzinfo=OSLO),
        ),
        sample_meeting(
            4,
            state=MeetingState.CANCELLED,
            cancel_reason="For få saker",
            start=datetime(2027, 9, 16, 9, 30, tzinfo=OSLO),
        ),
    ]


def meeting_refused(*problems: MeetingProblem) -> meeting_service.Refused:
    return meeting_service.Refused(meeting_service.RefusalReason.INVALID, problems)


# Cases

LONG_TEXT = (
    "Pasienter i Innlandet skrives i dag ut uten at kommunen får beskjed i tide. Vi foreslår en "
    "felles rutine for varsling, med ansvar fordelt mellom sykehuset og kommunene, og en "
    "evaluering etter seks måneder. "
) * 6
FEB = MeetingSlot(1, "SSU", "SSU-møte", datetime(2027, 2, 11, 8, 30, tzinfo=UTC), NOW)
MAY = MeetingSlot(
    2, "SSU", "SSU-møte", datetime(2027, 5, 20, 7, 30, tzinfo=UTC), NOW + timedelta(days=140)
)
AU = MeetingSlot(3, "AU", "AU-møte", datetime(2027, 1, 14, 8, 0, tzinfo=UTC), NOW)


def sample_case(**changes: Any) -> case_service.CaseView:
    values: dict[str, Any] = {
        "id": 7,
        "year": 2026,
        "number": 4,
        "title": "Felles rutine for utskrivning av pasienter med behov for kommunale tjenester",
        "submitter_org": "Hamar kommune",
        "anchored_with": "Kommunaldirektør helse og omsorg",
        "case_type": CaseType.DECISION,
        "background": LONG_TEXT,
        "assessment": LONG_TEXT,
        "proposal": "SSU slutter seg til forslaget til felles rutine.",
        "economic_impact": EconomicImpact.MINOR,
        "attachments": ("https://portal.helsefellesskap-innlandet.example/saker/2026-04.pdf",),
        "status": CaseStatus.SUBMITTED,
        "route": None,
        "section": None,
        "minutes": None,
        "meeting": MAY,
        "requested_meeting": FEB,
        "submitter_name": SAMPLE_NAME,
        "submitter_person_id": 1,
        "submitted_at": NOW - timedelta(days=2),
    }
    values.update(changes)
    return case_service.CaseView(**values)


def sample_submission() -> Submission:
    case = sample_case()
    return Submission(
        title=case.title,
        submitter_org=case.submitter_org,
        anchored_with=case.anchored_with,
        case_type=case.case_type,
        background=case.background,
        assessment=case.assessment,
        proposal=case.proposal,
        economic_impact=EconomicImpact.MAJOR,
        meeting_id=FEB.id,
        attachments=case.attachments,
    )


def triage_view(case: case_service.CaseView) -> case_service.TriageView:
    return case_service.TriageView(case, (AU, FEB, MAY), allowed_routes(case.economic_impact))


# Open defects the renderer finds (see CardSample.known_findings).
REQUIRED_WITHOUT_ERROR_MESSAGE = ("RequiredInputsShouldHaveErrorMessage",)
"""Required Input.Date/Time/ChoiceSet without ``errorMessage``: Teams then shows no message."""
EMPTY_CHOICE_VALUE = ("PropertyCantBeNull",)
"""An Input.ChoiceSet choice with ``value: ""`` ("no preference"); every choice needs a value."""

# -------------------------------------------------------------------------------- the catalogue

SAMPLES: tuple[CardSample, ...] = (
    CardSample("help.leader", lambda: help_for(("SSU", "leader"))),
    CardSample("help.deputy_leader", lambda: help_for(("SSU", "deputy_leader"))),
    CardSample("help.member", lambda: help_for(("SSU", "member"))),
    CardSample("help.member_pa", lambda: help_for(("SSU", "member"), ("PA", "member"))),
    CardSample("help.personal_deputy", lambda: help_for(("SSU", "personal_deputy"))),
    CardSample("help.observer", lambda: help_for(("SSU", "observer"))),
    CardSample("help.secretariat", lambda: help_for(("SEK", "secretariat"))),
    CardSample("help.unknown", lambda: help_for()),
    CardSample("help.member_en", lambda: help_for(("SSU", "member"), locale="en")),
    CardSample("help.unknown_en", lambda: help_for(locale="en")),
    CardSample("welcome", lambda: welcome_card("nb")),
    CardSample("welcome.en", lambda: welcome_card("en")),
    CardSample("language", lambda: language_card("nb")),
    CardSample("language.en", lambda: language_card("en")),
    CardSample("language.error", lambda: language_card("nb", error=t("language.invalid", "nb"))),
    CardSample("language.saved", lambda: language_card("en", saved=True)),
    # Meetings
    CardSample(
        "meeting.plan",
        lambda: meetings.plan_card("nb", 2027, plan_items(), busy_plan()),
        known_findings=REQUIRED_WITHOUT_ERROR_MESSAGE,
    ),
    CardSample(
        "meeting.plan_refused",
        lambda: meetings.plan_card(
            "en",
            2027,
            plan_items(created=2),
            meeting_service.BusyReport(available=False),
            refused=meeting_refused(
                MeetingProblem(
                    f"{plan_items()[3].proposal.slot}.date", "in_past", {"date": "01.01.2027"}
                )
            ),
        ),
        known_findings=REQUIRED_WITHOUT_ERROR_MESSAGE,
    ),
    CardSample(
        "meeting.plan_applied",
        lambda: meetings.plan_applied_card(
            "nb",
            meeting_service.PlanApplied(
                2027, tuple(year_meetings()[:3]), (sample_meeting(9),), (1,)
            ),
        ),
    ),
    CardSample("meeting.year", lambda: meetings.year_card("nb", 2027, year_meetings())),
    CardSample(
        "meeting.year_manage",
        lambda: meetings.year_card("en", 2027, year_meetings(), can_manage=True),
    ),
    CardSample("meeting.year_empty", lambda: meetings.year_card("nb", 2028, [])),
    CardSample(
        "meeting.next",
        lambda: meetings.next_meeting_card("nb", sample_meeting(), None, now=NOW, can_manage=True),
    ),
    CardSample(
        "meeting.next_online",
        lambda: meetings.next_meeting_card(
            "en",
            sample_meeting(body=Body.PA, form=MeetingForm.digital, hours=1),
            meeting_service.CalendarInfo(
                pending=False, join_url="https://teams.microsoft.com/l/meetup-join/sample"
            ),
            now=NOW,
        ),
    ),
    CardSample("meeting.next_none", lambda: meetings.next_meeting_card("nb", None, None, now=NOW)),
    CardSample(
        "meeting.add",
        lambda: meetings.add_meeting_card("nb"),
        known_findings=REQUIRED_WITHOUT_ERROR_MESSAGE,
    ),
    CardSample(
        "meeting.add_refused",
        lambda: meetings.add_meeting_card(
            "nb",
            values={"date": "2027-05-17", "start": "09:30", "end": "08:00"},
            refused=meeting_refused(MeetingProblem("date", "in_past", {"date": "17.05.2027"})),
        ),
        known_findings=REQUIRED_WITHOUT_ERROR_MESSAGE,
    ),
    CardSample(
        "meeting.move",
        lambda: meetings.move_meeting_card("nb", sample_meeting()),
        known_findings=REQUIRED_WITHOUT_ERROR_MESSAGE,
    ),
    CardSample("meeting.cancel", lambda: meetings.cancel_meeting_card("en", sample_meeting())),
    CardSample(
        "meeting.changed_move",
        lambda: meetings.meeting_changed_card(
            "nb",
            meeting_service.MeetingChanged(
                sample_meeting(),
                sample_meeting(start=datetime(2027, 2, 4, 9, 30, tzinfo=OSLO)),
                (1, 2, 3),
            ),
            "move",
        ),
    ),
    CardSample(
        "meeting.changed_cancel",
        lambda: meetings.meeting_changed_card(
            "nb",
            meeting_service.MeetingChanged(
                sample_meeting(state=MeetingState.CANCELLED, cancel_reason="For få saker"),
                None,
                (1, 2),
            ),
            "cancel",
        ),
    ),
    CardSample(
        "meeting.refused",
        lambda: meetings.refused_card(
            "nb", meeting_service.Refused(meeting_service.RefusalReason.NOT_ALLOWED)
        ),
    ),
    # Cases
    CardSample(
        "case.form",
        lambda: cases.case_form_card(cases.CaseForm("nb", "d" * 32, meetings=[FEB, MAY])),
        known_findings=EMPTY_CHOICE_VALUE,
    ),
    CardSample(
        "case.form_errors",
        lambda: cases.case_form_card(
            cases.CaseForm(
                "en",
                "d" * 32,
                {"title": "", "attachments": "http://x"},
                meetings=[FEB, MAY],
                problems=[
                    Problem("title", "required"),
                    Problem("attachments", "link_not_https", line=1),
                ],
            )
        ),
        known_findings=EMPTY_CHOICE_VALUE,
    ),
    CardSample(
        "case.confirm",
        lambda: cases.case_confirm_card(
            "nb", "d" * 32, sample_submission(), Placement(MAY, FEB, moved=True)
        ),
    ),
    CardSample("case.receipt", lambda: cases.case_receipt_card("nb", sample_case())),
    CardSample(
        "case.receipt_again", lambda: cases.case_receipt_card("en", sample_case(), again=True)
    ),
    CardSample("case.cancelled", lambda: cases.case_cancelled_card("nb")),
    CardSample("case.stale", lambda: cases.case_stale_card("nb")),
    CardSample(
        "case.refused",
        lambda: cases.case_refused_card("nb", case_service.RefusalReason.NOT_ALLOWED),
    ),
    CardSample(
        "case.triage",
        lambda: cases.triage_card("nb", triage_view(sample_case())),
        known_findings=EMPTY_CHOICE_VALUE,
    ),
    CardSample(
        "case.triage_major",
        lambda: cases.triage_card(
            "en",
            triage_view(sample_case(economic_impact=EconomicImpact.MAJOR)),
            problems=[Problem("minutes", "required")],
        ),
        known_findings=EMPTY_CHOICE_VALUE,
    ),
    CardSample(
        "case.triaged",
        lambda: cases.triaged_card(
            "nb",
            sample_case(
                status=CaseStatus.TRIAGED, route=Route.AU, section=Section.DECISION, minutes=20
            ),
        ),
    ),
    CardSample(
        "case.mine",
        lambda: cases.my_cases_card(
            "nb",
            [sample_case(), sample_case(id=8, number=5, status=CaseStatus.SCHEDULED, meeting=FEB)],
        ),
    ),
    CardSample("case.mine_empty", lambda: cases.my_cases_card("en", [])),
)


# --- attendance (cards/attendance.py) ---
# Imported here, not at the top, so this block stays one self-contained hunk.
from bot.domain.quorum import RosterSeat, quorum, seats_from, sittings  # noqa: E402
from bot.services import attendance as attendance_service  # noqa: E402
from cards import attendance  # noqa: E402
from storage.attendance_tables import AttendanceStatus  # noqa: E402

SSU_CATEGORIES = ("administrative",) * 14 + (
    "user_rep",
    "user_rep",
    "union_rep",
    "union_rep",
    "gp_rep",
)
"""The 19 SSU seats' categories: the agreement's 8 + 11 members."""


def sample_attendance(
    *,
    body: Body = Body.SSU,
    started: bool = True,
    ended: bool = False,
    present_count: int = 11,
    notice: bool = True,
) -> attendance_service.AttendanceView:
    """An SSU meeting with 19 seats, their deputies and six observers (ids: members 1–19,
    deputies 101–119, observers 201–206); the first ``present_count`` members are present,
    except member 3 who is absent with their deputy in the seat."""
    meeting = sample_meeting(body=body, form=MeetingForm.hybrid)
    if body is Body.DIALOG:
        guests = tuple(
            attendance_service.Participant(
                i, f"Deltaker {i}", "member", "", AttendanceStatus.PRESENT if i < 4 else None
            )
            for i in range(1, 8)
        )
        return attendance_service.AttendanceView(meeting, None, (), (), (), guests, (), None, ())
    roles = ["leader", "deputy_leader"] + ["member"] * 17
    roster = [RosterSeat(i, roles[i - 1], SSU_CATEGORIES[i - 1]) for i in range(1, 20)]
    roster += [
        RosterSeat(100 + i, "personal_deputy", SSU_CATEGORIES[i - 1], i) for i in range(1, 20)
    ]
    seats = seats_from(roster)
    present = {i for i in range(1, present_count + 1) if i != 3} | {103}
    status: dict[int, AttendanceStatus] = {i: AttendanceStatus.PRESENT for i in present}
    status[3] = AttendanceStatus.ABSENT
    status[present_count + 1] = AttendanceStatus.ABSENT
    status[100 + present_count + 1] = AttendanceStatus.CALLED_IN
    members = tuple(
        attendance_service.Participant(
            s.member_id,
            f"Medlem {s.member_id} *Nordmann*" if s.member_id == 2 else f"Medlem {s.member_id}",
            s.role,
            s.category,
            status.get(s.member_id),
            absence_reported=s.member_id == 3,
            teams_user_id=f"29:m{s.member_id}",
        )
        for s in seats
    )
    deputies = tuple(
        attendance_service.Participant(
            s.deputy_id,
            f"Vara {s.deputy_id}",
            "personal_deputy",
            s.category,
            status.get(s.deputy_id),
            deputy_for_person_id=s.member_id,
            replaces_person_id=s.member_id if s.deputy_id in status else None,
            teams_user_id=f"29:d{s.deputy_id}",
        )
        for s in seats
        if s.deputy_id is not None
    )
    observers = tuple(
        attendance_service.Participant(
            200 + i,
            f"Observatør {i}",
            "observer",
            "observer",
            AttendanceStatus.PRESENT if i % 2 else None,
            teams_user_id=f"29:o{i}",
        )
        for i in range(1, 7)
    )
    context = attendance_service.ContextView(
        "19:meeting_sample@thread.v2",
        meeting.start if started else None,
        meeting.end if ended else None,
    )
    noticed = {s.member_id for s in seats} if notice else {1, 2}
    return attendance_service.AttendanceView(
        meeting=meeting,
        context=context if started else None,
        members=members,
        deputies=deputies,
        observers=observers,
        guests=(),
        sittings=sittings(seats, present),
        quorum=quorum(seats, present, noticed=noticed),
        secretariat_teams_ids=("29:sek1", "29:sek2"),
    )


def sample_absence(
    *, deputy: bool = True, calendar: bool = True, withdrawn: bool = False
) -> attendance_service.AbsenceReported:
    return attendance_service.AbsenceReported(
        meeting=sample_meeting(form=MeetingForm.hybrid),
        person_id=3,
        deputy_person_id=103 if deputy else None,
        deputy_name="Geir Lie" if deputy else None,
        calendar=calendar,
        messages=3,
        withdrawn_deputy=withdrawn,
    )


def sample_notice(kind: str, *, locale: str = "nb", with_view: bool = True) -> Json:
    """The card an absence puts in the outbox for a deputy or a secretary."""
    notice = attendance_service.AbsenceNotice(
        kind=kind,
        recipient_person_id=40,
        locale=locale,
        meeting=sample_meeting(form=MeetingForm.hybrid),
        member_name="Per Haugen",
        deputy_name="Geir Lie",
        info=meeting_service.CalendarInfo(
            pending=False, join_url="https://teams.microsoft.com/l/meetup-join/19%3ameeting_x"
        ),
        view=sample_attendance(started=False) if with_view else None,
    )
    _text, document = attendance.render_absence_notice(notice)
    assert document is not None
    return document


MEMBER_VIEW = attendance_service.Viewer(4, can_check_in=True)
SECRETARY_VIEW = attendance_service.Viewer(40, can_correct=True, can_close=True)

SAMPLES += (
    CardSample(
        "attendance.member",
        lambda: attendance.attendance_card("nb", sample_attendance(), MEMBER_VIEW),
    ),
    CardSample(
        "attendance.checked_in",
        lambda: attendance.attendance_card(
            "en",
            sample_attendance(present_count=9, notice=False),
            attendance_service.Viewer(4, can_check_in=True, checked_in=True),
            banner=t("attendance.check_in.done", "en"),
        ),
    ),
    CardSample(
        "attendance.secretariat",
        lambda: attendance.attendance_card("nb", sample_attendance(), SECRETARY_VIEW),
    ),
    CardSample(
        "attendance.not_started",
        lambda: attendance.attendance_card(
            "nb", sample_attendance(started=False), attendance_service.Viewer(4)
        ),
    ),
    CardSample(
        "attendance.dialogue",
        lambda: attendance.attendance_card(
            "nb", sample_attendance(body=Body.DIALOG), attendance_service.Viewer(4)
        ),
    ),
    CardSample(
        "attendance.closed",
        lambda: attendance.closed_card(
            "nb",
            attendance_service.MeetingClosed(sample_attendance(ended=True), True, True),
            attendance_service.Viewer(40, can_correct=True),
        ),
    ),
    CardSample(
        "attendance.closed_not_held",
        lambda: attendance.closed_card(
            "en",
            attendance_service.MeetingClosed(sample_attendance(ended=True), True, False),
            attendance_service.Viewer(4),
        ),
    ),
    CardSample(
        "attendance.absence_deputy",
        lambda: attendance.absence_reported_card("nb", sample_absence()),
    ),
    CardSample(
        "attendance.absence_no_deputy",
        lambda: attendance.absence_reported_card(
            "en", sample_absence(deputy=False, calendar=False)
        ),
    ),
    CardSample(
        "attendance.absence_withdrawn",
        lambda: attendance.absence_reported_card(
            "nb",
            sample_absence(deputy=False, withdrawn=True),
        ),
    ),
    CardSample(
        "attendance.notice_deputy",
        lambda: sample_notice(attendance_service.KIND_DEPUTY, with_view=False),
    ),
    CardSample(
        "attendance.notice_secretariat",
        lambda: sample_notice(attendance_service.KIND_ABSENCE),
    ),
    CardSample(
        "attendance.notice_deputy_absent",
        lambda: sample_notice(attendance_service.KIND_DEPUTY_ABSENT, locale="en"),
    ),
    CardSample(
        "attendance.open",
        lambda: attendance.open_candidates_card(
            "nb", [sample_meeting(form=MeetingForm.hybrid), sample_meeting(8, body=Body.AU)]
        ),
    ),
    CardSample("attendance.open_none", lambda: attendance.open_candidates_card("en", [])),
    CardSample(
        "attendance.close_confirm",
        lambda: attendance.close_confirm_card("nb", sample_meeting()),
    ),
    CardSample("attendance.close_none", lambda: attendance.close_confirm_card("en", None)),
    CardSample(
        "attendance.refused",
        lambda: attendance.refused_card("nb", attendance_service.Reason.ALREADY_REPORTED),
    ),
)
# --- end attendance ---


# --- self-evaluation (cards/evaluation.py) ---
# Imported here, not at the top, so this block stays one self-contained hunk.
from random import Random  # noqa: E402

from bot.charts import trend_chart  # noqa: E402
from bot.domain.evaluation import (  # noqa: E402
    DEFAULT_QUESTIONS,
    Answer,
    AnswerProblem,
    TrendPoint,
    summarise,
)
from bot.services import evaluation as evaluation_service  # noqa: E402
from cards import evaluation  # noqa: E402


def sample_evaluation(
    *, is_open: bool = True, answered: int = 7
) -> evaluation_service.EvaluationView:
    """The evaluation of an SSU meeting in May, open or closed."""
    held = sample_meeting(
        11, start=datetime(2026, 5, 21, 9, 30, tzinfo=OSLO), state=MeetingState.HELD
    )
    return evaluation_service.EvaluationView(
        id=5,
        meeting=held,
        questions=DEFAULT_QUESTIONS,
        is_open=is_open,
        eligible=19,
        answered=answered,
        opened_at=datetime(2026, 5, 21, 12, 45, tzinfo=UTC),
        closed_at=None if is_open else datetime(2026, 5, 22, 10, 0, tzinfo=UTC),
        chat_conversation_id=None,
    )


EVALUATION_COMMENTS = (
    "Felles forståelse, ett steg videre",
    "Gode samtaler, gode diskusjoner, utvikling",
    "Helhet, lytte og sikre alle perspektiv",
    "Behov for å konkretisere",
    None,
    "Engasjert og motivert",
)


def sample_results(count: int = 12) -> evaluation_service.ResultsView:
    answers = [
        Answer(
            tuple(2 + (n + i) % 4 for i in range(5)),
            EVALUATION_COMMENTS[n % len(EVALUATION_COMMENTS)],
        )
        for n in range(count)
    ]
    trend = tuple(
        TrendPoint(label, tuple(round(3.0 + ((n + i) % 5) / 4, 2) for i in range(5)))
        for n, label in enumerate(("12.02.26", "12.03.26", "21.05.26"))
    )
    return evaluation_service.ResultsView(
        sample_evaluation(is_open=False, answered=count),
        summarise(answers, 5, rng=Random(4)),
        trend,
    )


def sample_chart(results: evaluation_service.ResultsView) -> bytes:
    return trend_chart(
        results.trend,
        DEFAULT_QUESTIONS.short_nb,
        title=t("evaluation.results.trend_title", "nb"),
        y_label=t("evaluation.results.trend_axis", "nb"),
    )


SAMPLES += (
    CardSample("evaluation.poll", lambda: evaluation.poll_card("nb", sample_evaluation())),
    CardSample(
        "evaluation.poll_answered",
        lambda: evaluation.poll_card(
            "en",
            sample_evaluation(),
            values={"q1": "5", "q2": "4", "q3": "3", "q4": "4", "q5": "5", "comment": "Progress"},
            token="T" * 43,
            saved=True,
        ),
    ),
    CardSample(
        "evaluation.poll_errors",
        lambda: evaluation.poll_card(
            "nb",
            sample_evaluation(),
            values={"q1": "4", "comment": "Mer konkrete saker"},
            problems=[AnswerProblem(f"q{n}", "rating_missing") for n in range(2, 6)],
        ),
    ),
    CardSample(
        "evaluation.start",
        lambda: evaluation.start_card(
            "nb", sample_meeting(11, start=datetime(2026, 5, 21, 9, 30, tzinfo=OSLO))
        ),
    ),
    CardSample(
        "evaluation.status_opened",
        lambda: evaluation.status_card(
            "nb",
            sample_evaluation(answered=0),
            can_manage=True,
            notice=evaluation.StatusNotice("evaluation.opened.notice", count=17, chat=True),
        ),
    ),
    CardSample(
        "evaluation.status_closed",
        lambda: evaluation.status_card(
            "en", sample_evaluation(is_open=False, answered=12), can_manage=False
        ),
    ),
    CardSample(
        "evaluation.results",
        lambda: evaluation.results_card(
            "nb", sample_results(), chart_png=sample_chart(sample_results()), can_export=True
        ),
    ),
    CardSample(
        "evaluation.results_too_few", lambda: evaluation.results_card("en", sample_results(2))
    ),
    CardSample(
        "evaluation.refused",
        lambda: evaluation.evaluation_refused_card(
            "nb",
            evaluation_service.Refused(
                evaluation_service.Refusal.ALREADY_ANSWERED, evaluation=sample_evaluation()
            ),
        ),
    ),
)
# --- end self-evaluation ---


# --- reminder engine (cards/reminders.py) ---
# Imported here, not at the top, so this block stays one self-contained hunk.
from bot.domain.reminders import ReminderKind  # noqa: E402
from bot.services.reminders import ReminderView  # noqa: E402
from cards import reminders  # noqa: E402


def sample_reminder(
    kind: ReminderKind,
    *,
    meeting: meeting_service.MeetingView | None = None,
    mandatory: bool = False,
) -> ReminderView:
    """A reminder about ``meeting`` (the February SSU meeting unless told) as the planner
    renders it, with the deadline its kind reminds of."""
    meeting = meeting or sample_meeting()
    deadline = {
        ReminderKind.CASE_SUBMISSION: meeting.deadlines.case_submission,
        ReminderKind.NOTICE: meeting.deadlines.notice,
        ReminderKind.MEETING: meeting.start,
        ReminderKind.PROTOCOL: meeting.deadlines.protocol,
    }.get(kind)
    return ReminderView(
        kind=kind,
        subject=f"{meeting.body.value} {meeting.start.date().isoformat()}",
        due=datetime(2027, 1, 14, 9, 0, tzinfo=OSLO),
        deadline=deadline,
        meeting=meeting,
        evaluation_id=3 if kind is ReminderKind.EVALUATION else None,
        protocol_id=5 if kind is ReminderKind.SIGNATURE else None,
        version="ab" * 32 if kind is ReminderKind.SIGNATURE else None,
        mandatory=mandatory,
    )


BUDGET_REMINDER = ReminderView(
    kind=ReminderKind.BUDGET,
    subject="budget 2027-05-01",
    due=datetime(2027, 4, 16, 9, 0, tzinfo=OSLO),
    deadline=datetime(2027, 5, 1, 0, 0, tzinfo=OSLO),
)

SAMPLES += (
    CardSample(
        "reminder.case_submission",
        lambda: reminders.reminder_card("nb", sample_reminder(ReminderKind.CASE_SUBMISSION)),
    ),
    CardSample(
        "reminder.notice_mandatory",
        lambda: reminders.reminder_card("nb", sample_reminder(ReminderKind.NOTICE, mandatory=True)),
    ),
    CardSample(
        "reminder.meeting_online_en",
        lambda: reminders.reminder_card(
            "en",
            sample_reminder(
                ReminderKind.MEETING,
                meeting=sample_meeting(
                    9,
                    body=Body.PA,
                    form=MeetingForm.digital,
                    hours=1,
                    start=datetime(2027, 6, 10, 9, 0, tzinfo=OSLO),
                ),
            ),
        ),
    ),
    CardSample(
        "reminder.evaluation",
        lambda: reminders.reminder_card("nb", sample_reminder(ReminderKind.EVALUATION)),
    ),
    CardSample(
        "reminder.protocol_mandatory_en",
        lambda: reminders.reminder_card(
            "en", sample_reminder(ReminderKind.PROTOCOL, mandatory=True)
        ),
    ),
    CardSample(
        "reminder.signature",
        lambda: reminders.reminder_card("nb", sample_reminder(ReminderKind.SIGNATURE)),
    ),
    CardSample("reminder.budget", lambda: reminders.reminder_card("nb", BUDGET_REMINDER)),
)
# --- end reminder engine ---


# --- consensus (cards/consensus.py) ---
# Imported here, not at the top, so this block stays one self-contained hunk.
from bot.domain.consensus import Outcome, Position, RoundState, Tally  # noqa: E402
from bot.domain.consensus import Problem as ConsensusProblem  # noqa: E402
from bot.services import consensus as consensus_service  # noqa: E402
from cards import consensus  # noqa: E402

CONSENSUS_NAMES = (
    "Hilde Vang",
    "Ingrid Solberg",
    "Per Haugen",
    "Kari Bakken",
    "Ola Nordby",
    "Sigrid Lunde",
    "Anders Moe",
    "Marit Aasen",
    "Knut Brenna",
    "Bjørn Skaug",
    "Åse Grøndahl",
    "Eirik Bø",
    "Ragnhild Sæther",
)
OBJECTION = (
    "Rutinen legger hele varslingsansvaret på kommunene; vi trenger en tydelig frist for "
    "sykehuset også."
)


def sample_round(
    *,
    state: RoundState = RoundState.OPEN,
    outcome: Outcome | None = None,
    major: bool = False,
    quorum: bool = True,
    huge: bool = False,
) -> consensus_service.RoundView:
    """An SSU round on case 04/26 with 13 members present (ids 1–13; 3 is a deputy in the seat
    of member 103), answers from ten of them, and input from two observers."""
    meeting = sample_meeting(form=MeetingForm.hybrid, state=MeetingState.NOTICE_PUBLISHED)
    case = sample_case(status=CaseStatus.TRIAGED, section=Section.DECISION)
    reason_text = ("Vi trenger mer tid til forankring i kommunene. " * 25)[:1000] if huge else ""
    voters = tuple(
        consensus_service.Voter(
            i,
            name,
            103 if i == 3 else i,
            deputy_for="Mona Rønning" if i == 3 else None,
            teams_user_id=f"29:m{i}",
        )
        for i, name in enumerate(CONSENSUS_NAMES, start=1)
    )
    positions = {i: Position.AGREE for i in range(1, 9)}
    positions[9] = Position.AGREE if outcome is Outcome.CONSENSUS else Position.OBJECT
    positions[10] = Position.ABSTAIN
    answers = {
        i: consensus_service.AnswerView(
            i,
            CONSENSUS_NAMES[i - 1],
            position,
            OBJECTION if position is Position.OBJECT else reason_text,
            deputy_for="Mona Rønning" if i == 3 else None,
            counted=None if state is RoundState.OPEN else True,
        )
        for i, position in positions.items()
    }
    if huge:
        answers = {
            i: consensus_service.AnswerView(
                i, f"Medlem {i} med et langt navn", Position.OBJECT, reason_text
            )
            for i in range(1, 20)
        }
    tally = Tally(
        agree=tuple(i for i, a in answers.items() if a.position is Position.AGREE),
        object=tuple(i for i, a in answers.items() if a.position is Position.OBJECT),
        abstain=tuple(i for i, a in answers.items() if a.position is Position.ABSTAIN),
        pending=(11, 12, 13) if state is RoundState.OPEN and not huge else (),
    )
    inputs: tuple[consensus_service.InputView, ...] = (
        consensus_service.InputView(
            201,
            "Sissel Ruud",
            "Statsforvalteren i Innlandet",
            "Rutinen bør også omfatte pasienter som skrives ut til hjemmet uten vedtak.",
        ),
        consensus_service.InputView(
            206, "Marius Vold", "Pasient- og brukerombudet i Innlandet", "Husk pårørende."
        ),
    )
    if huge:
        inputs = tuple(
            consensus_service.InputView(200 + i, f"Observatør {i}", "Organisasjon", "&" * 2000)
            for i in range(1, 7)
        )
    proposal = case.proposal
    return consensus_service.RoundView(
        id=31,
        meeting=meeting,
        case=consensus_service.CaseSummary(
            case.id, case.label, case.title, proposal, CaseStatus.TRIAGED, major
        ),
        state=state,
        decision_text=("*Vedtak* " * 450)[:4000] if huge else proposal + " Rutinen evalueres.",
        proposal=proposal,
        major_economic=major,
        chair_person_id=1,
        chair_name="Hilde Vang",
        started_at=datetime(2027, 2, 11, 10, 5, tzinfo=OSLO),
        closed_at=None if state is RoundState.OPEN else datetime(2027, 2, 11, 10, 25, tzinfo=OSLO),
        outcome=outcome,
        quorum=consensus_service.QuorumInfo(13 if quorum else 9, 19, 10, quorum),
        voters=voters,
        tally=tally,
        not_answered=len(tally.pending) if state is RoundState.OPEN else 2,
        answers=answers,
        inputs=inputs,
        refresh_user_ids=(*(v.teams_user_id or "" for v in voters), "29:o1"),
        observer_ids=frozenset({201, 206}),
        conversation_id="19:meeting_sample@thread.v2",
        activity_id="1700000000000",
    )


def sample_round_viewer(
    view: consensus_service.RoundView, person_id: int
) -> consensus_service.Viewer:
    """The viewer as :func:`bot.services.consensus.viewer_of` makes it."""
    return consensus_service.viewer_of(
        Actor(person_id, "Sample", None, "nb"),
        view,
    )


def consensus_start_list() -> consensus_service.StartList:
    summary = consensus_service.CaseSummary(
        7, "04/26", sample_case().title, "SSU slutter seg til forslaget.", CaseStatus.TRIAGED, False
    )
    return consensus_service.StartList(
        sample_meeting(form=MeetingForm.hybrid),
        (
            consensus_service.CaseChoice(summary),
            consensus_service.CaseChoice(
                consensus_service.CaseSummary(
                    8, "05/26", "Budsjett 2027", "SSU vedtar budsjettet.", CaseStatus.TREATED, True
                ),
                open_round_id=31,
            ),
            consensus_service.CaseChoice(
                consensus_service.CaseSummary(
                    9, "06/26", "Årsrapport", "SSU godkjenner.", CaseStatus.DECIDED, False
                ),
                decided=True,
            ),
        ),
    )


def consensus_prepared(*, major: bool = False) -> consensus_service.Prepared:
    case = sample_case(status=CaseStatus.TRIAGED, section=Section.DECISION)
    return consensus_service.Prepared(
        sample_meeting(form=MeetingForm.hybrid),
        consensus_service.CaseSummary(
            case.id, case.label, case.title, case.proposal, case.status, major
        ),
    )


SAMPLES += (
    CardSample(
        "consensus.start_list",
        lambda: consensus.start_list_card("nb", consensus_start_list()),
    ),
    CardSample(
        "consensus.start_none",
        lambda: consensus.start_list_card(
            "en", consensus_service.StartList(sample_meeting(form=MeetingForm.hybrid), ())
        ),
    ),
    CardSample(
        "consensus.prepare",
        lambda: consensus.prepare_card("nb", consensus_prepared(major=True)),
    ),
    CardSample(
        "consensus.prepare_errors",
        lambda: consensus.prepare_card(
            "en",
            consensus_prepared(),
            problems=[ConsensusProblem("decision_text", "required")],
            values={"decision_text": ""},
        ),
    ),
    CardSample("consensus.started", lambda: consensus.started_card("nb", sample_round())),
    CardSample(
        "consensus.round_shared",
        lambda: consensus.round_card("nb", sample_round(), consensus_service.SHARED_VIEWER),
    ),
    CardSample(
        "consensus.round_member",
        lambda: consensus.round_card(
            "nb",
            sample_round(),
            sample_round_viewer(sample_round(), 4),
            banner=t("consensus.saved", "nb"),
        ),
    ),
    CardSample(
        "consensus.round_member_unanswered",
        lambda: consensus.round_card("en", sample_round(), sample_round_viewer(sample_round(), 12)),
    ),
    CardSample(
        "consensus.round_member_errors",
        lambda: consensus.refused_card(
            "nb",
            consensus_service.Refused(
                consensus_service.Reason.INVALID,
                31,
                (ConsensusProblem("reason", "reason_required"),),
                {"position": "object", "reason": ""},
                sample_round(),
            ),
            sample_round_viewer(sample_round(), 11),
        ),
    ),
    CardSample(
        "consensus.round_chair",
        lambda: consensus.round_card("nb", sample_round(), sample_round_viewer(sample_round(), 1)),
    ),
    CardSample(
        "consensus.round_observer",
        lambda: consensus.round_card(
            "en", sample_round(), sample_round_viewer(sample_round(), 201)
        ),
    ),
    CardSample(
        "consensus.round_not_eligible",
        lambda: consensus.round_card(
            "nb", sample_round(major=True), sample_round_viewer(sample_round(major=True), 77)
        ),
    ),
    CardSample(
        "consensus.round_consensus",
        lambda: consensus.round_card(
            "nb",
            sample_round(state=RoundState.CLOSED, outcome=Outcome.CONSENSUS),
            consensus_service.SHARED_VIEWER,
            banner=t("consensus.closed_banner", "nb"),
        ),
    ),
    CardSample(
        "consensus.round_no_consensus",
        lambda: consensus.round_card(
            "en",
            sample_round(state=RoundState.CLOSED, outcome=Outcome.NO_CONSENSUS, quorum=False),
            consensus_service.SHARED_VIEWER,
        ),
    ),
    CardSample(
        "consensus.round_huge",
        lambda: consensus.round_card(
            "nb", sample_round(huge=True), sample_round_viewer(sample_round(huge=True), 5)
        ),
    ),
    CardSample(
        "consensus.refused",
        lambda: consensus.refused_card("nb", consensus_service.Reason.NOT_CHAIR),
    ),
    CardSample(
        "consensus.refused_closed",
        lambda: consensus.refused_card(
            "en",
            consensus_service.Refused(
                consensus_service.Reason.ROUND_CLOSED,
                31,
                view=sample_round(state=RoundState.CLOSED, outcome=Outcome.CONSENSUS),
            ),
        ),
    ),
)
# --- end consensus ---


# --- protocol (cards/protocol.py) ---
# Imported here, not at the top, so this block stays one self-contained hunk.
from bot.domain.protocol import (  # noqa: E402
    CaseEntry,
    ObserverLine,
    PersonLine,
    ProtocolContent,
    Signers,
    SignerSlot,
    canonical_text,
    version_sha,
)
from bot.services import protocol as protocol_service  # noqa: E402
from cards import protocol  # noqa: E402


def sample_protocol(
    *, state: str = "published", signed: int = 0, late: bool = False
) -> protocol_service.ProtocolView:
    """The protocol of an SSU meeting in May 2026 with two cases, one without consensus."""
    held = sample_meeting(
        11, start=datetime(2026, 5, 21, 9, 30, tzinfo=OSLO), state=MeetingState.HELD
    )
    content = ProtocolContent(
        meeting_id=11,
        body="SSU",
        title="SSU-møte",
        start=held.start,
        end=held.end,
        location=held.location,
        form="physical",
        present=(PersonLine("Hilde Vang", "Hamar kommune"), PersonLine("Per Haugen")),
        deputies=(PersonLine("Astrid Hovde", "Sykehuset Innlandet HF", "Ingrid Solberg"),),
        observers=(PersonLine("Sissel Ruud", "Statsforvalteren i Innlandet"),),
        secretariat=(PersonLine("Eva Lindqvist"),),
        absent=(PersonLine("Ingrid Solberg"),),
        cases=(
            CaseEntry(
                case_id=3,
                label="03/26",
                title="Felles rutine for utskrivning",
                treated="Rutinen for utskrivning fra sykehus til kommune er revidert.",
                process="Behandlet etter konsensusprinsippet i to runder.",
                decision="SSU slutter seg til rutinen, med endringene fra møtet.",
                consensus=False,
                names_for=("Hilde Vang", "Astrid Hovde (for Ingrid Solberg)"),
                names_against=("Per Haugen",),
                observer_input=(
                    ObserverLine("Sissel Ruud", "Statsforvalteren", "Husk fastlegene."),
                ),
            ),
            CaseEntry(
                case_id=4,
                label="04/26",
                title="Årsrapport 2025",
                treated="Tatt til orientering.",
                consensus=True,
                decision="SSU tar årsrapporten til orientering.",
            ),
        ),
    )
    text = canonical_text(content)
    sha = version_sha(text)
    signatures = tuple(
        protocol_service.SignatureView(
            slot,
            pid,
            name,
            "00000000-0000-4000-8000-00000000000" + str(pid),
            datetime(2026, 5, 24, 8, 15 + pid, tzinfo=UTC),
            sha,
        )
        for slot, pid, name in (
            (SignerSlot.LEADER, 1, "Hilde Vang"),
            (SignerSlot.DEPUTY_LEADER, 2, "Astrid Hovde"),
        )[:signed]
    )
    return protocol_service.ProtocolView(
        id=9,
        meeting=held,
        state=state,
        version=2,
        sha256=sha,
        text=text,
        content=content,
        deadline=datetime(2026, 5, 28, 12, 30, tzinfo=UTC),
        late=late,
        published_at=None if state == "draft" else datetime(2026, 5, 23, 10, 0, tzinfo=UTC),
        document_url=None
        if state == "draft"
        else "https://portal.example/protokoller/2026/2026-05-21-SSU-protokoll-v2.pdf",
        signed_document_url="https://portal.example/protokoller/2026/2026-05-21-SSU-protokoll-v2-signert.pdf"
        if state == "signed"
        else None,
        signers=Signers(1, 2),
        signer_names={SignerSlot.LEADER: "Hilde Vang", SignerSlot.DEPUTY_LEADER: "Astrid Hovde"},
        signatures=signatures,
    )


def sample_protocol_message(audience: protocol_service.Audience, **options: Any) -> Json:
    view = sample_protocol(**options)
    message = protocol_service.ProtocolMessage(
        audience,
        view,
        "nb",
        recipient_person_id=5,
        comment="Sak 03/26: vedtaket mangler endringene fra møtet."
        if audience is protocol_service.Audience.SECRETARIAT
        else None,
        returned_by="Hilde Vang" if audience is protocol_service.Audience.SECRETARIAT else None,
    )
    return protocol.render_protocol_message(message)[1]


SAMPLES += (
    CardSample(
        "protocol.draft", lambda: protocol.protocol_draft_card("nb", sample_protocol(state="draft"))
    ),
    CardSample(
        "protocol.draft_problems",
        lambda: protocol.protocol_draft_card(
            "en", sample_protocol(), problems=["The text is too long."], saved=False
        ),
    ),
    CardSample(
        "protocol.draft_saved",
        lambda: protocol.protocol_draft_card("nb", sample_protocol(state="draft"), saved=True),
    ),
    CardSample(
        "protocol.published", lambda: protocol.protocol_card("nb", sample_protocol(late=True))
    ),
    CardSample(
        "protocol.signed",
        lambda: protocol.protocol_card(
            "en", sample_protocol(state="signed", signed=2), notice="Signed."
        ),
    ),
    CardSample(
        "protocol.sign", lambda: protocol.protocol_sign_card("nb", sample_protocol(signed=1))
    ),
    CardSample(
        "protocol.sign_problems",
        lambda: protocol.protocol_sign_card(
            "en", sample_protocol(), problems=["Write a comment (at least 5 characters)."]
        ),
    ),
    CardSample(
        "protocol.to_sign",
        lambda: protocol.protocols_to_sign_card(
            "nb", [sample_protocol(), sample_protocol(late=True)]
        ),
    ),
    CardSample("protocol.to_sign_none", lambda: protocol.protocols_to_sign_card("en", [])),
    CardSample(
        "protocol.refused",
        lambda: protocol.protocol_refused_card(
            "nb", protocol_service.Refused(protocol_service.Refusal.OLD_VERSION, 9)
        ),
    ),
    CardSample(
        "protocol.message_signer",
        lambda: sample_protocol_message(protocol_service.Audience.SIGNER),
    ),
    CardSample(
        "protocol.message_returned",
        lambda: sample_protocol_message(protocol_service.Audience.SECRETARIAT),
    ),
    CardSample(
        "protocol.message_signed",
        lambda: sample_protocol_message(protocol_service.Audience.SIGNED, state="signed", signed=2),
    ),
)
# --- end protocol ---


# --- agenda and notice (cards/agenda.py, cards/notice.py) ---
# Imported here, not at the top, so this block stays one self-contained hunk.
from bot.domain.agenda import AgendaCase, Standing, build_agenda  # noqa: E402
from bot.domain.cases import Problem as CaseProblem  # noqa: E402
from bot.domain.notice import MeetingFacts, build_notice, fingerprint  # noqa: E402
from bot.graph.port import StoredDocument  # noqa: E402
from bot.services import agenda as agenda_service  # noqa: E402
from bot.services import notice as notice_service  # noqa: E402
from cards import agenda as agenda_cards  # noqa: E402
from cards import notice as notice_cards  # noqa: E402

NOTICE_URL = (
    "https://helsefellesskap.sharepoint.example/sites/ssu/innkallinger/2027/"
    "2027-02-11-SSU-innkalling-v1.docx"
)


def sample_agenda_cases(*, missing_proposal: bool = False) -> list[AgendaCase]:
    """Five cases like seed 001's: two decisions, a theme, a report (one AU-finished), none
    under any other business."""
    return [
        AgendaCase(
            11,
            2026,
            13,
            "Strategisamling SSU – oppfølging",
            "decision",
            Section.DECISION,
            Route.SSU,
            60,
            proposal="" if missing_proposal else "SSU gjennomfører egenevaluering i hvert møte.",
            submitter_org="Sekretariatet",
            attachments=("https://portal.example/saker/Oppsummering%20strategisamling.pdf",),
        ),
        AgendaCase(
            12,
            2026,
            14,
            "Videreføre gode pasientforløp og etablere faglig samarbeidsutvalg",
            "decision",
            Section.DECISION,
            Route.SSU,
            60,
            proposal="SSU beslutter forelagte mandater.",
            submitter_org="Sykehuset Innlandet",
        ),
        AgendaCase(
            13, 2026, 15, "Beregning av gevinst og fordeling", "theme", Section.THEME, Route.SSU, 30
        ),
        AgendaCase(
            14, 2026, 18, "Handlingsdelen 2024–2025 – status", "report", Section.REPORT, None, 5
        ),
        AgendaCase(
            15,
            2026,
            19,
            "Rutine for varsling ved utskrivning",
            "decision",
            Section.DECISION,
            Route.AU,
            10,
        ),
    ]


def sample_loaded(
    *,
    over: bool = False,
    missing_proposal: bool = False,
    published: bool = False,
    changed: bool = False,
) -> agenda_service.Loaded:
    meeting = sample_meeting(
        7, state=MeetingState.NOTICE_PUBLISHED if published else MeetingState.PLANNED
    )
    cases = sample_agenda_cases(missing_proposal=missing_proposal)
    if over:
        cases.append(
            AgendaCase(
                16,
                2026,
                20,
                "Rekrutterings- og samhandlingsmidler",
                "theme",
                Section.THEME,
                Route.SSU,
                120,
            )
        )
    agenda = build_agenda(
        start=meeting.start,
        end=meeting.end,
        body=meeting.body,
        standing=Standing(year=2027, approval_number=1, minutes_number=2),
        cases=cases,
    )
    facts = MeetingFacts(
        meeting.body,
        meeting.start,
        meeting.end,
        meeting.form,
        meeting.location,
        previous=datetime(2026, 11, 19, tzinfo=OSLO).date(),
    )
    content = build_notice(meeting.id, facts, agenda)
    digest = fingerprint(content)
    info = (
        agenda_service.PublishedInfo(1, NOW, NOTICE_URL, "0" * 64 if changed else digest, False)
        if published
        else None
    )
    return agenda_service.Loaded(meeting, agenda, facts, content, digest, 2, info)


def sample_agenda_view(**options: Any) -> agenda_service.AgendaView:
    can_edit = options.pop("can_edit", True)
    now = options.pop("now", NOW)
    return agenda_service.AgendaView(
        sample_loaded(**options), now=now, can_edit=can_edit, can_publish=True
    )


def sample_preview(**options: Any) -> notice_service.NoticePreview:
    now = options.pop("now", NOW)
    loaded = sample_loaded(**options)
    return notice_service.NoticePreview(
        loaded,
        now=now,
        can_publish=True,
        missing=tuple(i.label or "" for i in loaded.agenda.missing_proposals),
    )


def sample_notice_message(
    audience: notice_service.Audience, *, locale: str = "nb", version: int = 1
) -> notice_service.NoticeMessage:
    loaded = sample_loaded(published=True)
    return notice_service.NoticeMessage(
        audience=audience,
        meeting=loaded.meeting,
        content=loaded.content,
        version=version,
        url=NOTICE_URL,
        locale=locale,
        late=version > 1,
        recipient_person_id=None if audience is notice_service.Audience.CHANNEL else 1,
        conversation_id="19:channel@thread.tacv2"
        if audience is notice_service.Audience.CHANNEL
        else None,
    )


LATE = datetime(2027, 2, 8, 10, 0, tzinfo=UTC)
"""Three days before the sample meeting: past its 7-day notice deadline."""

SAMPLES += (
    CardSample(
        "agenda.view",
        lambda: agenda_cards.agenda_card(
            "nb",
            sample_agenda_view(),
            meetings=[
                sample_meeting(7),
                sample_meeting(8, start=datetime(2027, 5, 20, 9, 30, tzinfo=OSLO)),
            ],
        ),
    ),
    CardSample(
        "agenda.too_long",
        lambda: agenda_cards.agenda_card(
            "en", sample_agenda_view(over=True, missing_proposal=True, now=LATE), saved=True
        ),
    ),
    CardSample(
        "agenda.minutes_errors",
        lambda: agenda_cards.agenda_card(
            "nb",
            sample_agenda_view(published=True, changed=True),
            problems=[
                CaseProblem("minutes_case_11", "minutes_range", limit=240),
                CaseProblem("item", "cannot_move"),
            ],
            values={"minutes_case_11": "999"},
        ),
    ),
    CardSample(
        "agenda.leader", lambda: agenda_cards.agenda_card("nb", sample_agenda_view(can_edit=False))
    ),
    CardSample(
        "agenda.refused",
        lambda: agenda_cards.agenda_refused_card(
            "nb", agenda_service.Refused(agenda_service.RefusalReason.NOT_ALLOWED)
        ),
    ),
    CardSample("agenda.none", lambda: agenda_cards.no_meetings_card("en")),
    CardSample("notice.preview", lambda: notice_cards.notice_preview_card("nb", sample_preview())),
    CardSample(
        "notice.preview_late",
        lambda: notice_cards.notice_preview_card(
            "en",
            sample_preview(now=LATE, published=True, changed=True),
            problems=[CaseProblem("reason", "reason_required", limit=5)],
        ),
    ),
    CardSample(
        "notice.preview_blocked",
        lambda: notice_cards.notice_preview_card("nb", sample_preview(missing_proposal=True)),
    ),
    CardSample(
        "notice.preview_unchanged",
        lambda: notice_cards.notice_preview_card("nb", sample_preview(published=True)),
    ),
    CardSample(
        "notice.published",
        lambda: notice_cards.notice_published_card(
            "nb",
            notice_service.Published(
                meeting=sample_meeting(7, state=MeetingState.NOTICE_PUBLISHED),
                version=2,
                document=StoredDocument("innkallinger/2027/x-v2.docx", NOTICE_URL, 41_000),
                late=True,
                reason="Hastesak om vinterberedskap som må behandles før neste møte.",
                recipients=tuple(range(1, 29)),
                channels=1,
                scheduled=(11, 12, 13),
                calendar=False,
            ),
        ),
    ),
    CardSample(
        "notice.channel",
        lambda: notice_cards.notice_card(sample_notice_message(notice_service.Audience.CHANNEL)),
    ),
    CardSample(
        "notice.member",
        lambda: (
            notice_cards.render_notice_message(
                sample_notice_message(notice_service.Audience.MEMBER, version=2)
            )[1]
            or {}
        ),
    ),
    CardSample(
        "notice.deputy",
        lambda: notice_cards.notice_card(
            sample_notice_message(notice_service.Audience.DEPUTY, locale="en")
        ),
    ),
    CardSample(
        "notice.refused",
        lambda: notice_cards.notice_refused_card(
            "nb",
            notice_service.Refused(
                notice_service.Refusal.MISSING_PROPOSALS, 7, missing=("13/26", "14/26")
            ),
        ),
    ),
)
# --- end agenda and notice ---


def names(samples: Iterable[CardSample] = SAMPLES) -> list[str]:
    return [sample.name for sample in samples]


def build_all(samples: Iterable[CardSample] = SAMPLES) -> dict[str, Json]:
    """Name → card JSON for every sample."""
    return {sample.name: sample.build() for sample in samples}
