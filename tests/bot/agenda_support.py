"""A demo meeting like seed 001 (22 May 2025): its cases, its agenda and its notice."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.domain.agenda import Agenda, AgendaCase, Standing, build_agenda
from bot.domain.calendar import OSLO, Body, MeetingForm
from bot.domain.cases import Route, Section
from bot.domain.notice import MeetingFacts, NoticeContent, build_notice

START = datetime(2025, 5, 22, 9, 0, tzinfo=OSLO)
END = datetime(2025, 5, 22, 14, 0, tzinfo=OSLO)
PLACE = "Fylkeshuset Lillehammer, Kirkegata 76"


def seed_cases() -> list[AgendaCase]:
    """Sak 13.25–18.25 of seed 001, with their minutes and proposed decisions."""
    return [
        AgendaCase(
            113,
            2025,
            13,
            "Strategisamling SSU 11.-12. mars 2025 - oppfølging",
            "decision",
            Section.DECISION,
            Route.SSU,
            60,
            proposal=(
                "1. Strategisk samarbeidsutvalg gjennomfører egenevaluering i forbindelse med "
                "hvert møte.\n2. Strategisk samarbeidsutvalg ber sekretariatet utarbeide "
                "handlingsplan og følge opp tiltakene jevnlig i strategisk samarbeidsutvalg."
            ),
            background=(
                "Kort oppsummering fra samlingen, og dialog om veien videre for å "
                "videreutvikle likeverdig partnerskap og styrke samsyn og samhandling."
            ),
            assessment=(
                "Sekretariatet anbefaler en fast egenevaluering, så utvalget lærer av hvert møte."
            ),
            submitter_org="Sekretariatet",
            attachments=(
                "https://portal.example/ssu/Oppsummering%20fra%20strategisamling%202025.pdf",
            ),
        ),
        AgendaCase(
            114,
            2025,
            14,
            "Videreføre gode pasientforløp og etablere faglig samarbeidsutvalg",
            "decision",
            Section.DECISION,
            Route.SSU,
            60,
            proposal="Strategisk samarbeidsutvalg (SSU) beslutter forelagte mandater.",
            submitter_org="Sykehuset Innlandet",
            attachments=(
                "https://portal.example/ssu/Rapport%20gode%20pasientforløp.docx",
                "https://portal.example/ssu/%C3%98kt%20samhandling%20med%20fastleger.pdf",
            ),
        ),
        AgendaCase(
            115,
            2025,
            15,
            "Beregning av gevinst og evt fordeling",
            "theme",
            Section.THEME,
            Route.SSU,
            30,
            proposal="Strategisk samarbeidsutvalg ser positivt på å bredde digital sårbehandling.",
        ),
        AgendaCase(
            116,
            2025,
            16,
            "Rekrutterings - og samhandlingsmidler 2025",
            "theme",
            Section.THEME,
            Route.SSU,
            75,
        ),
        AgendaCase(
            117,
            2025,
            17,
            "Strategiske prosesser hos partnerne",
            "theme",
            Section.THEME,
            Route.SSU,
            30,
            proposal=(
                "Strategisk samarbeidsutvalg tar til etterretning informasjonen fra strategiske "
                "prosesser hos Partnerne."
            ),
        ),
        AgendaCase(
            118,
            2025,
            18,
            "Handlingsdelen 2024 - 2025 - status",
            "report",
            Section.REPORT,
            Route.SSU,
            5,
        ),
    ]


def seed_agenda(**changes: Any) -> Agenda:
    values: dict[str, Any] = {
        "start": START,
        "end": END,
        "standing": Standing(year=2025, approval_number=11, minutes_number=12),
        "cases": seed_cases(),
    }
    values.update(changes)
    return build_agenda(**values)


def seed_facts(**changes: Any) -> MeetingFacts:
    values: dict[str, Any] = {
        "body": Body.SSU,
        "start": START,
        "end": END,
        "form": MeetingForm.physical,
        "location": PLACE,
        "previous": date(2025, 2, 20),
    }
    values.update(changes)
    return MeetingFacts(**values)


def seed_notice() -> NoticeContent:
    return build_notice(5, seed_facts(), seed_agenda())
