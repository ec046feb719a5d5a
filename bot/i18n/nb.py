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
    "help.secretariat": (
        "Som sekretariat kan du også: behandle innmeldte saker, lage saksliste, publisere "
        "innkalling, planlegge møter og skrive protokoll."
    ),
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
}
