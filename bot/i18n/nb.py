"""Norsk bokmål: the default language. Wording follows the committee's own documents."""

MESSAGES: dict[str, str] = {
    "app.name": "SSU-assistenten",
    "error.apology": (
        "Beklager, noe gikk galt hos meg. Ingenting av det du sendte gikk tapt hvis du fikk en "
        "kvittering; prøv igjen om litt. (Referanse: {ref})"
    ),
    "error.unknown_command": "Det forsto jeg ikke. Skriv «hjelp» for å se hva jeg kan gjøre.",
    "error.wrong_tenant": "Denne assistenten er bare tilgjengelig for Helsefellesskap Innlandet.",
    "error.unknown_action": "Denne handlingen kjenner jeg ikke igjen. Ingenting ble endret.",
    "error.not_allowed": "Du har ikke tilgang til dette. Ingenting ble endret.",
    "error.unknown_person": (
        "Jeg finner deg ikke i medlemslisten til SSU. Du kan likevel melde inn en sak; "
        "ta kontakt med sekretariatet hvis du skal ha en rolle i utvalget."
    ),
    "error.too_long": "Meldingen er for lang ({length} tegn; høyst {limit}).",
    "error.stale_card": "Dette kortet er utdatert. Skriv «hjelp» for å begynne på nytt.",
    "welcome.title": "Velkommen til SSU-assistenten",
    "welcome.body": (
        "Jeg hjelper Strategisk samarbeidsutvalg (SSU) i Helsefellesskap Innlandet med saker, "
        "innkallinger, møter, protokoller og påminnelser. Skriv «hjelp» når som helst."
    ),
    "help.title": "Hjelp – hva kan jeg gjøre for deg?",
    "help.greeting": "Hei, {name}! Du er registrert som {roles}.",
    "help.greeting_unknown": (
        "Hei! Jeg finner deg ikke i medlemslisten, men alle kan melde inn en sak til SSU."
    ),
    "help.commands": "Dette kan du skrive til meg:",
    "help.cmd.help": "vis denne oversikten",
    "help.cmd.submit_case": "meld inn en sak til SSU på sekretariatets mal",
    "help.cmd.my_cases": "se sakene du har meldt inn og hvor de står",
    "help.cmd.next_meeting": "tid, sted og frister for neste møte",
    "help.cmd.meeting_plan": "møteplanen for året",
    "help.cmd.cannot_attend": "meld forfall; din personlige vara får innkallingen",
    "help.cmd.reminders_off": "skru av påminnelser",
    "help.cmd.reminders_on": "skru på påminnelser",
    "help.cmd.language": "velg språk (norsk eller engelsk)",
    "help.button.submit_case": "Meld inn sak",
    "help.secretariat": (
        "Som sekretariat kan du også: behandle innmeldte saker, lage saksliste, publisere "
        "innkalling, planlegge møter og skrive protokoll."
    ),
    "help.phrase.open_close": (
        "åpne og avslutte møtet (i møtechatten; Teams gjør det også når møtet starter og slutter)"
    ),
    "help.phrase.agenda": "sakslisten for neste møte, og innkallingen",
    "help.phrase.start_evaluation": "send egenevalueringen til dem som var til stede",
    "help.phrase.evaluation_csv": "eksporter egenevalueringene som CSV",
    "help.phrase.protocol": "utkast til protokoll, redigering og publisering",
    "help.phrase.consensus": "start en konsensusrunde for en vedtakssak (i møtechatten)",
    "help.phrase.protocols_to_sign": "protokollene som venter på din signatur",
    "help.leader": (
        "Som leder eller nestleder kan du også: lede møtet, starte konsensusrunder og signere "
        "protokollen."
    ),
    "role.leader": "leder",
    "role.deputy_leader": "nestleder",
    "role.member": "medlem",
    "role.personal_deputy": "personlig vararepresentant",
    "role.observer": "observatør",
    "role.secretariat": "sekretariat",
    "body.SSU": "SSU",
    "body.PA": "Partnerskapsmøtet",
    "body.AU": "Arbeidsutvalget",
    "body.SEK": "Sekretariatet",
    "roles.joiner": " og ",
    "language.title": "Velg språk",
    "language.prompt": "Hvilket språk vil du at jeg skal bruke?",
    "language.label": "Språk",
    "language.nb": "Norsk (bokmål)",
    "language.en": "English",
    "language.save": "Lagre",
    "language.saved": "Greit, jeg bruker norsk (bokmål) fra nå av.",
    "language.invalid": "Velg et av språkene i listen.",
    # --- meetings (bot/teams/meetings.py, cards/meetings.py) ---
    "meeting.fmt.date": "{weekday} {day}. {month} {year}",
    "meeting.fmt.span": "{first} – {last}",
    "meeting.fmt.span_time": "kl. {start} – kl. {end}",
    "meeting.fmt.deadline": "{date} kl. {time}",
    "meeting.fmt.heading": "{name} {date}",
    "meeting.weekday.0": "mandag",
    "meeting.weekday.1": "tirsdag",
    "meeting.weekday.2": "onsdag",
    "meeting.weekday.3": "torsdag",
    "meeting.weekday.4": "fredag",
    "meeting.weekday.5": "lørdag",
    "meeting.weekday.6": "søndag",
    "meeting.month.1": "januar",
    "meeting.month.2": "februar",
    "meeting.month.3": "mars",
    "meeting.month.4": "april",
    "meeting.month.5": "mai",
    "meeting.month.6": "juni",
    "meeting.month.7": "juli",
    "meeting.month.8": "august",
    "meeting.month.9": "september",
    "meeting.month.10": "oktober",
    "meeting.month.11": "november",
    "meeting.month.12": "desember",
    "meeting.body.SSU": "SSU-møte",
    "meeting.body.STRATEGY": "Strategisamling",
    "meeting.body.PA": "Partnerskapsmøte",
    "meeting.body.DIALOG": "Dialogmøte",
    "meeting.body.AU": "AU-møte",
    "meeting.form.physical": "Fysisk møte",
    "meeting.form.digital": "Digitalt møte (Teams)",
    "meeting.form.hybrid": "Hybrid (fysisk og Teams)",
    "meeting.state.planned": "Planlagt",
    "meeting.state.notice_published": "Innkalling er sendt",
    "meeting.state.held": "Avholdt",
    "meeting.state.protocol_published": "Protokoll er publisert",
    "meeting.state.protocol_signed": "Protokoll er signert",
    "meeting.state.cancelled": "Avlyst",
    "meeting.deadline.case_submission": "Frist for å melde inn saker",
    "meeting.deadline.notice": "Innkalling sendes",
    "meeting.deadline.protocol": "Protokoll klar",
    "meeting.label.body": "Møtetype",
    "meeting.label.date": "Dato",
    "meeting.label.end_date": "Sluttdato (bare hvis møtet varer over flere dager)",
    "meeting.label.start": "Starttid",
    "meeting.label.end": "Sluttid",
    "meeting.label.time": "Tid",
    "meeting.label.place": "Sted",
    "meeting.label.location": "Sted",
    "meeting.label.location_hint": "F.eks. Fylkeshuset Lillehammer, Kirkegata 76",
    "meeting.label.form": "Møteform",
    "meeting.label.region": "Helseregion (for dialogmøter)",
    "meeting.label.reason": "Begrunnelse (sendes til alle som er innkalt)",
    "meeting.place.teams": "Teams (lenken står i kalenderinvitasjonen)",
    "meeting.place.teams_link": "Bli med i Teams-møtet",
    "meeting.place.pending": "Teams-lenke: venter på kalender",
    "meeting.place.calendar_failed": "Teams-lenke: ikke klar (feil i kalenderen)",
    "meeting.place.none": "Ikke bestemt ennå",
    "meeting.action.list": "Møteplan {year}",
    "meeting.action.year": "{year}",
    "meeting.action.add": "Legg til møte",
    "meeting.action.move": "Flytt",
    "meeting.action.cancel": "Avlys",
    "meeting.action.plan": "Foreslå møteplan for {year}",
    "meeting.plan.title": "Forslag til møteplan {year}",
    "meeting.plan.intro": (
        "Her er møtene for neste år etter det faste mønsteret. Endre dato, tid, sted eller "
        "møteform der det trengs, og godkjenn. Møtene opprettes og kalenderinvitasjoner sendes."
    ),
    "meeting.plan.busy_unavailable": (
        "Jeg fikk ikke sjekket om leder og nestleder er ledige (kalenderen er ikke tilgjengelig)."
    ),
    "meeting.plan.busy": "⚠ Opptatt i kalenderen: {names}",
    "meeting.plan.free": "Leder og nestleder er ledige.",
    "meeting.plan.moved_from": "Flyttet én uke fra {date} på grunn av helligdag.",
    "meeting.plan.created": "Opprettet: {date}, {time} ({state})",
    "meeting.plan.deadlines": "Saksfrist {cases} · innkalling {notice} · protokoll {protocol}",
    "meeting.plan.approve": "Godkjenn møteplanen ({count} møter)",
    "meeting.plan.all_created": "Alle møtene for {year} er opprettet.",
    "meeting.applied.title": "Møteplanen for {year} er godkjent",
    "meeting.applied.created": "{count} møter er opprettet, og kalenderinvitasjonene sendes ut.",
    "meeting.applied.nothing_new": "Alle møtene fantes fra før; ingenting nytt ble opprettet.",
    "meeting.applied.existing": "{count} møter fantes fra før og ble ikke endret.",
    "meeting.applied.past": (
        "{count} av møtene er allerede passert og får ingen kalenderinvitasjon."
    ),
    "meeting.year.title": "Møteplan {year}",
    "meeting.year.empty": "Ingen møter er lagt inn for {year} ennå.",
    "meeting.year.cancelled": "Avlyst: {reason}",
    "meeting.next.title": "Neste møte",
    "meeting.next.none": "Det er ingen kommende møter i planen ennå.",
    "meeting.next.deadlines": "Frister",
    "meeting.add.title": "Legg til møte",
    "meeting.add.submit": "Lagre møtet",
    "meeting.add.done_title": "Møtet er lagt til",
    "meeting.add.done": "Kalenderinvitasjonen sendes til {count} deltakere.",
    "meeting.move.title": "Flytt møte",
    "meeting.move.now": "Nå: {date}, {time}",
    "meeting.move.was": "Var: {date}, {time}",
    "meeting.move.notice": "Alle som er innkalt får beskjed om endringen.",
    "meeting.move.submit": "Flytt møtet",
    "meeting.move.done_title": "Møtet er flyttet",
    "meeting.move.done": "Kalenderen oppdateres, og {count} deltakere får beskjed.",
    "meeting.cancel.title": "Avlys møte",
    "meeting.cancel.submit": "Avlys møtet",
    "meeting.cancel.reason_was": "Begrunnelse: {reason}",
    "meeting.cancel.done_title": "Møtet er avlyst",
    "meeting.cancel.done": "Avlysningen med begrunnelsen sendes til {count} deltakere.",
    "meeting.refused.title": "Ingenting ble endret",
    "meeting.error.not_saved": "Ingenting ble lagret. Rett opp feilene under og prøv igjen.",
    "meeting.problem.body_unknown": "Ukjent møtetype. Velg en av: {known}.",
    "meeting.problem.form_unknown": "Velg møteform: fysisk, digitalt eller hybrid.",
    "meeting.problem.time_naive": "Tidspunktet mangler tidssone.",
    "meeting.problem.in_past": "Datoen {date} er passert. Velg en dato fram i tid.",
    "meeting.problem.end_before_start": "Møtet må slutte etter at det begynner.",
    "meeting.problem.holiday": (
        "{date} er en helligdag ({holiday}). SSU holder ikke møter på helligdager."
    ),
    "meeting.problem.location_missing": "Skriv hvor møtet holdes (fysiske og hybride møter).",
    "meeting.problem.location_too_long": "Stedet kan være høyst {limit} tegn.",
    "meeting.problem.region_unknown": "Ukjent helseregion. Velg en av: {known}.",
    "meeting.problem.region_missing": "Et dialogmøte må ha en helseregion.",
    "meeting.problem.reason_missing": "Skriv en begrunnelse for avlysningen.",
    "meeting.problem.reason_too_long": "Begrunnelsen kan være høyst {limit} tegn.",
    "meeting.problem.unknown_slot": "Møtet finnes ikke i forslaget (kortet er kanskje utdatert).",
    "meeting.problem.year_out_of_range": "Året må være mellom {min} og {max}.",
    "meeting.problem.meeting_not_found": "Fant ikke møtet. Det kan være slettet.",
    "meeting.problem.not_movable": "Møtet er avholdt eller avlyst og kan ikke flyttes.",
    "meeting.problem.not_cancellable": "Møtet er avholdt eller allerede avlyst.",
    "meeting.problem.unchanged": "Ingenting er endret: velg ny tid, nytt sted eller ny møteform.",
    "meeting.problem.date_invalid": "Skriv datoen som ÅÅÅÅ-MM-DD.",
    "meeting.problem.time_invalid": "Skriv klokkeslettet som TT:MM.",
    "cli.plan.heading": "Møteplan {year} – {count} møter (tider i Europe/Oslo)",
    "cli.plan.col.date": "Dato",
    "cli.plan.col.time": "Tid",
    "cli.plan.col.meeting": "Møte",
    "cli.plan.col.place": "Sted",
    "cli.plan.col.cases": "Saksfrist",
    "cli.plan.col.notice": "Innkalling",
    "cli.plan.col.protocol": "Protokoll",
    "cli.plan.next_day": "(+{days} d.)",
    "cli.plan.teams": "Teams",
    "cli.plan.moved": "{mark} Flyttet fra {date} ({holiday}).",
    "cli.plan.applied": "Opprettet {created} nye møter; {existing} fantes fra før.",
    "cli.deadlines.heading": "Frister for {body} {start}–{end}:",
    # --- reminders and the outbox (bot/teams/reminders.py, bot/services/outbox.py) ---
    "reminders.off": (
        "Greit, jeg sender deg ikke flere påminnelser. Skriv «påminnelser på» for å få dem igjen."
    ),
    "reminders.on": "Greit, du får påminnelser fra meg igjen.",
    "reminders.off_mandatory": (
        "Påminnelser om sekretariatets egne frister kan ikke skrus av, så dem får du fortsatt."
    ),
    "outbox.unreachable": (
        "Jeg fikk ikke levert en melding til {target} ({what}). Appen er kanskje ikke installert "
        "for mottakeren, eller boten er fjernet fra samtalen."
    ),
    # --- cases (bot/services/cases.py, cards/cases.py, dialogs/case_submission.py) ---
    "case.form.title": "Meld inn sak",
    "case.form.intro": (
        "Fyll ut sekretariatets mal for saker til Helsefellesskap Innlandet. Felt merket med * "
        "må fylles ut. Avklar saken med nærmeste leder før du melder den inn."
    ),
    "case.form.resumed": "Her er utkastet ditt fra sist. Fortsett der du slapp.",
    "case.field.title": "Tittel på saken",
    "case.field.title.help": "Kort og beskrivende, høyst {limit} tegn.",
    "case.field.submitter_org": "Innmeldt av (virksomhet)",
    "case.field.submitter_org.help": "Kommunen, divisjonen eller organisasjonen du melder inn for.",
    "case.field.anchored": "Forankring",
    "case.field.anchored.toggle": "Saken er avklart med nærmeste leder",
    "case.field.anchored.help": "Alle saker skal være avklart med nærmeste leder før innmelding.",
    "case.field.anchored_with": "Avklart med (navn og stilling)",
    "case.field.anchored_with.help": "Lederen du har avklart saken med.",
    "case.field.case_type": "Type sak",
    "case.field.case_type.help": "Beslutningssaker må ha forslag til vedtak.",
    "case.field.background": "Bakgrunn",
    "case.field.background.help": (
        "Hva gjelder saken, og hvorfor meldes den inn nå? Høyst {limit} tegn."
    ),
    "case.field.assessment": "Vurdering",
    "case.field.assessment.help": "Din vurdering av saken. Høyst {limit} tegn.",
    "case.field.proposal": "Forslag til vedtak",
    "case.field.proposal.help": "Påkrevd for beslutningssaker. Høyst {limit} tegn.",
    "case.field.economic_impact": "Økonomiske/administrative konsekvenser",
    "case.field.economic_impact.help": (
        "Saker med større økonomiske/administrative konsekvenser besluttes i SSU."
    ),
    "case.field.meeting": "Ønsket møte",
    "case.field.meeting.help": "Møtene som fortsatt tar imot saker (fristen er ikke gått ut).",
    "case.field.attachments": "Vedlegg (lenker, én per linje)",
    "case.field.attachments.help": "Høyst {limit} lenker. Hver lenke må begynne med https://",
    "case.type.decision": "Beslutningssak",
    "case.type.theme": "Temasak",
    "case.type.report": "Referatsak",
    "case.type.other": "Annet",
    "case.impact.none": "Ingen",
    "case.impact.minor": "Mindre",
    "case.impact.major": "Større (saken besluttes i SSU)",
    "case.meeting.none": "Ingen ønske – sekretariatet foreslår møte",
    "case.meeting.option": "{meeting} (frist for saker {deadline})",
    "case.meeting.label": "{body} {date}",
    "case.meeting.body.SSU": "SSU-møte",
    "case.meeting.body.AU": "AU-møte",
    "case.meeting.unplanned": "Ikke satt opp på møte ennå",
    "case.action.review": "Se over og send inn",
    "case.action.cancel": "Avbryt",
    "case.action.confirm": "Send inn saken",
    "case.action.edit": "Endre",
    "case.confirm.title": "Se over saken før du sender den inn",
    "case.confirm.intro": (
        "Slik blir saken sendt til sekretariatet. Trykk «Send inn saken» eller «Endre»."
    ),
    "case.confirm.major": (
        "Saken har større økonomiske/administrative konsekvenser og skal besluttes i Strategisk "
        "samarbeidsutvalg (SSU)."
    ),
    "case.confirm.moved": (
        "Fristen for å melde inn saker til {requested} gikk ut {deadline}. Saken meldes derfor "
        "inn til {meeting}."
    ),
    "case.confirm.moved_none": (
        "Fristen for å melde inn saker til {requested} gikk ut {deadline}, og ingen senere møte "
        "tar imot saker ennå. Sekretariatet finner et møte for saken."
    ),
    "case.receipt.title": "Saken er meldt inn – sak {number}",
    "case.receipt.body": (
        "Takk! Saken har fått saksnummer {number}. Sekretariatet vurderer videre saksgang, og du "
        "får beskjed hver gang saken endrer status."
    ),
    "case.receipt.moved": (
        "Fristen for å melde inn saker til {requested} var gått ut. Saken er meldt inn til "
        "{meeting}."
    ),
    "case.receipt.moved_none": (
        "Fristen for å melde inn saker til {requested} var gått ut. Sekretariatet finner et møte "
        "for saken."
    ),
    "case.receipt.again": "Denne saken var allerede sendt inn; den ble ikke sendt inn på nytt.",
    "case.receipt.follow": "Skriv «mine saker» for å følge saken.",
    "case.cancelled": "Innmeldingen er avbrutt. Ingenting er lagret.",
    "case.stale": (
        "Dette skjemaet er ikke lenger aktivt. Skriv «meld inn sak» for å begynne på nytt."
    ),
    "case.hint": (
        "Fyll ut skjemaet over og trykk «Se over og send inn». Skriv «meld inn sak» for å få "
        "skjemaet på nytt."
    ),
    "case.errors.banner": "Saken er ikke sendt inn. Rett opp feltene som er merket.",
    "case.error.required": "Fyll ut dette feltet.",
    "case.error.too_long": (
        "For lang tekst ({length} tegn; høyst {limit}). Teksten er kortet ned til {limit} tegn – "
        "se over før du sender."
    ),
    "case.error.unknown_value": "Velg et av alternativene i listen.",
    "case.error.not_text": "Ugyldig verdi. Fyll ut feltet på nytt.",
    "case.error.anchored_required": "Saken må være avklart med nærmeste leder før den meldes inn.",
    "case.error.proposal_required": "Beslutningssaker må ha forslag til vedtak.",
    "case.error.unknown_meeting": "Dette møtet finnes ikke. Velg et møte i listen.",
    "case.error.meeting_closed": "Møtet er avholdt eller avlyst. Velg et annet møte.",
    "case.error.too_many_links": "For mange vedlegg ({length} lenker; høyst {limit}).",
    "case.error.link_not_https": (
        "Lenke nr. {line} må være en nettadresse som begynner med https://"
    ),
    "case.error.link_too_long": "Lenke nr. {line} er for lang ({length} tegn; høyst {limit}).",
    "case.error.route_needs_ssu": (
        "Saken har større økonomiske/administrative konsekvenser og må besluttes i SSU."
    ),
    "case.error.minutes_range": "Oppgi tiden som et helt antall minutter fra 1 til {limit}.",
    "case.status.submitted": "Innmeldt",
    "case.status.triaged": "Vurdert av sekretariatet",
    "case.status.scheduled": "Satt på saksliste",
    "case.status.treated": "Behandlet i møte",
    "case.status.decided": "Vedtatt",
    "case.status.closed": "Avsluttet",
    "case.route.au": "Ferdigbehandles i arbeidsutvalget (AU); SSU får saken til orientering",
    "case.route.au_line": (
        "Ferdigstilles i arbeidsutvalget i samarbeid med etablerte styringslinjer; SSU får saken "
        "til orientering"
    ),
    "case.route.ssu": "Besluttes i Strategisk samarbeidsutvalg (SSU)",
    "case.section.decision": "Beslutningssaker",
    "case.section.theme": "Temasaker",
    "case.section.report": "Referatsaker",
    "case.section.other": "Eventuelt",
    "case.fact.number": "Saksnummer",
    "case.fact.title": "Tittel",
    "case.fact.submitter": "Innmeldt av",
    "case.fact.org": "Virksomhet",
    "case.fact.anchored_with": "Avklart med",
    "case.fact.type": "Type sak",
    "case.fact.impact": "Økonomiske/administrative konsekvenser",
    "case.fact.meeting": "Møte",
    "case.fact.requested_meeting": "Ønsket møte",
    "case.fact.status": "Status",
    "case.fact.route": "Saksgang",
    "case.fact.section": "Del av sakslisten",
    "case.fact.minutes": "Tid i møtet",
    "case.fact.attachments": "Vedlegg",
    "case.minutes": "{minutes} min",
    "case.triage.title": "Ny sak til vurdering – sak {number}",
    "case.triage.intro": (
        "Vurder videre saksgang etter samarbeidsprosedyren punkt 1.3. Saker som ferdigbehandles "
        "i AU, legges fram for SSU til orientering."
    ),
    "case.triage.forced_ssu": (
        "Større økonomiske/administrative konsekvenser: saken skal besluttes i SSU."
    ),
    "case.triage.field.route": "Saksgang",
    "case.triage.field.meeting": "Møte",
    "case.triage.field.section": "Del av sakslisten",
    "case.triage.field.minutes": "Tid i møtet (minutter)",
    "case.triage.field.minutes.help": "Et helt tall fra 1 til {limit}.",
    "case.triage.action": "Lagre vurderingen",
    "case.triage.done": "Sak {number} er vurdert",
    "case.triage.unchanged": "Vurderingen var allerede lagret. Ingenting ble endret.",
    "case.triage.errors": "Vurderingen er ikke lagret. Rett opp feltene som er merket.",
    "case.refused.not_allowed": (
        "Bare sekretariatet kan vurdere innmeldte saker. Ingenting ble endret."
    ),
    "case.refused.not_found": "Fant ikke saken. Ingenting ble endret.",
    "case.refused.wrong_state": (
        "Saken er allerede satt på en saksliste eller ferdigbehandlet og kan ikke vurderes på "
        "nytt her. Ingenting ble endret."
    ),
    "case.refused.invalid": "Saken er ikke sendt inn. Ingenting ble lagret.",
    "case.mine.title": "Mine saker",
    "case.mine.empty": (
        "Du har ikke meldt inn noen saker ennå. Skriv «meld inn sak» for å melde inn en."
    ),
    "case.mine.case": "Sak {number}: {title}",
    "case.notice.status": "Sak {number} «{title}» har fått ny status: {status}.",
    "case.notice.updated": "Sekretariatet har endret sak {number} «{title}». Status: {status}.",
    "case.notice.section": "Del av sakslisten: {section}.",
    "case.notice.route": "Saksgang: {route}.",
    "case.notice.meeting": "Møte: {meeting}.",
    "case.notice.triage": "Ny sak til vurdering: sak {number} «{title}».",
    # --- end cases ---
    # --- self-evaluation (bot/teams/evaluation.py, cards/evaluation.py) ---
    "evaluation.poll.title": "Egenevaluering etter møtet",
    "evaluation.poll.intro": (
        "Gi hver påstand en verdi fra 1 (helt uenig) til 5 (helt enig). Svaret er anonymt: det "
        "lagres uten kobling til deg, og resultatene vises først når evalueringen er avsluttet – "
        "og bare hvis minst {min} har svart."
    ),
    "evaluation.poll.scale.1": "1 – Helt uenig",
    "evaluation.poll.scale.2": "2 – Uenig",
    "evaluation.poll.scale.3": "3 – Verken enig eller uenig",
    "evaluation.poll.scale.4": "4 – Enig",
    "evaluation.poll.scale.5": "5 – Helt enig",
    "evaluation.poll.comment_hint": "Valgfritt, høyst {limit} tegn",
    "evaluation.poll.submit": "Send svar",
    "evaluation.poll.change": "Endre svaret",
    "evaluation.poll.saved": (
        "Takk! Svaret ditt er lagret anonymt. Du kan endre det i dette kortet til evalueringen "
        "avsluttes."
    ),
    "evaluation.poll.changed": (
        "Svaret ditt er endret. Du kan endre det igjen i dette kortet til evalueringen avsluttes."
    ),
    "evaluation.poll.errors": "Svaret er ikke lagret. Rett opp feltene som er merket.",
    "evaluation.poll.open_for_you": "Evalueringen av dette møtet er åpen, og du kan svare her.",
    "evaluation.problem.rating_missing": "Velg en verdi fra 1 til 5.",
    "evaluation.problem.rating_invalid": "Velg en verdi fra 1 til 5.",
    "evaluation.problem.comment_too_long": "Kommentaren kan være høyst {limit} tegn.",
    "evaluation.start.title": "Start egenevaluering",
    "evaluation.start.intro": (
        "Spørreskjemaet sendes personlig til medlemmene som var til stede, og legges ut i "
        "møtechatten når jeg er lagt til der. Svarene er anonyme, og resultatene vises når du "
        "avslutter evalueringen."
    ),
    "evaluation.status.title": "Egenevaluering",
    "evaluation.label.state": "Status",
    "evaluation.label.answers": "Svar",
    "evaluation.label.opened": "Startet",
    "evaluation.label.closed": "Avsluttet",
    "evaluation.state.open": "Åpen for svar",
    "evaluation.state.closed": "Avsluttet",
    "evaluation.count": "{answered} av {eligible}",
    "evaluation.when": "{date} kl. {time}",
    "evaluation.opened.notice": (
        "Evalueringen er startet. Spørreskjemaet er sendt personlig til {count} som var til stede."
    ),
    "evaluation.opened.chat": "Det er også lagt ut i møtechatten.",
    "evaluation.opened.already": (
        "Evalueringen av dette møtet var allerede startet. Ingenting ble sendt på nytt."
    ),
    "evaluation.status.hidden": "Resultatene vises når evalueringen er avsluttet.",
    "evaluation.status.you_answered": (
        "Du har svart. Resultatene vises når evalueringen er avsluttet."
    ),
    "evaluation.action.start": "Start evalueringen",
    "evaluation.action.close": "Avslutt og vis resultater",
    "evaluation.action.refresh": "Oppdater",
    "evaluation.action.results": "Vis resultater",
    "evaluation.action.csv": "Eksporter CSV",
    "evaluation.results.title": "Egenevaluering – resultater",
    "evaluation.results.count": "{answered} av {eligible} som var til stede, svarte.",
    "evaluation.results.too_few": (
        "Færre enn {min} svarte ({answered}). For å verne anonymiteten vises ingen resultater fra "
        "denne evalueringen."
    ),
    "evaluation.results.mean": "Snitt {mean}",
    "evaluation.results.distribution": "Fordeling (1–5): {distribution}",
    "evaluation.results.trend": "Utvikling over møtene",
    "evaluation.results.trend_title": "Snitt per påstand",
    "evaluation.results.trend_axis": "Snitt (1–5)",
    "evaluation.results.trend_alt": (
        "Linjediagram: snitt per påstand for de siste evaluerte møtene, {meetings} møter."
    ),
    "evaluation.results.trend_later": (
        "Utviklingen vises når flere møter er evaluert med de samme påstandene."
    ),
    "evaluation.results.trend_left_out": "Diagrammet fikk ikke plass i kortet.",
    "evaluation.results.comments": "Svar på «{question}» (i tilfeldig rekkefølge)",
    "evaluation.results.no_comments": "Ingen skrev noe her.",
    "evaluation.results.shortened": "Noen svar er forkortet for å få plass i kortet.",
    "evaluation.refused.title": "Egenevaluering",
    "evaluation.refused.not_known": (
        "Jeg finner deg ikke i medlemslisten til SSU. Ingenting ble lagret."
    ),
    "evaluation.refused.not_allowed": (
        "Bare leder, nestleder og sekretariatet kan starte og avslutte egenevalueringen, og bare "
        "sekretariatet kan eksportere den. Ingenting ble endret."
    ),
    "evaluation.refused.not_found": "Fant ikke denne evalueringen. Ingenting ble lagret.",
    "evaluation.refused.no_meeting": "Fant ikke noe SSU-møte å evaluere. Ingenting ble startet.",
    "evaluation.refused.not_evaluated": (
        "Bare SSU-møter og strategisamlingen evalueres. Ingenting ble startet."
    ),
    "evaluation.refused.not_started": (
        "Møtet har ikke begynt ennå; evalueringen kan startes etter møtet. Ingenting ble startet."
    ),
    "evaluation.refused.cancelled": "Møtet er avlyst. Ingenting ble startet.",
    "evaluation.refused.nobody_present": (
        "Ingen medlemmer er registrert til stede på møtet. Ingenting ble startet."
    ),
    "evaluation.refused.wrong_meeting": (
        "Dette kortet hører til et annet møte enn evalueringen. Ingenting ble lagret."
    ),
    "evaluation.refused.closed": "Evalueringen er avsluttet. Ingenting ble lagret eller endret.",
    "evaluation.refused.still_open": (
        "Evalueringen er fortsatt åpen. Resultatene vises når den er avsluttet."
    ),
    "evaluation.refused.not_eligible": (
        "Bare medlemmene som var til stede på møtet, kan svare på evalueringen. Ingenting ble "
        "lagret."
    ),
    "evaluation.refused.already_answered": (
        "Du har allerede svart. Svaret kan bare endres i kortet der du svarte (det som sier "
        "«Takk!»), fordi svaret ikke er koblet til deg. Ingenting ble lagret."
    ),
    "evaluation.refused.invalid": "Svaret er ikke lagret. Rett opp feltene som er merket.",
    "evaluation.none": "Det er ingen egenevaluering ennå.",
    "evaluation.csv.intro": (
        "Egenevalueringene som CSV: avsluttede evalueringer, aggregert per møte og påstand, uten "
        "enkeltsvar eller kommentarer. Kopier teksten og lagre den som en .csv-fil."
    ),
    "evaluation.csv.empty": "Det er ingen avsluttede evalueringer å eksportere ennå.",
    "evaluation.csv.header": (
        "møtedato,organ,evaluering,til_stede,svarte,påstand_nr,påstand,snitt,"
        "antall_1,antall_2,antall_3,antall_4,antall_5"
    ),
    # --- end self-evaluation ---
    # --- attendance (bot/services/attendance.py, cards/attendance.py, bot/teams/attendance.py) ---
    "attendance.title": "Oppmøte",
    "attendance.at": "kl. {time}",
    "attendance.started": "Møtet startet {at}.",
    "attendance.ended": "Møtet ble avsluttet {at}.",
    "attendance.not_started": "Møtet er ikke åpnet ennå. Innsjekkingen åpner når møtet starter.",
    "attendance.quorum.yes": "Vedtaksført",
    "attendance.quorum.no": "Ikke vedtaksført",
    "attendance.quorum.count": (
        "{present} av {total} medlemmer er til stede, medregnet personlige vararepresentanter "
        "(mer enn halvparten, minst {required}, må være til stede)."
    ),
    "attendance.quorum.notice": (
        "Innkallingen har ikke nådd alle medlemmene ({count} mangler). Utvalget kan ikke treffe "
        "beslutninger før alle er gitt anledning til å delta."
    ),
    "attendance.quorum.na": "Dialogmøter treffer ikke beslutninger, så vedtaksførhet gjelder ikke.",
    "attendance.section.members": "Medlemmer",
    "attendance.section.deputies": "Personlige vararepresentanter",
    "attendance.section.observers": "Observatører (har møte- og talerett, teller ikke med)",
    "attendance.section.guests": "Deltakere",
    "attendance.status.present": "til stede",
    "attendance.status.absent": "forfall",
    "attendance.status.called_in": "kalt inn",
    "attendance.status.none": "ikke registrert",
    "attendance.line": "{name} – {status}",
    "attendance.line.by_deputy": "{name} – forfall; vararepresentant {deputy} møter i stedet",
    "attendance.line.deputy": "{name}, vara for {member} – {status}",
    "attendance.choice.deputy": "{name} (vara for {member})",
    "attendance.me.checked_in": "Du er sjekket inn.",
    "attendance.action.check_in": "Sjekk inn",
    "attendance.action.refresh": "Oppdater",
    "attendance.action.close": "Avslutt møtet",
    "attendance.correct.title": "Rett oppmøtet (sekretariatet)",
    "attendance.correct.person": "Person",
    "attendance.correct.person_missing": "Velg hvem du vil rette oppmøtet for.",
    "attendance.correct.status": "Oppmøte",
    "attendance.correct.status_missing": "Velg til stede eller forfall.",
    "attendance.correct.save": "Lagre rettelsen",
    "attendance.correct.saved": "Oppmøtet er rettet.",
    "attendance.check_in.done": "Du er sjekket inn.",
    "attendance.check_in.again": "Du var allerede sjekket inn. Ingenting ble endret.",
    "attendance.unchanged": "Det var allerede registrert slik. Ingenting ble endret.",
    "attendance.refused.title": "Ingenting ble endret",
    "attendance.refused.not_known": (
        "Jeg finner deg ikke i medlemslisten. Ta kontakt med sekretariatet. Ingenting ble endret."
    ),
    "attendance.refused.not_member": (
        "Du har ikke et sete i utvalget som møtes, så du kan ikke melde forfall her. "
        "Ingenting ble endret."
    ),
    "attendance.refused.no_meeting": (
        "Det er ikke satt opp noe kommende møte der du har et sete. Ingenting ble endret."
    ),
    "attendance.refused.not_found": "Fant ikke møtet. Ingenting ble endret.",
    "attendance.refused.meeting_closed": (
        "Møtet er avlyst, avsluttet eller allerede avholdt. Ingenting ble endret."
    ),
    "attendance.refused.already_reported": (
        "Du har allerede meldt forfall til dette møtet. Ingenting ble endret."
    ),
    "attendance.refused.not_allowed": (
        "Du har ikke tilgang til dette: bare møteleder og sekretariatet åpner og avslutter møter, "
        "og bare sekretariatet retter oppmøtet. Ingenting ble endret."
    ),
    "attendance.refused.not_started": (
        "Møtet er ikke åpnet ennå. Du kan sjekke inn når møtet har startet. Ingenting ble endret."
    ),
    "attendance.refused.not_participant": (
        "Du er ikke kalt inn til dette møtet, så du kan ikke sjekke inn. Ingenting ble endret."
    ),
    "attendance.refused.invalid": "Ukjent person eller oppmøte. Ingenting ble endret.",
    "attendance.absence.title": "Forfall er registrert",
    "attendance.absence.deputy": (
        "Din personlige vararepresentant {name} er kalt inn og får beskjed med møteinformasjonen."
    ),
    "attendance.absence.calendar": "{name} er lagt til i kalenderinvitasjonen.",
    "attendance.absence.secretariat": "Sekretariatet er varslet.",
    "attendance.absence.no_deputy": (
        "Du har ingen personlig vararepresentant registrert. Sekretariatet er varslet."
    ),
    "attendance.absence.withdrawn": (
        "Det er registrert at du ikke kan stille som vararepresentant. Sekretariatet er varslet."
    ),
    "attendance.deputy.title": "Du er kalt inn som vararepresentant",
    "attendance.deputy.text": (
        "{member} kan ikke stille på {meeting} ({date}, {time}). Du er kalt inn som personlig "
        "vararepresentant og tar plassen i møtet."
    ),
    "attendance.deputy.documents": (
        "Innkallingen med saksdokumentene sendes til deg. Skriv «kan ikke stille» hvis du heller "
        "ikke kan møte."
    ),
    "attendance.secretariat.absence": (
        "{member} har meldt forfall til {meeting}. Personlig vararepresentant {deputy} er kalt inn."
    ),
    "attendance.secretariat.absence_no_deputy": (
        "{member} har meldt forfall til {meeting}. Det er ingen personlig vararepresentant "
        "registrert."
    ),
    "attendance.secretariat.deputy_absent": (
        "{deputy}, personlig vararepresentant for {member}, kan heller ikke stille på {meeting}."
    ),
    "attendance.open.title": "Åpne møte",
    "attendance.open.intro": (
        "Velg møtet som starter nå. Møtet registreres som startet, chatten her blir møtets chat, "
        "og oppmøtekortet vises."
    ),
    "attendance.open.none": "Det er ingen møter i dag som du kan åpne.",
    "attendance.open.action": "Åpne møtet",
    "attendance.opened": "Møtet er åpnet. Deltakerne sjekker inn med knappen under.",
    "attendance.close.title": "Avslutt møte",
    "attendance.close.confirm": (
        "Vil du avslutte {meeting}? Møtet registreres som avsluttet nå og som avholdt når "
        "innkallingen er publisert."
    ),
    "attendance.close.none": "Det er ikke noe åpent møte knyttet til denne chatten.",
    "attendance.closed.held": "Møtet er avsluttet og registrert som avholdt.",
    "attendance.closed.not_held": (
        "Møtet er avsluttet, men kan ikke registreres som avholdt før innkallingen er publisert."
    ),
    "attendance.closed.already": "Møtet var allerede avsluttet.",
    "attendance.event.not_linked": (
        "Dette Teams-møtet er ikke knyttet til et møte jeg kjenner. Møteleder eller sekretariatet "
        "kan skrive «åpne møte» her for å knytte det til."
    ),
    # --- end attendance ---
    # --- reminder engine (bot/services/reminders.py, cards/reminders.py, ssu-bot reminders) ---
    "reminder.kind.case_submission": "saksfrist",
    "reminder.kind.notice": "innkalling",
    "reminder.kind.meeting": "møte",
    "reminder.kind.evaluation": "evaluering",
    "reminder.kind.protocol": "protokoll",
    "reminder.kind.signature": "signering",
    "reminder.kind.budget": "mål og budsjett",
    "reminder.title.case_submission": "Frist for å melde inn saker",
    "reminder.title.notice": "Innkallingen skal ut",
    "reminder.title.meeting": "Påminnelse om møte",
    "reminder.title.evaluation": "Hvordan var møtet?",
    "reminder.title.protocol": "Protokollen skal være klar",
    "reminder.title.signature": "Protokollen venter på signaturen din",
    "reminder.title.budget": "Mål og budsjett for neste år",
    "reminder.body.case_submission": (
        "Saker til {meeting} må meldes inn innen {deadline}. Avklar saken med din nærmeste leder "
        "først, og bruk sekretariatets mal."
    ),
    "reminder.body.notice": (
        "Innkallingen til {meeting}, med alle saksdokumenter, skal publiseres innen {deadline}."
    ),
    "reminder.body.meeting": (
        "Du er kalt inn til {meeting}. Kan du ikke stille, meld forfall nå, så får din personlige "
        "vararepresentant innkallingen."
    ),
    "reminder.body.evaluation": (
        "Du har ikke svart på evalueringen av {meeting} ennå. Svarene er anonyme, og det tar bare "
        "et par minutter."
    ),
    "reminder.body.protocol": (
        "Protokollen fra {meeting} skal være tilgjengelig for medlemmene innen {deadline}."
    ),
    "reminder.body.signature": (
        "Protokollen fra {meeting} er publisert og venter på signaturen din."
    ),
    "reminder.body.budget": "Mål og budsjett for neste år skal være klare innen {deadline}.",
    "reminder.hint.case_submission": "Du kan også skrive «meld inn sak».",
    "reminder.hint.notice": "Skriv «neste møte» for tid, sted og frister.",
    "reminder.hint.meeting": "Du kan også skrive «kan ikke stille».",
    "reminder.hint.evaluation": "Skriv «evaluering» for å svare.",
    "reminder.label.deadline": "Frist",
    "reminder.label.teams": "Teams-møte",
    "reminder.action.case_new": "Meld inn sak",
    "reminder.action.absence": "Meld forfall",
    "reminder.action.sign": "Signer protokollen",
    "reminder.action.notice": "Se over og publiser innkallingen",
    "reminder.action.protocol": "Åpne protokollutkastet",
    "reminder.action.evaluation": "Svar på evalueringen",
    "reminder.hint.budget": (
        "Mål og budsjett lages utenfor boten, så her er ingen knapp: send forslaget til "
        "sekretariatet slik dere pleier."
    ),
    "reminder.footer.optional": "Du kan skru av påminnelser ved å skrive «påminnelser av».",
    "reminder.footer.mandatory": (
        "Dette er en av sekretariatets egne frister, så den kommer selv om påminnelser er "
        "skrudd av."
    ),
    "reminder.summary.case_submission": "Påminnelse: saker til {what} meldes inn innen {deadline}.",
    "reminder.summary.notice": "Påminnelse: innkallingen til {what} skal ut innen {deadline}.",
    "reminder.summary.meeting": "Påminnelse: {what} begynner {deadline}.",
    "reminder.summary.evaluation": "Påminnelse: svar på evalueringen av {what}.",
    "reminder.summary.protocol": (
        "Påminnelse: protokollen fra {what} skal være klar innen {deadline}."
    ),
    "reminder.summary.signature": "Påminnelse: protokollen fra {what} venter på signaturen din.",
    "reminder.summary.budget": (
        "Påminnelse: mål og budsjett for neste år skal være klare innen {deadline}."
    ),
    "cli.reminders.heading": "Påminnelser {date} – {count} (tider i Europe/Oslo)",
    "cli.reminders.none": "Ingen påminnelser denne dagen.",
    "cli.reminders.col.time": "Kl.",
    "cli.reminders.col.kind": "Type",
    "cli.reminders.col.subject": "Gjelder",
    "cli.reminders.col.deadline": "Frist",
    "cli.reminders.col.recipients": "Mottakere",
    "cli.reminders.col.sent": "Sendt",
    "cli.reminders.yes": "ja",
    "cli.reminders.no": "nei",
    # --- end reminder engine ---
    # --- consensus (bot/services/consensus.py, cards/consensus.py, bot/teams/consensus.py) ---
    "consensus.title": "Konsensus",
    "consensus.case": "Sak {label} {title}",
    "consensus.deputy_for": "{name} (vara for {member})",
    "consensus.position.agree": "Støtter forslaget",
    "consensus.position.object": "Har innvendinger",
    "consensus.position.abstain": "Avstår",
    "consensus.open": "Runden er åpen (startet {at}).",
    "consensus.chair": "Møteleder: {name}.",
    "consensus.closed": "Runden ble avsluttet {at}.",
    "consensus.proposal": "Forslag til vedtak",
    "consensus.decision": "Vedtak",
    "consensus.amended": "Møteleder har endret forslaget fra saksdokumentet.",
    "consensus.major": (
        "Saken har vesentlige økonomiske konsekvenser: bare de administrative representantene "
        "(helseregioner/kommuner og SI/divisjoner) har beslutningsrett."
    ),
    "consensus.quorum.na": "Beslutningsdyktighet kan ikke vurderes for dette møtet.",
    "consensus.quorum.yes": (
        "Beslutningsdyktig: {present} av {total} til stede (minst {required} kreves)."
    ),
    "consensus.quorum.no": (
        "Ikke beslutningsdyktig: {present} av {total} til stede (minst {required} kreves), "
        "eller innkallingen har ikke nådd alle medlemmene."
    ),
    "consensus.tally": (
        "Støtter: {agree} · Har innvendinger: {object} · Avstår: {abstain} · Ikke svart: {pending}"
    ),
    "consensus.for": "Støtter forslaget: {names}",
    "consensus.against": "Har innvendinger:",
    "consensus.abstaining": "Avstår: {names}",
    "consensus.outcome.consensus": "Konsensus",
    "consensus.outcome.no_consensus": "Ingen konsensus – videre dialog",
    "consensus.outcome.decided": "Vedtaket er fattet og saken er registrert som vedtatt.",
    "consensus.outcome.dialogue": (
        "Partene søker videre dialog. Protokollen viser hvem som sto for og hvem som sto mot."
    ),
    "consensus.outcome.no_quorum": "Møtet var ikke beslutningsdyktig da runden ble avsluttet.",
    "consensus.would_be.consensus": "Avsluttes runden nå, blir utfallet: konsensus.",
    "consensus.would_be.no_consensus": (
        "Avsluttes runden nå, blir utfallet: ingen konsensus – videre dialog."
    ),
    "consensus.inputs.title": "Innspill fra observatører (telles ikke med)",
    "consensus.form.title": "Ditt svar",
    "consensus.form.mine": "Du har svart: {position}. Du kan endre svaret til runden avsluttes.",
    "consensus.form.position": "Hva er ditt standpunkt til forslaget?",
    "consensus.form.reason": "Begrunnelse (må fylles ut ved innvendinger)",
    "consensus.form.reason_hint": "Hva er innvendingen, og hva skal til for at du kan støtte?",
    "consensus.form.send": "Send svar",
    "consensus.form.change": "Endre svar",
    "consensus.input.title": "Ditt innspill",
    "consensus.input.intro": (
        "Observatører har talerett, men ikke stemmerett: innspillet protokollføres for seg."
    ),
    "consensus.input.label": "Innspill",
    "consensus.input.send": "Send innspill",
    "consensus.not_eligible": "Du har ikke beslutningsrett i denne saken, men følger runden her.",
    "consensus.close.action": "Avslutt runden …",
    "consensus.close.confirm": (
        "Vil du avslutte runden? Utfallet blir: {outcome}. Svarene kan ikke endres etterpå."
    ),
    "consensus.close.confirm_action": "Avslutt runden",
    "consensus.refresh": "Oppdater",
    "consensus.saved": "Svaret ditt er registrert.",
    "consensus.unchanged": "Svaret ditt var allerede registrert slik.",
    "consensus.input_saved": "Innspillet ditt er registrert.",
    "consensus.closed_banner": "Runden er avsluttet.",
    "consensus.start.title": "Konsensusrunde",
    "consensus.start.intro": "Velg beslutningssaken du vil legge fram for konsensus.",
    "consensus.start.none": "Møtet har ingen beslutningssaker som kan legges fram.",
    "consensus.start.prepare": "Forbered runde",
    "consensus.start.running": "En runde pågår.",
    "consensus.start.decided": "Vedtatt.",
    "consensus.prepare.title": "Start konsensusrunde",
    "consensus.prepare.intro": (
        "Forslaget til vedtak fra saksdokumentet står under. Du kan endre teksten før runden "
        "starter; medlemmene tar stilling til teksten slik den er når du starter."
    ),
    "consensus.prepare.label": "Forslag til vedtak",
    "consensus.prepare.start": "Start runden",
    "consensus.started.title": "Konsensusrunden er startet",
    "consensus.started.body": (
        "Kortet med forslaget er lagt ut i chatten. {count} medlemmer til stede kan svare nå."
    ),
    "consensus.error.required": "Feltet må fylles ut.",
    "consensus.error.too_long": "Teksten er for lang (høyst {limit} tegn).",
    "consensus.error.not_text": "Ugyldig verdi.",
    "consensus.error.position_required": (
        "Velg om du støtter forslaget, har innvendinger eller avstår."
    ),
    "consensus.error.unknown_value": "Ukjent valg.",
    "consensus.error.reason_required": "Skriv hva innvendingen din er.",
    "consensus.refused.not_known": ("Jeg finner deg ikke i medlemslisten. Ingenting ble endret."),
    "consensus.refused.not_found": "Jeg finner ikke saken eller runden. Ingenting ble endret.",
    "consensus.refused.not_chair": (
        "Bare møteleder (leder, eller nestleder når leder er fraværende) kan starte og avslutte "
        "en konsensusrunde. Ingenting ble endret."
    ),
    "consensus.refused.no_meeting": (
        "Denne chatten er ikke knyttet til et møte som fatter vedtak. Møteleder kan skrive "
        "«åpne møte» i møtets chat først. Ingenting ble endret."
    ),
    "consensus.refused.meeting_not_open": (
        "Møtet er ikke åpnet, eller det er avsluttet. Ingenting ble endret."
    ),
    "consensus.refused.not_decision_case": (
        "Dette er ikke en beslutningssak. Ingenting ble endret."
    ),
    "consensus.refused.wrong_state": (
        "Saken er allerede vedtatt eller avsluttet. Ingenting ble endret."
    ),
    "consensus.refused.already_open": (
        "Det pågår allerede en runde for denne saken. Ingenting ble endret."
    ),
    "consensus.refused.wrong_meeting": (
        "Runden hører til et annet møte enn denne chatten. Ingenting ble endret."
    ),
    "consensus.refused.round_closed": (
        "Runden er avsluttet, og svarene kan ikke endres. Ingenting ble endret."
    ),
    "consensus.refused.not_present": (
        "Du er ikke registrert til stede på møtet i et sete med beslutningsrett. Sjekk inn på "
        "oppmøtekortet først. Ingenting ble endret."
    ),
    "consensus.refused.not_eligible": (
        "Du har ikke beslutningsrett i denne saken. Ingenting ble endret."
    ),
    "consensus.refused.not_observer": (
        "Bare observatører kan gi innspill her; medlemmer gir begrunnelsen sammen med svaret. "
        "Ingenting ble endret."
    ),
    "consensus.refused.invalid": "Noe mangler eller er feil. Ingenting ble endret.",
    # --- end consensus ---
    # --- protocol ---
    "protocol.fact.meeting": "Møte",
    "protocol.fact.when": "Tid",
    "protocol.fact.version": "Versjon",
    "protocol.fact.hash": "SHA-256",
    "protocol.fact.deadline": "Frist",
    "protocol.fact.late": "Publisert",
    "protocol.late": "etter fristen",
    "protocol.signed_at": "signert {at}",
    "protocol.unsigned": "ikke signert",
    "protocol.slot.leader": "Leder",
    "protocol.slot.deputy_leader": "Nestleder",
    "protocol.draft.title": "Protokoll – utkast",
    "protocol.draft.saved": "Lagret som ny versjon.",
    "protocol.draft.save": "Lagre saken",
    "protocol.field.treated": "Hva ble behandlet",
    "protocol.field.process": "Prosessen fram til vedtaket",
    "protocol.field.decision": "Vedtak",
    "protocol.no_cases": "Ingen saker på dette møtet.",
    "protocol.publish": "Publiser protokollen",
    "protocol.open_document": "Åpne dokumentet",
    "protocol.signed.title": "Protokollen er signert",
    "protocol.published.title": "Protokoll",
    "protocol.published.notice": (
        "Protokollen er publisert og sendt til medlemmene. Leder og nestleder er bedt om å signere."
    ),
    "protocol.sign.title": "Protokoll til signering",
    "protocol.sign.intro": (
        "Les protokollen. Signaturen gjelder nøyaktig denne versjonen (SHA-256 under)."
    ),
    "protocol.sign.button": "Signer",
    "protocol.sign.done": "Signaturen er registrert.",
    "protocol.sign.final": (
        "Signaturen er registrert. Protokollen er ferdig signert og arkivert i portalen."
    ),
    "protocol.return.label": "Kommentar til sekretariatet (for å sende tilbake)",
    "protocol.return.button": "Send tilbake",
    "protocol.return.done": "Sendt tilbake til sekretariatet med kommentaren din.",
    "protocol.to_sign.title": "Protokoller til signering",
    "protocol.to_sign.none": "Ingen protokoller venter på signaturen din.",
    "protocol.candidates.title": "Protokoller",
    "protocol.candidates.none": "Ingen avholdte møter mangler signert protokoll.",
    "protocol.refused.title": "Protokoll",
    "protocol.refused.not_known": "Du er ikke registrert i SSU. Ingenting ble endret.",
    "protocol.refused.not_allowed": "Bare sekretariatet kan gjøre dette. Ingenting ble endret.",
    "protocol.refused.not_found": "Fant ikke protokollen eller møtet. Ingenting ble endret.",
    "protocol.refused.meeting_not_held": "Møtet er ikke avholdt ennå. Ingenting ble endret.",
    "protocol.refused.already_published": (
        "Protokollen er allerede publisert. Ingenting ble endret."
    ),
    "protocol.refused.not_published": (
        "Protokollen er ikke publisert ennå og kan ikke signeres. Ingenting ble endret."
    ),
    "protocol.refused.final": (
        "Protokollen er ferdig signert og kan ikke endres. Ingenting ble endret."
    ),
    "protocol.refused.not_signer": (
        "Bare leder og nestleder (eller personlig vara for en av dem som hadde forfall) kan "
        "signere. Ingenting ble endret."
    ),
    "protocol.refused.not_authenticated": (
        "Teams oppga ikke identiteten din, så signaturen kan ikke registreres. Ingenting ble "
        "endret."
    ),
    "protocol.refused.old_version": (
        "Protokollen er endret etter at dette kortet ble sendt. Signer den nye versjonen. "
        "Ingenting ble endret."
    ),
    "protocol.refused.already_signed": (
        "Du har allerede signert denne versjonen. Ingenting ble endret."
    ),
    "protocol.refused.invalid": "Noe mangler eller er feil. Ingenting ble endret.",
    "protocol.refused.changed_meanwhile": (
        "Protokollen ble endret i mellomtiden. Åpne den på nytt. Ingenting ble endret."
    ),
    "protocol.refused.storage_failed": (
        "Dokumentet kunne ikke lagres i portalen. Prøv igjen senere. Ingenting ble endret."
    ),
    "protocol.problem.not_found": "Saken finnes ikke i protokollen.",
    "protocol.problem.too_long": "Teksten er for lang.",
    "protocol.problem.invalid": "Ugyldig verdi.",
    "protocol.problem.required": "Skriv en kommentar (minst 5 tegn).",
    "protocol.msg.sign": "Protokollen fra møtet {when} venter på signaturen din.",
    "protocol.msg.returned": "{who} sendte protokollen fra møtet {when} tilbake: {comment}",
    "protocol.msg.signed": "Protokollen fra møtet {when} er signert og arkivert.",
    "protocol.msg.published": "Protokollen fra møtet {when} er publisert.",
    # --- end protocol ---
    # --- meeting changes told to the invitees (bot/services/meetings.py) ---
    "meeting.changed.moved": (
        "{title} er flyttet fra {before} til {when}, {place}. Kalenderen din er oppdatert."
    ),
    "meeting.changed.online": "Teams",
    "meeting.changed.cancelled": "{title} {when} er avlyst. Begrunnelse: {reason}",
    # --- agenda and notice (bot/teams/agenda.py, cards/agenda.py, cards/notice.py) ---
    "agenda.title": "Saksliste",
    "agenda.fact.time": "Tid",
    "agenda.fact.form": "Møteform",
    "agenda.fact.place": "Sted",
    "agenda.fact.state": "Status",
    "agenda.fact.deadline": "Innkallingsfrist",
    "agenda.deadline.ahead": "{date} kl. {time}",
    "agenda.deadline.passed": "{date} kl. {time} (passert: kortere frist må begrunnes)",
    "agenda.fits": "Sakslisten bruker {total} av møtets {available} minutter.",
    "agenda.too_long": (
        "Sakslisten er {over} minutter for lang: {total} minutter planlagt, møtet varer "
        "{available} minutter. Kort ned, flytt saker eller forleng møtet."
    ),
    "agenda.missing_proposals": (
        "Disse beslutningssakene mangler forslag til vedtak: {cases}. Innkallingen kan ikke "
        "publiseres før de har det."
    ),
    "agenda.missing_proposal": "Mangler forslag til vedtak",
    "agenda.untriaged": "{count} innmeldte saker til dette møtet venter fortsatt på behandling.",
    "agenda.published.same": "Innkallingen er publisert (versjon {version}, {date}).",
    "agenda.published.changed": (
        "Endret siden versjon {version} ble publisert {date}: publiser på nytt for å sende "
        "en ny versjon."
    ),
    "agenda.part.decision": "Beslutningssaker",
    "agenda.part.theme": "Temasaker",
    "agenda.part.report": "Referatsaker",
    "agenda.part.other": "Eventuelt",
    "agenda.other.empty": "Ingen saker meldt til eventuelt.",
    "agenda.item.label": "Sak {label} {title}",
    "agenda.item.approval": "Godkjenning av innkalling og saksliste",
    "agenda.item.previous_minutes": "Godkjenning av referat fra forrige møte",
    "agenda.item.previous_minutes_of": "Godkjenning av referat fra møtet {date}",
    "agenda.item.lunch": "Pause og lunsj ca. {start}–{end}",
    "agenda.item.when": "kl. {time} · {minutes} min",
    "agenda.item.submitter": "Innmeldt av {org}",
    "agenda.no_lunch": "Ingen lunsjpause (sett minutter for å legge den inn)",
    "agenda.minutes.label": "Minutter",
    "agenda.move.up": "↑",
    "agenda.move.down": "↓",
    "agenda.move.up.tooltip": "Flytt saken opp",
    "agenda.move.down.tooltip": "Flytt saken ned",
    "agenda.action.save_minutes": "Lagre minutter",
    "agenda.action.preview": "Forhåndsvis innkalling",
    "agenda.action.refresh": "Oppdater",
    "agenda.chooser.label": "Annet møte",
    "agenda.chooser.show": "Vis sakslisten",
    "agenda.saved": "Lagret.",
    "agenda.no_meetings": "Det er ingen kommende møter å sette opp saksliste for.",
    "agenda.error.banner": "Noe må rettes før minuttene kan lagres. Ingenting ble endret.",
    "agenda.error.minutes_required": "Skriv antall minutter.",
    "agenda.error.minutes_not_number": "Skriv et helt tall.",
    "agenda.error.minutes_range": "Skriv et helt tall fra 1 til {limit}.",
    "agenda.error.lunch_range": "Skriv et helt tall fra 0 (ingen lunsj) til {limit}.",
    "agenda.error.unknown_item": "Denne saken står ikke på sakslisten.",
    "agenda.error.cannot_move": "Saken står allerede først eller sist i sin del av sakslisten.",
    "agenda.refused.not_allowed": (
        "Bare sekretariatet setter opp sakslisten (leder og nestleder kan se den og publisere "
        "innkallingen)."
    ),
    "agenda.refused.not_found": "Jeg finner ikke det møtet.",
    "agenda.refused.wrong_state": (
        "Møtet er avholdt eller avlyst; sakslisten kan ikke lenger endres."
    ),
    "agenda.refused.invalid": "Det du sendte, kunne jeg ikke bruke.",
    "agenda.refused.cannot_move": "Saken kan ikke flyttes dit.",
    "agenda.refused.nothing_changed": "Ingenting ble endret.",
    "notice.preview.title": "Innkalling – forhåndsvisning",
    "notice.preview.unchanged": (
        "Innkallingen er uendret siden versjon {version} ble publisert; det er ingenting nytt å "
        "publisere."
    ),
    "notice.preview.new_version": (
        "Publiseres som versjon {version} og erstatter versjon {previous}."
    ),
    "notice.preview.attachments": "Vedlegg: {count}. Saksgrunnlaget følger i dokumentet.",
    "notice.preview.late": (
        "Fristen for innkallingen var {date} kl. {time}. Innkallingen kan likevel sendes når "
        "presserende forhold tilsier kortere innkallingstid; skriv begrunnelsen (den lagres og "
        "står i innkallingen)."
    ),
    "notice.reason.label": "Begrunnelse for kortere innkallingstid",
    "notice.reason.placeholder": "For eksempel: hastesak om ...",
    "notice.action.publish": "Publiser innkalling",
    "notice.action.agenda": "Til sakslisten",
    "notice.action.preview": "Forhåndsvis innkallingen",
    "notice.action.open": "Åpne innkallingen",
    "notice.action.absence": "Meld forfall",
    "notice.more_items": "… og {count} saker til (se dokumentet).",
    "notice.published.title": "Innkallingen er publisert",
    "notice.published.late": "Publisert etter fristen; begrunnelsen er lagret og loggført.",
    "notice.published.no_calendar": (
        "Møtet har ingen kalenderoppføring, så sakslisten ble ikke lagt inn i kalenderen."
    ),
    "notice.fact.version": "Versjon",
    "notice.fact.recipients": "Sendt til personer",
    "notice.fact.channels": "Sendt til kanaler",
    "notice.fact.scheduled": "Saker satt opp til behandling",
    "notice.fact.reason": "Begrunnelse",
    "notice.card.kicker": "Innkalling",
    "notice.card.new_version": "Versjon {version}: erstatter tidligere innkalling.",
    "notice.card.deputy": (
        "Du er kalt inn som personlig vararepresentant og får innkallingen med saksdokumentene."
    ),
    "notice.card.late": "Innkallingen sendes med kortere frist enn normalt.",
    "notice.card.document": "Innkallingen med saksgrunnlag og vedlegg ligger i portalen.",
    "notice.card.summary": "Innkalling: {meeting} (versjon {version}).",
    "notice.error.reason_required": (
        "Fristen er passert: skriv en begrunnelse (minst {limit} tegn) for kortere innkallingstid."
    ),
    "notice.error.too_long": "Begrunnelsen er for lang ({length} tegn; høyst {limit}).",
    "notice.refused.title": "Innkallingen ble ikke publisert",
    "notice.refused.not_allowed": (
        "Bare sekretariatet, leder og nestleder kan publisere innkallingen."
    ),
    "notice.refused.not_found": "Jeg finner ikke det møtet.",
    "notice.refused.wrong_state": "Møtet er avholdt eller avlyst; innkallingen kan ikke sendes.",
    "notice.refused.meeting_started": "Møtet har allerede begynt.",
    "notice.refused.missing_proposals": (
        "Disse beslutningssakene mangler forslag til vedtak: {cases}."
    ),
    "notice.refused.reason_required": "Fristen er passert, og begrunnelsen mangler.",
    "notice.refused.unchanged": (
        "Innkallingen er uendret siden versjon {version}; den er ikke sendt på nytt."
    ),
    "notice.refused.changed_meanwhile": (
        "Sakslisten ble endret mens innkallingen ble laget. Se gjennom og publiser på nytt."
    ),
    "notice.refused.storage_failed": (
        "Dokumentet kunne ikke lagres i portalen. Prøv igjen om litt."
    ),
    "notice.refused.nothing_changed": "Ingenting ble endret.",
    # --- end agenda and notice ---
}
