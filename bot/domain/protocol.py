"""The protocol (møteprotokoll) of a meeting: its content, its canonical text, the hash of one exact
version, and who may sign it (seed 004 §3/§4.1 "Protokoll").

Why pure: what a protocol says, which bytes a signature covers and who may sign are the rules the
committee relies on when a protocol is disputed later. Keeping them free of I/O means they are
tested once, exhaustively, and the service, the PDF and ``ssu-bot verify-protocol`` all compute
the very same text and hash.

Why a signature covers the SHA-256 of the *text* (not of the PDF): the text is what the members
read and what the secretariat edits; the PDF is one rendering of it (fonts and library versions
change its bytes). The text is canonical — fixed line order, no trailing spaces, ``\\n`` endings,
NFC — so the same content always gives the same hash on every machine.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final
from zoneinfo import ZoneInfo

__all__ = [
    "EDITABLE_FIELDS",
    "FIELD_MAX",
    "CaseEntry",
    "EditProblem",
    "ObserverLine",
    "PersonLine",
    "ProtocolContent",
    "SignRefusal",
    "SignatureRecord",
    "SignerSlot",
    "Signers",
    "apply_edit",
    "canonical_text",
    "check_signature",
    "content_from_json",
    "content_to_json",
    "is_final",
    "missing_slots",
    "signers_for",
    "valid_signatures",
    "version_sha",
]

OSLO: Final = ZoneInfo("Europe/Oslo")
EDITABLE_FIELDS: Final = ("treated", "process", "decision")
"""What the secretariat edits per case in the draft card."""
FIELD_MAX: Final = 4_000
FORMS_NB: Final[Mapping[str, str]] = {
    "physical": "fysisk møte",
    "digital": "digitalt møte (Teams)",
    "hybrid": "hybrid møte (fysisk og Teams)",
}


# --------------------------------------------------------------------------------------------------
# Content
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonLine:
    """One participant line; ``replaces`` is the absent member a personal deputy sat in for."""

    name: str
    organisation: str = ""
    replaces: str | None = None


@dataclass(frozen=True, slots=True)
class ObserverLine:
    name: str
    organisation: str
    text: str


@dataclass(frozen=True, slots=True)
class CaseEntry:
    """One case as the protocol states it.

    ``consensus`` None: no consensus round was held (a theme or report case). ``names_for`` and
    ``names_against`` are stated only where there was disagreement (seed 004 §3 item 4).
    """

    case_id: int
    label: str
    title: str
    treated: str = ""
    process: str = ""
    decision: str = ""
    consensus: bool | None = None
    names_for: tuple[str, ...] = ()
    names_against: tuple[str, ...] = ()
    names_abstaining: tuple[str, ...] = ()
    observer_input: tuple[ObserverLine, ...] = ()


@dataclass(frozen=True, slots=True)
class ProtocolContent:
    """Everything the protocol says; times are aware (shown in Europe/Oslo)."""

    meeting_id: int
    body: str
    title: str
    start: datetime
    end: datetime
    location: str | None
    form: str
    present: tuple[PersonLine, ...] = ()
    deputies: tuple[PersonLine, ...] = ()
    observers: tuple[PersonLine, ...] = ()
    secretariat: tuple[PersonLine, ...] = ()
    absent: tuple[PersonLine, ...] = ()
    cases: tuple[CaseEntry, ...] = ()

    def case(self, case_id: int) -> CaseEntry | None:
        return next((c for c in self.cases if c.case_id == case_id), None)


def _oslo(moment: datetime) -> datetime:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(OSLO)


def _clean(text: str) -> str:
    """NFC, ``\\n`` line endings, no trailing spaces: the same words always hash the same."""
    normal = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.rstrip() for line in normal.split("\n")).strip()


def _person(line: PersonLine) -> str:
    text = line.name
    if line.organisation:
        text += f" ({line.organisation})"
    if line.replaces:
        text += f", for {line.replaces}"
    return text


def _people(heading: str, lines: Sequence[PersonLine]) -> list[str]:
    out = [f"{heading}:"]
    out += [f"- {_clean(_person(p))}" for p in lines] or ["- ingen"]
    return out


def _block(label: str, text: str) -> list[str]:
    cleaned = _clean(text)
    if not cleaned:
        return []
    return [f"{label}:", *cleaned.split("\n")]


def canonical_text(content: ProtocolContent) -> str:
    """The protocol as text, in Norwegian, in a fixed order: what is signed and hashed.

    Seed 004 §3: time, place, participants and how the meeting was held first; per case what was
    treated, the process, a clear decision text, who stood for and against where there was
    disagreement; observers' input separately from the members'.
    """
    start, end = _oslo(content.start), _oslo(content.end)
    place = content.location or ("Teams" if content.form == "digital" else "ikke oppgitt")
    lines = [
        f"PROTOKOLL – {_clean(content.title)}",
        f"Organ: {content.body}",
        f"Tid: {start:%d.%m.%Y} kl. {start:%H:%M}–{end:%H:%M}",
        f"Sted: {_clean(place)}",
        f"Behandlingsmåte: {FORMS_NB.get(content.form, content.form)}",
        "",
        *_people("Til stede (medlemmer)", content.present),
        *_people("Personlige vararepresentanter", content.deputies),
        *_people("Observatører", content.observers),
        *_people("Sekretariat", content.secretariat),
        *_people("Forfall", content.absent),
    ]
    for case in content.cases:
        lines += ["", f"Sak {case.label} {_clean(case.title)}"]
        lines += _block("Behandlet", case.treated)
        lines += _block("Prosess", case.process)
        lines += _block("Vedtak", case.decision)
        if case.consensus is True:
            lines.append("Konsensus: ja")
        elif case.consensus is False:
            lines.append("Konsensus: nei")
            lines.append(f"For: {', '.join(case.names_for) or 'ingen'}")
            lines.append(f"Mot: {', '.join(case.names_against) or 'ingen'}")
            if case.names_abstaining:
                lines.append(f"Avsto: {', '.join(case.names_abstaining)}")
        if case.observer_input:
            lines.append("Innspill fra observatører:")
            for item in case.observer_input:
                who = f"{item.name} ({item.organisation})" if item.organisation else item.name
                lines.append(f"- {_clean(who)}: {_clean(item.text)}")
    return "\n".join(_clean(line) if line else "" for line in lines) + "\n"


def version_sha(text: str) -> str:
    """SHA-256 (hex) of the exact UTF-8 bytes of a version's text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------------------------------
# Editing
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EditProblem:
    field: str
    code: str


def apply_edit(
    content: ProtocolContent, case_id: int, values: Mapping[str, object]
) -> tuple[ProtocolContent, tuple[EditProblem, ...]]:
    """The content with one case's editable texts replaced by ``values`` (missing keys keep
    their text); problems when the case is not in the protocol or a text is too long."""
    entry = content.case(case_id)
    if entry is None:
        return content, (EditProblem("case_id", "not_found"),)
    changes: dict[str, str] = {}
    problems: list[EditProblem] = []
    for name in EDITABLE_FIELDS:
        raw = values.get(name)
        if raw is None:
            continue
        if not isinstance(raw, str):
            problems.append(EditProblem(name, "invalid"))
            continue
        text = _clean(raw)
        if len(text) > FIELD_MAX:
            problems.append(EditProblem(name, "too_long"))
            continue
        changes[name] = text
    if problems:
        return content, tuple(problems)
    edited = replace(
        entry,
        treated=changes.get("treated", entry.treated),
        process=changes.get("process", entry.process),
        decision=changes.get("decision", entry.decision),
    )
    cases = tuple(edited if c.case_id == case_id else c for c in content.cases)
    return replace(content, cases=cases), ()


# --------------------------------------------------------------------------------------------------
# Storage form
# --------------------------------------------------------------------------------------------------


def content_to_json(content: ProtocolContent) -> str:
    """The content as stored beside each version's text (so an edit starts from it)."""

    def people(lines: Iterable[PersonLine]) -> list[dict[str, Any]]:
        return [
            {"name": p.name, "organisation": p.organisation, "replaces": p.replaces} for p in lines
        ]

    return json.dumps(
        {
            "meeting_id": content.meeting_id,
            "body": content.body,
            "title": content.title,
            "start": content.start.astimezone(UTC).isoformat(),
            "end": content.end.astimezone(UTC).isoformat(),
            "location": content.location,
            "form": content.form,
            "present": people(content.present),
            "deputies": people(content.deputies),
            "observers": people(content.observers),
            "secretariat": people(content.secretariat),
            "absent": people(content.absent),
            "cases": [
                {
                    "case_id": c.case_id,
                    "label": c.label,
                    "title": c.title,
                    "treated": c.treated,
                    "process": c.process,
                    "decision": c.decision,
                    "consensus": c.consensus,
                    "names_for": list(c.names_for),
                    "names_against": list(c.names_against),
                    "names_abstaining": list(c.names_abstaining),
                    "observer_input": [
                        {"name": o.name, "organisation": o.organisation, "text": o.text}
                        for o in c.observer_input
                    ],
                }
                for c in content.cases
            ],
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def content_from_json(text: str) -> ProtocolContent:
    data = json.loads(text)

    def people(items: list[dict[str, Any]]) -> tuple[PersonLine, ...]:
        return tuple(
            PersonLine(i["name"], i.get("organisation", ""), i.get("replaces")) for i in items
        )

    return ProtocolContent(
        meeting_id=int(data["meeting_id"]),
        body=data["body"],
        title=data["title"],
        start=datetime.fromisoformat(data["start"]),
        end=datetime.fromisoformat(data["end"]),
        location=data.get("location"),
        form=data["form"],
        present=people(data["present"]),
        deputies=people(data["deputies"]),
        observers=people(data["observers"]),
        secretariat=people(data["secretariat"]),
        absent=people(data["absent"]),
        cases=tuple(
            CaseEntry(
                case_id=int(c["case_id"]),
                label=c["label"],
                title=c["title"],
                treated=c.get("treated", ""),
                process=c.get("process", ""),
                decision=c.get("decision", ""),
                consensus=c.get("consensus"),
                names_for=tuple(c.get("names_for", ())),
                names_against=tuple(c.get("names_against", ())),
                names_abstaining=tuple(c.get("names_abstaining", ())),
                observer_input=tuple(
                    ObserverLine(o["name"], o.get("organisation", ""), o["text"])
                    for o in c.get("observer_input", ())
                ),
            )
            for c in data["cases"]
        ),
    )


# --------------------------------------------------------------------------------------------------
# Who signs
# --------------------------------------------------------------------------------------------------


class SignerSlot(StrEnum):
    """The two signatures a protocol needs (seed 004 §3 item 6)."""

    LEADER = "leader"
    DEPUTY_LEADER = "deputy_leader"


@dataclass(frozen=True, slots=True)
class Signers:
    """Per slot, the one person who may sign it for this meeting (None: nobody holds the seat)."""

    leader: int | None
    deputy_leader: int | None

    def slot_of(self, person_id: int | None) -> SignerSlot | None:
        if person_id is None:
            return None
        if person_id == self.leader:
            return SignerSlot.LEADER
        if person_id == self.deputy_leader:
            return SignerSlot.DEPUTY_LEADER
        return None

    def person(self, slot: SignerSlot) -> int | None:
        return self.leader if slot is SignerSlot.LEADER else self.deputy_leader

    @property
    def people(self) -> tuple[int, ...]:
        return tuple(p for p in (self.leader, self.deputy_leader) if p is not None)


def signers_for(
    *,
    leader: int | None,
    deputy_leader: int | None,
    leader_deputy: int | None,
    deputy_leader_deputy: int | None,
    absent: Collection[int],
) -> Signers:
    """The leader and the deputy leader sign; the personal deputy of either signs in their place
    ONLY when that leader or deputy leader was absent from the meeting.

    Why the absent leader does not sign: a signature vouches that the protocol says what happened
    at the meeting; the personal deputy who sat in the seat was there, the absent leader was not.
    An absent leader without a personal deputy still signs (somebody must).
    """

    def slot(holder: int | None, deputy: int | None) -> int | None:
        if holder is not None and holder in absent and deputy is not None:
            return deputy
        return holder

    return Signers(slot(leader, leader_deputy), slot(deputy_leader, deputy_leader_deputy))


@dataclass(frozen=True, slots=True)
class SignatureRecord:
    person_id: int
    slot: SignerSlot
    version_sha: str
    voided: bool = False


class SignRefusal(StrEnum):
    NOT_SIGNER = "not_signer"
    OLD_VERSION = "old_version"
    ALREADY_SIGNED = "already_signed"


def valid_signatures(
    signatures: Iterable[SignatureRecord], current_sha: str
) -> dict[SignerSlot, SignatureRecord]:
    """The signatures that count: on the current version and not voided, one per slot."""
    found: dict[SignerSlot, SignatureRecord] = {}
    for record in signatures:
        if record.version_sha == current_sha and not record.voided:
            found.setdefault(record.slot, record)
    return found


def check_signature(
    signers: Signers,
    *,
    person_id: int | None,
    given_sha: str,
    current_sha: str,
    signatures: Iterable[SignatureRecord],
) -> SignerSlot | SignRefusal:
    """The slot this person signs, or why not: not a signer for this meeting, a version other
    than the current one (the card was for an earlier text), or their slot already signed."""
    slot = signers.slot_of(person_id)
    if slot is None:
        return SignRefusal.NOT_SIGNER
    if given_sha != current_sha:
        return SignRefusal.OLD_VERSION
    if slot in valid_signatures(signatures, current_sha):
        return SignRefusal.ALREADY_SIGNED
    return slot


def missing_slots(
    signers: Signers, signatures: Iterable[SignatureRecord], current_sha: str
) -> tuple[SignerSlot, ...]:
    have = valid_signatures(signatures, current_sha)
    return tuple(s for s in SignerSlot if s not in have)


def is_final(signers: Signers, signatures: Iterable[SignatureRecord], current_sha: str) -> bool:
    """Both slots signed on the current version."""
    return not missing_slots(signers, signatures, current_sha)
