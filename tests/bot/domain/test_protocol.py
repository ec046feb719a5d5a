"""The protocol's pure rules: canonical text, hash, edits, who may sign, voiding."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.protocol import (
    CaseEntry,
    ObserverLine,
    PersonLine,
    ProtocolContent,
    SignatureRecord,
    SignerSlot,
    SignRefusal,
    apply_edit,
    canonical_text,
    check_signature,
    content_from_json,
    content_to_json,
    is_final,
    missing_slots,
    signers_for,
    valid_signatures,
    version_sha,
)

LEADER, DEPUTY, LEADER_PD, DEPUTY_PD, MEMBER = 1, 2, 11, 12, 5


def content(**changes: object) -> ProtocolContent:
    base = ProtocolContent(
        meeting_id=7,
        body="SSU",
        title="Strategisk samarbeidsutvalg",
        start=datetime(2026, 5, 21, 7, 30, tzinfo=UTC),
        end=datetime(2026, 5, 21, 12, 30, tzinfo=UTC),
        location="Fylkeshuset Lillehammer",
        form="hybrid",
        present=(PersonLine("Hilde Vang", "Hamar kommune"),),
        deputies=(PersonLine("Astrid Hovde", "", "Ingrid Solberg"),),
        observers=(PersonLine("Sissel Ruud", "Statsforvalteren"),),
        secretariat=(PersonLine("Eva Lindqvist"),),
        absent=(PersonLine("Ingrid Solberg"),),
        cases=(
            CaseEntry(
                case_id=3,
                label="03/26",
                title="Felles rutine for utskrivning",
                treated="Gjennomgang av rutinen.",
                process="Én runde.",
                decision="SSU slutter seg til rutinen.",
                consensus=False,
                names_for=("Hilde Vang",),
                names_against=("Per Haugen",),
                observer_input=(ObserverLine("Sissel Ruud", "Statsforvalteren", "Viktig."),),
            ),
            CaseEntry(
                case_id=4, label="04/26", title="Orientering", treated="Tatt til orientering."
            ),
        ),
    )
    return ProtocolContent(
        **{**{f: getattr(base, f) for f in base.__dataclass_fields__}, **changes}
    )


def test_the_text_states_time_place_form_participants_and_each_decision() -> None:
    text = canonical_text(content())
    assert "Tid: 21.05.2026 kl. 09:30–14:30" in text  # Europe/Oslo
    assert "Sted: Fylkeshuset Lillehammer" in text
    assert "Behandlingsmåte: hybrid" in text
    assert "- Astrid Hovde, for Ingrid Solberg" in text
    assert "Forfall:\n- Ingrid Solberg" in text
    assert "Sak 03/26 Felles rutine for utskrivning" in text
    assert "Vedtak:\nSSU slutter seg til rutinen." in text
    assert "For: Hilde Vang\nMot: Per Haugen" in text
    assert "Innspill fra observatører:\n- Sissel Ruud (Statsforvalteren): Viktig." in text
    assert "Konsensus" not in text.split("Sak 04/26")[1]


def test_for_and_against_only_where_there_was_no_consensus() -> None:
    agreed = content(cases=(CaseEntry(3, "03/26", "T", decision="D", consensus=True),))
    text = canonical_text(agreed)
    assert "Konsensus: ja" in text and "For:" not in text and "Mot:" not in text


def test_the_hash_is_of_the_exact_text_and_stable() -> None:
    text = canonical_text(content())
    assert version_sha(text) == version_sha(canonical_text(content()))
    assert len(version_sha(text)) == 64
    # the same words in another Unicode normal form or with CRLF give the same text
    nfd = content(title="Strategisk samarbeidsutvalg – mo\u0308te\r\n")
    assert canonical_text(nfd) == canonical_text(
        content(title="Strategisk samarbeidsutvalg – möte")
    )


def test_json_round_trip_keeps_the_text() -> None:
    original = content()
    assert canonical_text(content_from_json(content_to_json(original))) == canonical_text(original)


def test_editing_one_case_changes_the_hash() -> None:
    edited, problems = apply_edit(content(), 3, {"decision": "Nytt vedtak, æøå."})
    assert problems == ()
    assert edited.case(3) is not None and edited.case(3).decision == "Nytt vedtak, æøå."  # type: ignore[union-attr]
    assert version_sha(canonical_text(edited)) != version_sha(canonical_text(content()))
    _same, bad = apply_edit(content(), 99, {"decision": "x"})
    assert [p.code for p in bad] == ["not_found"]
    _same, long = apply_edit(content(), 3, {"treated": "x" * 5000})
    assert [(p.field, p.code) for p in long] == [("treated", "too_long")]


def test_leader_and_deputy_leader_sign_when_present() -> None:
    signers = signers_for(
        leader=LEADER,
        deputy_leader=DEPUTY,
        leader_deputy=LEADER_PD,
        deputy_leader_deputy=DEPUTY_PD,
        absent=(),
    )
    assert signers.slot_of(LEADER) is SignerSlot.LEADER
    assert signers.slot_of(DEPUTY) is SignerSlot.DEPUTY_LEADER
    assert signers.slot_of(LEADER_PD) is None  # a personal deputy of a present leader: no
    assert signers.slot_of(DEPUTY_PD) is None
    assert signers.slot_of(MEMBER) is None
    assert signers.slot_of(None) is None


def test_a_personal_deputy_signs_only_in_place_of_an_absent_leader() -> None:
    signers = signers_for(
        leader=LEADER,
        deputy_leader=DEPUTY,
        leader_deputy=LEADER_PD,
        deputy_leader_deputy=DEPUTY_PD,
        absent={DEPUTY},
    )
    assert signers.slot_of(DEPUTY_PD) is SignerSlot.DEPUTY_LEADER
    assert signers.slot_of(DEPUTY) is None  # absent: does not vouch for the meeting
    assert signers.slot_of(LEADER_PD) is None
    assert signers.slot_of(LEADER) is SignerSlot.LEADER
    # an absent leader without a personal deputy still signs
    alone = signers_for(
        leader=LEADER,
        deputy_leader=DEPUTY,
        leader_deputy=None,
        deputy_leader_deputy=None,
        absent={LEADER},
    )
    assert alone.slot_of(LEADER) is SignerSlot.LEADER


SHA1, SHA2 = "a" * 64, "b" * 64


@pytest.mark.parametrize(
    ("person", "given", "signed", "expected"),
    [
        (LEADER, SHA2, [], SignerSlot.LEADER),
        (MEMBER, SHA2, [], SignRefusal.NOT_SIGNER),
        (LEADER, SHA1, [], SignRefusal.OLD_VERSION),
        (
            LEADER,
            SHA2,
            [SignatureRecord(LEADER, SignerSlot.LEADER, SHA2)],
            SignRefusal.ALREADY_SIGNED,
        ),
        # a signature on the old version no longer counts: sign again
        (LEADER, SHA2, [SignatureRecord(LEADER, SignerSlot.LEADER, SHA1)], SignerSlot.LEADER),
        (
            LEADER,
            SHA2,
            [SignatureRecord(LEADER, SignerSlot.LEADER, SHA2, voided=True)],
            SignerSlot.LEADER,
        ),
    ],
)
def test_check_signature(
    person: int, given: str, signed: list[SignatureRecord], expected: object
) -> None:
    signers = signers_for(
        leader=LEADER,
        deputy_leader=DEPUTY,
        leader_deputy=None,
        deputy_leader_deputy=None,
        absent=(),
    )
    result = check_signature(
        signers, person_id=person, given_sha=given, current_sha=SHA2, signatures=signed
    )
    assert result == expected


def test_final_with_both_signatures_on_the_current_version_only() -> None:
    signers = signers_for(
        leader=LEADER,
        deputy_leader=DEPUTY,
        leader_deputy=None,
        deputy_leader_deputy=None,
        absent=(),
    )
    old = [
        SignatureRecord(LEADER, SignerSlot.LEADER, SHA1),
        SignatureRecord(DEPUTY, SignerSlot.DEPUTY_LEADER, SHA1),
    ]
    assert is_final(signers, old, SHA1)
    assert not is_final(signers, old, SHA2)  # an edit voids both
    assert missing_slots(signers, old, SHA2) == (SignerSlot.LEADER, SignerSlot.DEPUTY_LEADER)
    mixed = [*old, SignatureRecord(LEADER, SignerSlot.LEADER, SHA2)]
    assert set(valid_signatures(mixed, SHA2)) == {SignerSlot.LEADER}
    assert not is_final(signers, mixed, SHA2)
