"""English, for users whose Teams locale is English."""

MESSAGES: dict[str, str] = {
    "app.name": "SSU assistant",
    "error.apology": (
        "Sorry, something went wrong on my side. Nothing you sent is lost if you got a receipt; "
        "please try again shortly. (Reference: {ref})"
    ),
    "error.unknown_command": "I didn't understand that. Type “help” to see what I can do.",
    "error.wrong_tenant": "This assistant is only available to Helsefellesskap Innlandet.",
    "error.unknown_action": "I don't recognise this action. Nothing was changed.",
    "error.not_allowed": "You are not allowed to do this. Nothing was changed.",
    "error.unknown_person": (
        "I can't find you in the SSU roster. You can still submit a case; contact the "
        "secretariat if you should have a role in the committee."
    ),
    "error.too_long": "The message is too long ({length} characters; at most {limit}).",
    "error.stale_card": "This card is out of date. Type “help” to start again.",
    "welcome.title": "Welcome to the SSU assistant",
    "welcome.body": (
        "I help the Strategic Cooperation Committee (SSU) of Helsefellesskap Innlandet with "
        "cases, notices, meetings, minutes and reminders. Type “help” at any time."
    ),
    "help.title": "Help – what can I do for you?",
    "help.greeting": "Hi, {name}! You are registered as {roles}.",
    "help.greeting_unknown": (
        "Hi! I can't find you in the roster, but anyone may submit a case to SSU."
    ),
    "help.commands": "You can write to me:",
    "help.cmd.help": "show this overview",
    "help.cmd.submit_case": "submit a case to SSU on the secretariat's template",
    "help.cmd.my_cases": "see the cases you submitted and their status",
    "help.cmd.next_meeting": "time, place and deadlines of the next meeting",
    "help.cmd.meeting_plan": "the meeting plan for the year",
    "help.cmd.cannot_attend": "report absence; your personal deputy gets the notice",
    "help.cmd.reminders_off": "turn reminders off",
    "help.cmd.reminders_on": "turn reminders on",
    "help.cmd.language": "choose language (Norwegian or English)",
    "help.secretariat": (
        "As secretariat you can also: triage submitted cases, build the agenda, publish the "
        "notice, plan meetings and write the minutes."
    ),
    "help.leader": (
        "As leader or deputy leader you can also: chair the meeting, start consensus rounds and "
        "sign the minutes."
    ),
    "role.leader": "leader",
    "role.deputy_leader": "deputy leader",
    "role.member": "member",
    "role.personal_deputy": "personal deputy",
    "role.observer": "observer",
    "role.secretariat": "secretariat",
    "body.SSU": "SSU",
    "body.PA": "the partnership meeting",
    "body.AU": "the working committee",
    "body.SEK": "the secretariat",
    "roles.joiner": " and ",
    "language.title": "Choose language",
    "language.prompt": "Which language would you like me to use?",
    "language.label": "Language",
    "language.nb": "Norsk (bokmål)",
    "language.en": "English",
    "language.save": "Save",
    "language.saved": "OK, I will use English from now on.",
    "language.invalid": "Choose one of the languages in the list.",
}
