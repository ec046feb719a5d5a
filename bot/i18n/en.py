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
    "help.button.submit_case": "Submit a case",
    "help.secretariat": (
        "As secretariat you can also: triage submitted cases, build the agenda, publish the "
        "notice, plan meetings and write the minutes."
    ),
    "help.phrase.open_close": (
        "open and close the meeting (in the meeting chat; Teams also does it when the meeting "
        "starts and ends)"
    ),
    "help.phrase.agenda": "the agenda of the next meeting, and the notice",
    "help.phrase.start_evaluation": "send the self-evaluation to those present",
    "help.phrase.evaluation_csv": "export the self-evaluations as CSV",
    "help.phrase.protocol": "draft, edit and publish the protocol",
    "help.phrase.consensus": "start a consensus round on a decision case (in the meeting chat)",
    "help.phrase.protocols_to_sign": "the protocols waiting for your signature",
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
    # --- meetings (bot/teams/meetings.py, cards/meetings.py) ---
    "meeting.fmt.date": "{weekday} {day} {month} {year}",
    "meeting.fmt.span": "{first} – {last}",
    "meeting.fmt.span_time": "{start} – {end}",
    "meeting.fmt.deadline": "{date} at {time}",
    "meeting.fmt.heading": "{name} {date}",
    "meeting.weekday.0": "Monday",
    "meeting.weekday.1": "Tuesday",
    "meeting.weekday.2": "Wednesday",
    "meeting.weekday.3": "Thursday",
    "meeting.weekday.4": "Friday",
    "meeting.weekday.5": "Saturday",
    "meeting.weekday.6": "Sunday",
    "meeting.month.1": "January",
    "meeting.month.2": "February",
    "meeting.month.3": "March",
    "meeting.month.4": "April",
    "meeting.month.5": "May",
    "meeting.month.6": "June",
    "meeting.month.7": "July",
    "meeting.month.8": "August",
    "meeting.month.9": "September",
    "meeting.month.10": "October",
    "meeting.month.11": "November",
    "meeting.month.12": "December",
    "meeting.body.SSU": "SSU meeting",
    "meeting.body.STRATEGY": "Strategy gathering",
    "meeting.body.PA": "Partnership meeting",
    "meeting.body.DIALOG": "Dialogue meeting",
    "meeting.body.AU": "Working committee meeting",
    "meeting.form.physical": "In person",
    "meeting.form.digital": "Online (Teams)",
    "meeting.form.hybrid": "Hybrid (in person and Teams)",
    "meeting.state.planned": "Planned",
    "meeting.state.notice_published": "Notice sent",
    "meeting.state.held": "Held",
    "meeting.state.protocol_published": "Minutes published",
    "meeting.state.protocol_signed": "Minutes signed",
    "meeting.state.cancelled": "Cancelled",
    "meeting.deadline.case_submission": "Deadline for submitting cases",
    "meeting.deadline.notice": "Notice goes out",
    "meeting.deadline.protocol": "Minutes ready",
    "meeting.label.body": "Kind of meeting",
    "meeting.label.date": "Date",
    "meeting.label.end_date": "End date (only if the meeting runs over several days)",
    "meeting.label.start": "Start time",
    "meeting.label.end": "End time",
    "meeting.label.time": "Time",
    "meeting.label.place": "Place",
    "meeting.label.location": "Place",
    "meeting.label.location_hint": "E.g. Fylkeshuset Lillehammer, Kirkegata 76",
    "meeting.label.form": "Format",
    "meeting.label.region": "Health region (for dialogue meetings)",
    "meeting.label.reason": "Reason (sent to everyone invited)",
    "meeting.place.teams": "Teams (the link is in the calendar invitation)",
    "meeting.place.teams_link": "Join the Teams meeting",
    "meeting.place.pending": "Teams link: waiting for the calendar",
    "meeting.place.calendar_failed": "Teams link: not ready (calendar error)",
    "meeting.place.none": "Not decided yet",
    "meeting.action.list": "Meeting plan {year}",
    "meeting.action.year": "{year}",
    "meeting.action.add": "Add meeting",
    "meeting.action.move": "Move",
    "meeting.action.cancel": "Cancel",
    "meeting.action.plan": "Propose meeting plan for {year}",
    "meeting.plan.title": "Proposed meeting plan {year}",
    "meeting.plan.intro": (
        "These are next year's meetings following the usual pattern. Change the date, time, place "
        "or format where needed, then approve. The meetings are created and invitations sent."
    ),
    "meeting.plan.busy_unavailable": (
        "I could not check whether the leader and deputy leader are free (no calendar access)."
    ),
    "meeting.plan.busy": "⚠ Busy in the calendar: {names}",
    "meeting.plan.free": "The leader and deputy leader are free.",
    "meeting.plan.moved_from": "Moved one week from {date} because of a public holiday.",
    "meeting.plan.created": "Created: {date}, {time} ({state})",
    "meeting.plan.deadlines": "Cases by {cases} · notice {notice} · minutes {protocol}",
    "meeting.plan.approve": "Approve the meeting plan ({count} meetings)",
    "meeting.plan.all_created": "All meetings for {year} have been created.",
    "meeting.applied.title": "The meeting plan for {year} is approved",
    "meeting.applied.created": "{count} meetings were created and the invitations are going out.",
    "meeting.applied.nothing_new": "All meetings existed already; nothing new was created.",
    "meeting.applied.existing": "{count} meetings existed already and were left unchanged.",
    "meeting.applied.past": "{count} of the meetings are already past and get no invitation.",
    "meeting.year.title": "Meeting plan {year}",
    "meeting.year.empty": "No meetings have been entered for {year} yet.",
    "meeting.year.cancelled": "Cancelled: {reason}",
    "meeting.next.title": "Next meeting",
    "meeting.next.none": "There are no upcoming meetings in the plan yet.",
    "meeting.next.deadlines": "Deadlines",
    "meeting.add.title": "Add a meeting",
    "meeting.add.submit": "Save the meeting",
    "meeting.add.done_title": "The meeting has been added",
    "meeting.add.done": "The calendar invitation goes to {count} participants.",
    "meeting.move.title": "Move a meeting",
    "meeting.move.now": "Now: {date}, {time}",
    "meeting.move.was": "Was: {date}, {time}",
    "meeting.move.notice": "Everyone invited will be told about the change.",
    "meeting.move.submit": "Move the meeting",
    "meeting.move.done_title": "The meeting has been moved",
    "meeting.move.done": "The calendar is being updated and {count} participants will be told.",
    "meeting.cancel.title": "Cancel a meeting",
    "meeting.cancel.submit": "Cancel the meeting",
    "meeting.cancel.reason_was": "Reason: {reason}",
    "meeting.cancel.done_title": "The meeting has been cancelled",
    "meeting.cancel.done": "The cancellation and its reason go to {count} participants.",
    "meeting.refused.title": "Nothing was changed",
    "meeting.error.not_saved": "Nothing was saved. Correct the errors below and try again.",
    "meeting.problem.body_unknown": "Unknown kind of meeting. Choose one of: {known}.",
    "meeting.problem.form_unknown": "Choose a format: in person, online or hybrid.",
    "meeting.problem.time_naive": "The time has no time zone.",
    "meeting.problem.in_past": "The date {date} has passed. Choose a date in the future.",
    "meeting.problem.end_before_start": "The meeting must end after it starts.",
    "meeting.problem.holiday": (
        "{date} is a public holiday ({holiday}). SSU does not meet on public holidays."
    ),
    "meeting.problem.location_missing": "Say where the meeting is held (in person and hybrid).",
    "meeting.problem.location_too_long": "The place can be at most {limit} characters.",
    "meeting.problem.region_unknown": "Unknown health region. Choose one of: {known}.",
    "meeting.problem.region_missing": "A dialogue meeting needs a health region.",
    "meeting.problem.reason_missing": "Give a reason for the cancellation.",
    "meeting.problem.reason_too_long": "The reason can be at most {limit} characters.",
    "meeting.problem.unknown_slot": "This meeting is not in the proposal (the card may be stale).",
    "meeting.problem.year_out_of_range": "The year must be between {min} and {max}.",
    "meeting.problem.meeting_not_found": "The meeting was not found. It may have been removed.",
    "meeting.problem.not_movable": "The meeting has been held or cancelled and cannot be moved.",
    "meeting.problem.not_cancellable": "The meeting has been held or is already cancelled.",
    "meeting.problem.unchanged": "Nothing changed: choose a new time, place or format.",
    "meeting.problem.date_invalid": "Write the date as YYYY-MM-DD.",
    "meeting.problem.time_invalid": "Write the time as HH:MM.",
    "cli.plan.heading": "Meeting plan {year} – {count} meetings (times in Europe/Oslo)",
    "cli.plan.col.date": "Date",
    "cli.plan.col.time": "Time",
    "cli.plan.col.meeting": "Meeting",
    "cli.plan.col.place": "Place",
    "cli.plan.col.cases": "Cases by",
    "cli.plan.col.notice": "Notice",
    "cli.plan.col.protocol": "Minutes",
    "cli.plan.next_day": "(+{days} d.)",
    "cli.plan.teams": "Teams",
    "cli.plan.moved": "{mark} Moved from {date} ({holiday}).",
    "cli.plan.applied": "Created {created} new meetings; {existing} existed already.",
    "cli.deadlines.heading": "Deadlines for {body} {start}–{end}:",
    # --- reminders and the outbox (bot/teams/reminders.py, bot/services/outbox.py) ---
    "reminders.off": "OK, I will not send you reminders. Type “reminders on” to get them again.",
    "reminders.on": "OK, you will get reminders from me again.",
    "reminders.off_mandatory": (
        "Reminders about the secretariat's own deadlines cannot be turned off, so those still come."
    ),
    "outbox.unreachable": (
        "I could not deliver a message to {target} ({what}). The app may not be installed for "
        "them, or the bot was removed from the conversation."
    ),
    # --- cases (bot/services/cases.py, cards/cases.py, dialogs/case_submission.py) ---
    "case.form.title": "Submit a case",
    "case.form.intro": (
        "Fill in the secretariat's template for cases to Helsefellesskap Innlandet. Fields marked "
        "* are required. Clarify the case with your nearest leader before you submit it."
    ),
    "case.form.resumed": "Here is your draft from last time. Carry on where you left off.",
    "case.field.title": "Title of the case",
    "case.field.title.help": "Short and descriptive, at most {limit} characters.",
    "case.field.submitter_org": "Submitted by (organisation)",
    "case.field.submitter_org.help": "The municipality, division or organisation you submit for.",
    "case.field.anchored": "Clarified with your leader",
    "case.field.anchored.toggle": "The case is clarified with my nearest leader",
    "case.field.anchored.help": "Every case must be clarified with your nearest leader first.",
    "case.field.anchored_with": "Clarified with (name and position)",
    "case.field.anchored_with.help": "The leader you clarified the case with.",
    "case.field.case_type": "Type of case",
    "case.field.case_type.help": "Decision cases must carry a proposed decision.",
    "case.field.background": "Background",
    "case.field.background.help": (
        "What is the case about, and why now? At most {limit} characters."
    ),
    "case.field.assessment": "Assessment",
    "case.field.assessment.help": "Your assessment of the case. At most {limit} characters.",
    "case.field.proposal": "Proposed decision",
    "case.field.proposal.help": "Required for decision cases. At most {limit} characters.",
    "case.field.economic_impact": "Economic/administrative consequences",
    "case.field.economic_impact.help": (
        "Cases with larger economic/administrative consequences are decided by SSU."
    ),
    "case.field.meeting": "Preferred meeting",
    "case.field.meeting.help": "The meetings still taking cases (their deadline has not passed).",
    "case.field.attachments": "Attachments (links, one per line)",
    "case.field.attachments.help": "At most {limit} links. Each must start with https://",
    "case.type.decision": "Decision case",
    "case.type.theme": "Theme case",
    "case.type.report": "Report case",
    "case.type.other": "Other",
    "case.impact.none": "None",
    "case.impact.minor": "Minor",
    "case.impact.major": "Major (the case is decided by SSU)",
    "case.meeting.none": "No preference – the secretariat proposes a meeting",
    "case.meeting.option": "{meeting} (case deadline {deadline})",
    "case.meeting.label": "{body} {date}",
    "case.meeting.body.SSU": "SSU meeting",
    "case.meeting.body.AU": "AU meeting",
    "case.meeting.unplanned": "Not on a meeting yet",
    "case.action.review": "Review and submit",
    "case.action.cancel": "Cancel",
    "case.action.confirm": "Submit the case",
    "case.action.edit": "Edit",
    "case.confirm.title": "Check the case before you submit it",
    "case.confirm.intro": (
        "This is what the secretariat will get. Choose «Submit the case» or «Edit»."
    ),
    "case.confirm.major": (
        "The case has larger economic/administrative consequences and is decided by the Strategic "
        "Cooperation Committee (SSU)."
    ),
    "case.confirm.moved": (
        "The case deadline for {requested} passed on {deadline}. The case therefore goes to "
        "{meeting}."
    ),
    "case.confirm.moved_none": (
        "The case deadline for {requested} passed on {deadline}, and no later meeting takes cases "
        "yet. The secretariat will find a meeting for it."
    ),
    "case.receipt.title": "Case submitted – case {number}",
    "case.receipt.body": (
        "Thank you! Your case has number {number}. The secretariat will decide how it is handled, "
        "and you will hear from me every time its status changes."
    ),
    "case.receipt.moved": (
        "The case deadline for {requested} had passed. The case was submitted to {meeting}."
    ),
    "case.receipt.moved_none": (
        "The case deadline for {requested} had passed. The secretariat will find a meeting for it."
    ),
    "case.receipt.again": "This case was already submitted; it was not submitted again.",
    "case.receipt.follow": "Type «my cases» to follow it.",
    "case.cancelled": "Submission cancelled. Nothing was stored.",
    "case.stale": "This form is no longer active. Type «submit case» to start again.",
    "case.hint": (
        "Fill in the form above and choose «Review and submit». Type «submit case» to get the "
        "form again."
    ),
    "case.errors.banner": "The case was not submitted. Correct the marked fields.",
    "case.error.required": "Fill in this field.",
    "case.error.too_long": (
        "Too long ({length} characters; at most {limit}). The text was cut to {limit} characters "
        "– check it before you submit."
    ),
    "case.error.unknown_value": "Choose one of the options in the list.",
    "case.error.not_text": "Invalid value. Fill in the field again.",
    "case.error.anchored_required": "The case must be clarified with your nearest leader first.",
    "case.error.proposal_required": "Decision cases must carry a proposed decision.",
    "case.error.unknown_meeting": "That meeting does not exist. Choose a meeting from the list.",
    "case.error.meeting_closed": "That meeting was held or cancelled. Choose another one.",
    "case.error.too_many_links": "Too many attachments ({length} links; at most {limit}).",
    "case.error.link_not_https": "Link no. {line} must be a web address starting with https://",
    "case.error.link_too_long": (
        "Link no. {line} is too long ({length} characters; at most {limit})."
    ),
    "case.error.route_needs_ssu": (
        "The case has larger economic/administrative consequences and must be decided by SSU."
    ),
    "case.error.minutes_range": "Give the time as a whole number of minutes from 1 to {limit}.",
    "case.status.submitted": "Submitted",
    "case.status.triaged": "Triaged by the secretariat",
    "case.status.scheduled": "On an agenda",
    "case.status.treated": "Treated in a meeting",
    "case.status.decided": "Decided",
    "case.status.closed": "Closed",
    "case.route.au": "Finished by the working committee (AU); SSU is informed",
    "case.route.au_line": (
        "Finished by the working committee with the established line management; SSU is informed"
    ),
    "case.route.ssu": "Decided by the Strategic Cooperation Committee (SSU)",
    "case.section.decision": "Decision cases",
    "case.section.theme": "Theme cases",
    "case.section.report": "Report cases",
    "case.section.other": "Any other business",
    "case.fact.number": "Case number",
    "case.fact.title": "Title",
    "case.fact.submitter": "Submitted by",
    "case.fact.org": "Organisation",
    "case.fact.anchored_with": "Clarified with",
    "case.fact.type": "Type of case",
    "case.fact.impact": "Economic/administrative consequences",
    "case.fact.meeting": "Meeting",
    "case.fact.requested_meeting": "Preferred meeting",
    "case.fact.status": "Status",
    "case.fact.route": "Route",
    "case.fact.section": "Agenda section",
    "case.fact.minutes": "Time in the meeting",
    "case.fact.attachments": "Attachments",
    "case.minutes": "{minutes} min",
    "case.triage.title": "New case to triage – case {number}",
    "case.triage.intro": (
        "Decide how the case is handled (cooperation procedure section 1.3). Cases finished by "
        "the AU go to SSU for information."
    ),
    "case.triage.forced_ssu": (
        "Larger economic/administrative consequences: the case must be decided by SSU."
    ),
    "case.triage.field.route": "Route",
    "case.triage.field.meeting": "Meeting",
    "case.triage.field.section": "Agenda section",
    "case.triage.field.minutes": "Time in the meeting (minutes)",
    "case.triage.field.minutes.help": "A whole number from 1 to {limit}.",
    "case.triage.action": "Save the triage",
    "case.triage.done": "Case {number} is triaged",
    "case.triage.unchanged": "The triage was already saved. Nothing was changed.",
    "case.triage.errors": "The triage was not saved. Correct the marked fields.",
    "case.refused.not_allowed": (
        "Only the secretariat can triage submitted cases. Nothing was changed."
    ),
    "case.refused.not_found": "I could not find that case. Nothing was changed.",
    "case.refused.wrong_state": (
        "The case is already on an agenda or finished and cannot be triaged again here. Nothing "
        "was changed."
    ),
    "case.refused.invalid": "The case was not submitted. Nothing was stored.",
    "case.mine.title": "My cases",
    "case.mine.empty": "You have not submitted any cases yet. Type «submit case» to submit one.",
    "case.mine.case": "Case {number}: {title}",
    "case.notice.status": "Case {number} «{title}» has a new status: {status}.",
    "case.notice.updated": "The secretariat changed case {number} «{title}». Status: {status}.",
    "case.notice.section": "Agenda section: {section}.",
    "case.notice.route": "Route: {route}.",
    "case.notice.meeting": "Meeting: {meeting}.",
    "case.notice.triage": "New case to triage: case {number} «{title}».",
    # --- end cases ---
    # --- self-evaluation (bot/teams/evaluation.py, cards/evaluation.py) ---
    "evaluation.poll.title": "Self-evaluation after the meeting",
    "evaluation.poll.intro": (
        "Rate each statement from 1 (strongly disagree) to 5 (strongly agree). Your answer is "
        "anonymous: it is stored with no link to you, and the results are shown only once the "
        "evaluation is closed – and only if at least {min} answered."
    ),
    "evaluation.poll.scale.1": "1 – Strongly disagree",
    "evaluation.poll.scale.2": "2 – Disagree",
    "evaluation.poll.scale.3": "3 – Neither agree nor disagree",
    "evaluation.poll.scale.4": "4 – Agree",
    "evaluation.poll.scale.5": "5 – Strongly agree",
    "evaluation.poll.comment_hint": "Optional, at most {limit} characters",
    "evaluation.poll.submit": "Send answer",
    "evaluation.poll.change": "Change my answer",
    "evaluation.poll.saved": (
        "Thank you! Your answer is stored anonymously. You can change it in this card until the "
        "evaluation is closed."
    ),
    "evaluation.poll.changed": (
        "Your answer was changed. You can change it again in this card until the evaluation is "
        "closed."
    ),
    "evaluation.poll.errors": "Your answer was not stored. Correct the fields marked.",
    "evaluation.poll.open_for_you": (
        "The evaluation of this meeting is open, and you can answer here."
    ),
    "evaluation.problem.rating_missing": "Choose a value from 1 to 5.",
    "evaluation.problem.rating_invalid": "Choose a value from 1 to 5.",
    "evaluation.problem.comment_too_long": "The comment can be at most {limit} characters.",
    "evaluation.start.title": "Start the self-evaluation",
    "evaluation.start.intro": (
        "The questionnaire goes personally to the members who were present, and to the meeting "
        "chat when I have been added there. Answers are anonymous, and the results are shown "
        "when you close the evaluation."
    ),
    "evaluation.status.title": "Self-evaluation",
    "evaluation.label.state": "Status",
    "evaluation.label.answers": "Answers",
    "evaluation.label.opened": "Started",
    "evaluation.label.closed": "Closed",
    "evaluation.state.open": "Open for answers",
    "evaluation.state.closed": "Closed",
    "evaluation.count": "{answered} of {eligible}",
    "evaluation.when": "{date} at {time}",
    "evaluation.opened.notice": (
        "The evaluation has started. The questionnaire was sent personally to {count} people "
        "present."
    ),
    "evaluation.opened.chat": "It was also posted in the meeting chat.",
    "evaluation.opened.already": (
        "The evaluation of this meeting had already started. Nothing was sent again."
    ),
    "evaluation.status.hidden": "The results are shown when the evaluation is closed.",
    "evaluation.status.you_answered": (
        "You have answered. The results are shown when the evaluation is closed."
    ),
    "evaluation.action.start": "Start the evaluation",
    "evaluation.action.close": "Close and show results",
    "evaluation.action.refresh": "Refresh",
    "evaluation.action.results": "Show results",
    "evaluation.action.csv": "Export CSV",
    "evaluation.results.title": "Self-evaluation – results",
    "evaluation.results.count": "{answered} of the {eligible} present answered.",
    "evaluation.results.too_few": (
        "Fewer than {min} answered ({answered}). To protect anonymity, no results of this "
        "evaluation are shown."
    ),
    "evaluation.results.mean": "Mean {mean}",
    "evaluation.results.distribution": "Distribution (1–5): {distribution}",
    "evaluation.results.trend": "Trend across meetings",
    "evaluation.results.trend_title": "Mean per statement",
    "evaluation.results.trend_axis": "Mean (1–5)",
    "evaluation.results.trend_alt": (
        "Line chart: mean per statement for the latest evaluated meetings, {meetings} meetings."
    ),
    "evaluation.results.trend_later": (
        "The trend is shown once more meetings have been evaluated with the same statements."
    ),
    "evaluation.results.trend_left_out": "The chart did not fit in the card.",
    "evaluation.results.comments": "Answers to «{question}» (in random order)",
    "evaluation.results.no_comments": "Nobody wrote anything here.",
    "evaluation.results.shortened": "Some answers were shortened to fit in the card.",
    "evaluation.refused.title": "Self-evaluation",
    "evaluation.refused.not_known": "I cannot find you in the SSU roster. Nothing was stored.",
    "evaluation.refused.not_allowed": (
        "Only the leader, the deputy leader and the secretariat can start and close the "
        "self-evaluation, and only the secretariat can export it. Nothing was changed."
    ),
    "evaluation.refused.not_found": "I cannot find this evaluation. Nothing was stored.",
    "evaluation.refused.no_meeting": "I found no SSU meeting to evaluate. Nothing was started.",
    "evaluation.refused.not_evaluated": (
        "Only SSU meetings and the strategy gathering are evaluated. Nothing was started."
    ),
    "evaluation.refused.not_started": (
        "The meeting has not begun yet; the evaluation can be started after it. Nothing was "
        "started."
    ),
    "evaluation.refused.cancelled": "The meeting was cancelled. Nothing was started.",
    "evaluation.refused.nobody_present": (
        "No members are recorded as present at the meeting. Nothing was started."
    ),
    "evaluation.refused.wrong_meeting": (
        "This card belongs to another meeting than the evaluation. Nothing was stored."
    ),
    "evaluation.refused.closed": "The evaluation is closed. Nothing was stored or changed.",
    "evaluation.refused.still_open": (
        "The evaluation is still open. The results are shown when it is closed."
    ),
    "evaluation.refused.not_eligible": (
        "Only the members who were present at the meeting can answer the evaluation. Nothing "
        "was stored."
    ),
    "evaluation.refused.already_answered": (
        "You have already answered. Because your answer is not linked to you, it can only be "
        "changed in the card where you answered (the one that says «Thank you!»). Nothing was "
        "stored."
    ),
    "evaluation.refused.invalid": "Your answer was not stored. Correct the fields marked.",
    "evaluation.none": "There is no self-evaluation yet.",
    "evaluation.csv.intro": (
        "The self-evaluations as CSV: closed evaluations, aggregated per meeting and statement, "
        "with no individual answers or comments. Copy the text and save it as a .csv file."
    ),
    "evaluation.csv.empty": "There are no closed evaluations to export yet.",
    "evaluation.csv.header": (
        "meeting_date,body,evaluation,present,answered,statement_no,statement,mean,"
        "count_1,count_2,count_3,count_4,count_5"
    ),
    # --- end self-evaluation ---
    # --- attendance (bot/services/attendance.py, cards/attendance.py, bot/teams/attendance.py) ---
    "attendance.title": "Attendance",
    "attendance.at": "at {time}",
    "attendance.started": "The meeting started {at}.",
    "attendance.ended": "The meeting ended {at}.",
    "attendance.not_started": "The meeting has not been opened yet. Check-in opens when it starts.",
    "attendance.quorum.yes": "Quorum",
    "attendance.quorum.no": "No quorum",
    "attendance.quorum.count": (
        "{present} of {total} members are present, personal deputies included (more than half, "
        "at least {required}, must be present)."
    ),
    "attendance.quorum.notice": (
        "The notice has not reached every member ({count} missing). The committee cannot make "
        "decisions until everyone has been given the chance to take part."
    ),
    "attendance.quorum.na": "Dialogue meetings make no decisions, so quorum does not apply.",
    "attendance.section.members": "Members",
    "attendance.section.deputies": "Personal deputies",
    "attendance.section.observers": "Observers (may speak, not counted)",
    "attendance.section.guests": "Participants",
    "attendance.status.present": "present",
    "attendance.status.absent": "absent",
    "attendance.status.called_in": "called in",
    "attendance.status.none": "not recorded",
    "attendance.line": "{name} – {status}",
    "attendance.line.by_deputy": "{name} – absent; deputy {deputy} attends instead",
    "attendance.line.deputy": "{name}, deputy for {member} – {status}",
    "attendance.choice.deputy": "{name} (deputy for {member})",
    "attendance.me.checked_in": "You are checked in.",
    "attendance.action.check_in": "Check in",
    "attendance.action.refresh": "Refresh",
    "attendance.action.close": "Close the meeting",
    "attendance.correct.title": "Correct attendance (secretariat)",
    "attendance.correct.person": "Person",
    "attendance.correct.person_missing": "Choose whose attendance to correct.",
    "attendance.correct.status": "Attendance",
    "attendance.correct.status_missing": "Choose present or absent.",
    "attendance.correct.save": "Save the correction",
    "attendance.correct.saved": "Attendance corrected.",
    "attendance.check_in.done": "You are checked in.",
    "attendance.check_in.again": "You were already checked in. Nothing was changed.",
    "attendance.unchanged": "That was already recorded. Nothing was changed.",
    "attendance.refused.title": "Nothing was changed",
    "attendance.refused.not_known": (
        "I cannot find you in the roster. Please contact the secretariat. Nothing was changed."
    ),
    "attendance.refused.not_member": (
        "You hold no seat in the body that meets, so you cannot report absence here. "
        "Nothing was changed."
    ),
    "attendance.refused.no_meeting": (
        "There is no upcoming meeting where you hold a seat. Nothing was changed."
    ),
    "attendance.refused.not_found": "Meeting not found. Nothing was changed.",
    "attendance.refused.meeting_closed": (
        "The meeting is cancelled, closed or already held. Nothing was changed."
    ),
    "attendance.refused.already_reported": (
        "You have already reported absence for this meeting. Nothing was changed."
    ),
    "attendance.refused.not_allowed": (
        "You are not allowed to do this: only the chair and the secretariat open and close "
        "meetings, and only the secretariat corrects attendance. Nothing was changed."
    ),
    "attendance.refused.not_started": (
        "The meeting has not been opened yet. You can check in once it has started. "
        "Nothing was changed."
    ),
    "attendance.refused.not_participant": (
        "You are not called to this meeting, so you cannot check in. Nothing was changed."
    ),
    "attendance.refused.invalid": "Unknown person or attendance. Nothing was changed.",
    "attendance.absence.title": "Absence recorded",
    "attendance.absence.deputy": (
        "Your personal deputy {name} is called in and gets a message with the meeting details."
    ),
    "attendance.absence.calendar": "{name} has been added to the calendar invitation.",
    "attendance.absence.secretariat": "The secretariat has been told.",
    "attendance.absence.no_deputy": (
        "You have no personal deputy registered. The secretariat has been told."
    ),
    "attendance.absence.withdrawn": (
        "Recorded that you cannot attend as a deputy. The secretariat has been told."
    ),
    "attendance.deputy.title": "You are called in as a deputy",
    "attendance.deputy.text": (
        "{member} cannot attend {meeting} ({date}, {time}). You are called in as their personal "
        "deputy and take their seat at the meeting."
    ),
    "attendance.deputy.documents": (
        "The notice with the case documents will be sent to you. Write «cannot attend» if you "
        "cannot attend either."
    ),
    "attendance.secretariat.absence": (
        "{member} has reported absence for {meeting}. Personal deputy {deputy} is called in."
    ),
    "attendance.secretariat.absence_no_deputy": (
        "{member} has reported absence for {meeting}. No personal deputy is registered."
    ),
    "attendance.secretariat.deputy_absent": (
        "{deputy}, personal deputy for {member}, cannot attend {meeting} either."
    ),
    "attendance.open.title": "Open meeting",
    "attendance.open.intro": (
        "Choose the meeting that starts now. It is recorded as started, this chat becomes the "
        "meeting's chat, and the attendance card is shown."
    ),
    "attendance.open.none": "There are no meetings today that you can open.",
    "attendance.open.action": "Open the meeting",
    "attendance.opened": "The meeting is open. Participants check in with the button below.",
    "attendance.close.title": "Close meeting",
    "attendance.close.confirm": (
        "Close {meeting}? It is recorded as ended now, and as held once its notice is published."
    ),
    "attendance.close.none": "There is no open meeting linked to this chat.",
    "attendance.closed.held": "The meeting is closed and recorded as held.",
    "attendance.closed.not_held": (
        "The meeting is closed, but it cannot be recorded as held until its notice is published."
    ),
    "attendance.closed.already": "The meeting was already closed.",
    "attendance.event.not_linked": (
        "This Teams meeting is not linked to a meeting I know. The chair or the secretariat can "
        "write «open meeting» here to link it."
    ),
    # --- end attendance ---
    # --- reminder engine (bot/services/reminders.py, cards/reminders.py, ssu-bot reminders) ---
    "reminder.kind.case_submission": "case deadline",
    "reminder.kind.notice": "notice",
    "reminder.kind.meeting": "meeting",
    "reminder.kind.evaluation": "evaluation",
    "reminder.kind.protocol": "protocol",
    "reminder.kind.signature": "signature",
    "reminder.kind.budget": "goals and budget",
    "reminder.title.case_submission": "Deadline for submitting cases",
    "reminder.title.notice": "The notice is due",
    "reminder.title.meeting": "Meeting reminder",
    "reminder.title.evaluation": "How was the meeting?",
    "reminder.title.protocol": "The protocol is due",
    "reminder.title.signature": "The protocol awaits your signature",
    "reminder.title.budget": "Goals and budget for next year",
    "reminder.body.case_submission": (
        "Cases for {meeting} must be submitted by {deadline}. Clarify the case with your nearest "
        "leader first, and use the secretariat's template."
    ),
    "reminder.body.notice": (
        "The notice for {meeting}, with all case documents, must be published by {deadline}."
    ),
    "reminder.body.meeting": (
        "You are called to {meeting}. If you cannot attend, report it now so that your personal "
        "deputy gets the notice."
    ),
    "reminder.body.evaluation": (
        "You have not answered the evaluation of {meeting} yet. Answers are anonymous and take "
        "only a couple of minutes."
    ),
    "reminder.body.protocol": (
        "The protocol of {meeting} must be available to members by {deadline}."
    ),
    "reminder.body.signature": "The protocol of {meeting} is published and awaits your signature.",
    "reminder.body.budget": "Goals and budget for next year are due by {deadline}.",
    "reminder.hint.case_submission": "You can also type “submit case”.",
    "reminder.hint.notice": "Type “next meeting” for time, place and deadlines.",
    "reminder.hint.meeting": "You can also type “cannot attend”.",
    "reminder.hint.evaluation": "Type “evaluation” to answer.",
    "reminder.label.deadline": "Deadline",
    "reminder.label.teams": "Teams meeting",
    "reminder.action.case_new": "Submit a case",
    "reminder.action.absence": "I cannot attend",
    "reminder.action.sign": "Sign the protocol",
    "reminder.action.notice": "Review and publish the notice",
    "reminder.action.protocol": "Open the protocol draft",
    "reminder.action.evaluation": "Answer the evaluation",
    "reminder.hint.budget": (
        "Goals and budget are prepared outside the bot, so there is no button here: send the "
        "proposal to the secretariat as usual."
    ),
    "reminder.footer.optional": "You can turn reminders off by typing “reminders off”.",
    "reminder.footer.mandatory": (
        "This is one of the secretariat's own deadlines, so it comes even with reminders off."
    ),
    "reminder.summary.case_submission": "Reminder: cases for {what} are due by {deadline}.",
    "reminder.summary.notice": "Reminder: the notice for {what} is due by {deadline}.",
    "reminder.summary.meeting": "Reminder: {what} starts {deadline}.",
    "reminder.summary.evaluation": "Reminder: please answer the evaluation of {what}.",
    "reminder.summary.protocol": "Reminder: the protocol of {what} is due by {deadline}.",
    "reminder.summary.signature": "Reminder: the protocol of {what} awaits your signature.",
    "reminder.summary.budget": "Reminder: goals and budget for next year are due by {deadline}.",
    "cli.reminders.heading": "Reminders {date} – {count} (times in Europe/Oslo)",
    "cli.reminders.none": "No reminders on this day.",
    "cli.reminders.col.time": "Time",
    "cli.reminders.col.kind": "Kind",
    "cli.reminders.col.subject": "About",
    "cli.reminders.col.deadline": "Deadline",
    "cli.reminders.col.recipients": "Recipients",
    "cli.reminders.col.sent": "Sent",
    "cli.reminders.yes": "yes",
    "cli.reminders.no": "no",
    # --- end reminder engine ---
    # --- consensus (bot/services/consensus.py, cards/consensus.py, bot/teams/consensus.py) ---
    "consensus.title": "Consensus",
    "consensus.case": "Case {label} {title}",
    "consensus.deputy_for": "{name} (deputy for {member})",
    "consensus.position.agree": "Supports the proposal",
    "consensus.position.object": "Has objections",
    "consensus.position.abstain": "Abstains",
    "consensus.open": "The round is open (started {at}).",
    "consensus.chair": "Chair: {name}.",
    "consensus.closed": "The round was closed at {at}.",
    "consensus.proposal": "Proposed decision",
    "consensus.decision": "Decision",
    "consensus.amended": "The chair amended the proposal of the case document.",
    "consensus.major": (
        "The case has significant economic consequences: only the administrative representatives "
        "(health regions/municipalities and SI/divisions) have a say."
    ),
    "consensus.quorum.na": "Quorum does not apply to this meeting.",
    "consensus.quorum.yes": "Quorum: {present} of {total} present (at least {required} needed).",
    "consensus.quorum.no": (
        "No quorum: {present} of {total} present (at least {required} needed), or the notice "
        "did not reach every member."
    ),
    "consensus.tally": (
        "Support: {agree} · Objections: {object} · Abstain: {abstain} · Not answered: {pending}"
    ),
    "consensus.for": "Support the proposal: {names}",
    "consensus.against": "Have objections:",
    "consensus.abstaining": "Abstain: {names}",
    "consensus.outcome.consensus": "Consensus",
    "consensus.outcome.no_consensus": "No consensus – further dialogue",
    "consensus.outcome.decided": "The decision is made and the case is recorded as decided.",
    "consensus.outcome.dialogue": (
        "The parties continue the dialogue. The protocol records who stood for and who against."
    ),
    "consensus.outcome.no_quorum": "The meeting had no quorum when the round was closed.",
    "consensus.would_be.consensus": "If the round is closed now, the outcome is: consensus.",
    "consensus.would_be.no_consensus": (
        "If the round is closed now, the outcome is: no consensus – further dialogue."
    ),
    "consensus.inputs.title": "Input from observers (not counted)",
    "consensus.form.title": "Your answer",
    "consensus.form.mine": "You answered: {position}. You can change it until the round closes.",
    "consensus.form.position": "Where do you stand on the proposal?",
    "consensus.form.reason": "Reason (required with objections)",
    "consensus.form.reason_hint": "What is the objection, and what would let you support it?",
    "consensus.form.send": "Send answer",
    "consensus.form.change": "Change answer",
    "consensus.input.title": "Your input",
    "consensus.input.intro": "Observers may speak but not vote: your input is recorded separately.",
    "consensus.input.label": "Input",
    "consensus.input.send": "Send input",
    "consensus.not_eligible": "You have no say in this case, but can follow the round here.",
    "consensus.close.action": "Close the round …",
    "consensus.close.confirm": (
        "Close the round? The outcome will be: {outcome}. Answers cannot be changed afterwards."
    ),
    "consensus.close.confirm_action": "Close the round",
    "consensus.refresh": "Refresh",
    "consensus.saved": "Your answer is recorded.",
    "consensus.unchanged": "Your answer was already recorded like this.",
    "consensus.input_saved": "Your input is recorded.",
    "consensus.closed_banner": "The round is closed.",
    "consensus.start.title": "Consensus round",
    "consensus.start.intro": "Choose the decision case to put to consensus.",
    "consensus.start.none": "The meeting has no decision cases to put to a round.",
    "consensus.start.prepare": "Prepare round",
    "consensus.start.running": "A round is under way.",
    "consensus.start.decided": "Decided.",
    "consensus.prepare.title": "Start a consensus round",
    "consensus.prepare.intro": (
        "The proposed decision from the case document is below. You may amend it before the "
        "round starts; the members answer on the text as it is when you start."
    ),
    "consensus.prepare.label": "Proposed decision",
    "consensus.prepare.start": "Start the round",
    "consensus.started.title": "The consensus round has started",
    "consensus.started.body": (
        "The card with the proposal is posted in the chat. {count} members present can answer now."
    ),
    "consensus.error.required": "This field is required.",
    "consensus.error.too_long": "The text is too long (at most {limit} characters).",
    "consensus.error.not_text": "Invalid value.",
    "consensus.error.position_required": "Choose whether you support, object or abstain.",
    "consensus.error.unknown_value": "Unknown choice.",
    "consensus.error.reason_required": "Say what your objection is.",
    "consensus.refused.not_known": "I can't find you in the member list. Nothing was changed.",
    "consensus.refused.not_found": "I can't find that case or round. Nothing was changed.",
    "consensus.refused.not_chair": (
        "Only the chair (the leader, or the deputy leader when the leader is absent) can start "
        "and close a consensus round. Nothing was changed."
    ),
    "consensus.refused.no_meeting": (
        "This chat is not linked to a meeting that makes decisions. The chair can say "
        '"open meeting" in the meeting\'s chat first. Nothing was changed.'
    ),
    "consensus.refused.meeting_not_open": (
        "The meeting has not been opened, or it has ended. Nothing was changed."
    ),
    "consensus.refused.not_decision_case": "This is not a decision case. Nothing was changed.",
    "consensus.refused.wrong_state": (
        "The case is already decided or closed. Nothing was changed."
    ),
    "consensus.refused.already_open": (
        "A round is already under way for this case. Nothing was changed."
    ),
    "consensus.refused.wrong_meeting": (
        "The round belongs to another meeting than this chat. Nothing was changed."
    ),
    "consensus.refused.round_closed": (
        "The round is closed and answers can no longer change. Nothing was changed."
    ),
    "consensus.refused.not_present": (
        "You are not recorded present at the meeting in a seat with a say. Check in on the "
        "attendance card first. Nothing was changed."
    ),
    "consensus.refused.not_eligible": "You have no say in this case. Nothing was changed.",
    "consensus.refused.not_observer": (
        "Only observers give input here; members give their reasons with their answer. "
        "Nothing was changed."
    ),
    "consensus.refused.invalid": "Something is missing or wrong. Nothing was changed.",
    # --- end consensus ---
    # --- protocol ---
    "protocol.fact.meeting": "Meeting",
    "protocol.fact.when": "Time",
    "protocol.fact.version": "Version",
    "protocol.fact.hash": "SHA-256",
    "protocol.fact.deadline": "Deadline",
    "protocol.fact.late": "Published",
    "protocol.late": "after the deadline",
    "protocol.signed_at": "signed {at}",
    "protocol.unsigned": "not signed",
    "protocol.slot.leader": "Leader",
    "protocol.slot.deputy_leader": "Deputy leader",
    "protocol.draft.title": "Protocol – draft",
    "protocol.draft.saved": "Saved as a new version.",
    "protocol.draft.save": "Save the case",
    "protocol.field.treated": "What was treated",
    "protocol.field.process": "The process leading to the decision",
    "protocol.field.decision": "Decision",
    "protocol.no_cases": "No cases at this meeting.",
    "protocol.publish": "Publish the protocol",
    "protocol.open_document": "Open the document",
    "protocol.signed.title": "The protocol is signed",
    "protocol.published.title": "Protocol",
    "protocol.published.notice": (
        "The protocol is published and sent to the members. The leader and deputy leader are "
        "asked to sign."
    ),
    "protocol.sign.title": "Protocol to sign",
    "protocol.sign.intro": (
        "Read the protocol. Your signature covers exactly this version (SHA-256 below)."
    ),
    "protocol.sign.button": "Sign",
    "protocol.sign.done": "Your signature is recorded.",
    "protocol.sign.final": (
        "Your signature is recorded. The protocol is fully signed and archived in the portal."
    ),
    "protocol.return.label": "Comment to the secretariat (to send it back)",
    "protocol.return.button": "Send back",
    "protocol.return.done": "Sent back to the secretariat with your comment.",
    "protocol.to_sign.title": "Protocols to sign",
    "protocol.to_sign.none": "No protocols are waiting for your signature.",
    "protocol.candidates.title": "Protocols",
    "protocol.candidates.none": "No held meeting is missing a signed protocol.",
    "protocol.refused.title": "Protocol",
    "protocol.refused.not_known": "You are not registered in SSU. Nothing was changed.",
    "protocol.refused.not_allowed": "Only the secretariat can do this. Nothing was changed.",
    "protocol.refused.not_found": "The protocol or meeting was not found. Nothing was changed.",
    "protocol.refused.meeting_not_held": "The meeting has not been held yet. Nothing was changed.",
    "protocol.refused.already_published": "The protocol is already published. Nothing was changed.",
    "protocol.refused.not_published": (
        "The protocol is not published yet and cannot be signed. Nothing was changed."
    ),
    "protocol.refused.final": (
        "The protocol is fully signed and cannot change. Nothing was changed."
    ),
    "protocol.refused.not_signer": (
        "Only the leader and deputy leader (or the personal deputy of one who was absent) can "
        "sign. Nothing was changed."
    ),
    "protocol.refused.not_authenticated": (
        "Teams did not give your identity, so the signature cannot be recorded. Nothing was "
        "changed."
    ),
    "protocol.refused.old_version": (
        "The protocol changed after this card was sent. Sign the new version. Nothing was changed."
    ),
    "protocol.refused.already_signed": "You have already signed this version. Nothing was changed.",
    "protocol.refused.invalid": "Something is missing or wrong. Nothing was changed.",
    "protocol.refused.changed_meanwhile": (
        "The protocol changed meanwhile. Open it again. Nothing was changed."
    ),
    "protocol.refused.storage_failed": (
        "The document could not be stored in the portal. Try again later. Nothing was changed."
    ),
    "protocol.problem.not_found": "The case is not in the protocol.",
    "protocol.problem.too_long": "The text is too long.",
    "protocol.problem.invalid": "Invalid value.",
    "protocol.problem.required": "Write a comment (at least 5 characters).",
    "protocol.msg.sign": "The protocol of the meeting {when} is waiting for your signature.",
    "protocol.msg.returned": "{who} sent the protocol of the meeting {when} back: {comment}",
    "protocol.msg.signed": "The protocol of the meeting {when} is signed and archived.",
    "protocol.msg.published": "The protocol of the meeting {when} is published.",
    # --- end protocol ---
    # --- meeting changes told to the invitees (bot/services/meetings.py) ---
    "meeting.changed.moved": (
        "{title} has moved from {before} to {when}, {place}. Your calendar has been updated."
    ),
    "meeting.changed.online": "Teams",
    "meeting.changed.cancelled": "{title} {when} is cancelled. Reason: {reason}",
    # --- agenda and notice (bot/teams/agenda.py, cards/agenda.py, cards/notice.py) ---
    "agenda.title": "Agenda",
    "agenda.fact.time": "Time",
    "agenda.fact.form": "Form",
    "agenda.fact.place": "Place",
    "agenda.fact.state": "Status",
    "agenda.fact.deadline": "Notice deadline",
    "agenda.deadline.ahead": "{date} at {time}",
    "agenda.deadline.passed": "{date} at {time} (passed: a shorter notice needs a reason)",
    "agenda.fits": "The agenda uses {total} of the meeting's {available} minutes.",
    "agenda.too_long": (
        "The agenda is {over} minutes too long: {total} minutes planned, the meeting lasts "
        "{available} minutes. Shorten items, move cases or extend the meeting."
    ),
    "agenda.missing_proposals": (
        "These decision cases have no proposed decision: {cases}. The notice cannot be "
        "published until they do."
    ),
    "agenda.missing_proposal": "No proposed decision",
    "agenda.untriaged": "{count} cases submitted to this meeting are still waiting for triage.",
    "agenda.published.same": "The notice is published (version {version}, {date}).",
    "agenda.published.changed": (
        "Changed since version {version} was published on {date}: publish again to send a new "
        "version."
    ),
    "agenda.part.decision": "Decision cases",
    "agenda.part.theme": "Theme cases",
    "agenda.part.report": "Report cases",
    "agenda.part.other": "Any other business",
    "agenda.other.empty": "No cases under any other business.",
    "agenda.item.label": "Case {label} {title}",
    "agenda.item.approval": "Approval of the notice and agenda",
    "agenda.item.previous_minutes": "Approval of the minutes of the previous meeting",
    "agenda.item.previous_minutes_of": "Approval of the minutes of the meeting of {date}",
    "agenda.item.lunch": "Break and lunch about {start}–{end}",
    "agenda.item.when": "{time} · {minutes} min",
    "agenda.item.submitter": "Submitted by {org}",
    "agenda.no_lunch": "No lunch break (set minutes to add one)",
    "agenda.minutes.label": "Minutes",
    "agenda.move.up": "↑",
    "agenda.move.down": "↓",
    "agenda.move.up.tooltip": "Move the case up",
    "agenda.move.down.tooltip": "Move the case down",
    "agenda.action.save_minutes": "Save minutes",
    "agenda.action.preview": "Preview the notice",
    "agenda.action.refresh": "Refresh",
    "agenda.chooser.label": "Another meeting",
    "agenda.chooser.show": "Show the agenda",
    "agenda.saved": "Saved.",
    "agenda.no_meetings": "There are no upcoming meetings to set an agenda for.",
    "agenda.error.banner": (
        "Something needs fixing before the minutes can be saved. Nothing was changed."
    ),
    "agenda.error.minutes_required": "Enter the number of minutes.",
    "agenda.error.minutes_not_number": "Enter a whole number.",
    "agenda.error.minutes_range": "Enter a whole number from 1 to {limit}.",
    "agenda.error.lunch_range": "Enter a whole number from 0 (no lunch) to {limit}.",
    "agenda.error.unknown_item": "This case is not on the agenda.",
    "agenda.error.cannot_move": "The case is already first or last in its part of the agenda.",
    "agenda.refused.not_allowed": (
        "Only the secretariat sets the agenda (the leader and deputy leader can see it and "
        "publish the notice)."
    ),
    "agenda.refused.not_found": "I cannot find that meeting.",
    "agenda.refused.wrong_state": (
        "The meeting has been held or cancelled; its agenda can no longer change."
    ),
    "agenda.refused.invalid": "I could not use what you sent.",
    "agenda.refused.cannot_move": "The case cannot move there.",
    "agenda.refused.nothing_changed": "Nothing was changed.",
    "notice.preview.title": "Notice – preview",
    "notice.preview.unchanged": (
        "The notice has not changed since version {version} was published; there is nothing "
        "new to publish."
    ),
    "notice.preview.new_version": (
        "Will be published as version {version}, replacing version {previous}."
    ),
    "notice.preview.attachments": "Attachments: {count}. The case documents are in the document.",
    "notice.preview.late": (
        "The notice deadline was {date} at {time}. The notice may still go out when urgent "
        "matters justify a shorter notice; give the reason (it is stored and printed in the "
        "notice)."
    ),
    "notice.reason.label": "Reason for the shorter notice",
    "notice.reason.placeholder": "For example: urgent case about ...",
    "notice.action.publish": "Publish the notice",
    "notice.action.agenda": "Back to the agenda",
    "notice.action.preview": "Preview the notice",
    "notice.action.open": "Open the notice",
    "notice.action.absence": "Report absence",
    "notice.more_items": "… and {count} more cases (see the document).",
    "notice.published.title": "The notice is published",
    "notice.published.late": "Published after the deadline; the reason is stored and audited.",
    "notice.published.no_calendar": (
        "The meeting has no calendar entry, so the agenda was not added to the calendar."
    ),
    "notice.fact.version": "Version",
    "notice.fact.recipients": "Sent to people",
    "notice.fact.channels": "Sent to channels",
    "notice.fact.scheduled": "Cases scheduled",
    "notice.fact.reason": "Reason",
    "notice.card.kicker": "Notice of meeting",
    "notice.card.new_version": "Version {version}: replaces the earlier notice.",
    "notice.card.deputy": (
        "You are called in as personal deputy and get the notice with the case documents."
    ),
    "notice.card.late": "This notice goes out at shorter notice than usual.",
    "notice.card.document": "The notice with case documents and attachments is in the portal.",
    "notice.card.summary": "Notice: {meeting} (version {version}).",
    "notice.error.reason_required": (
        "The deadline has passed: give a reason (at least {limit} characters) for the shorter "
        "notice."
    ),
    "notice.error.too_long": "The reason is too long ({length} characters; at most {limit}).",
    "notice.refused.title": "The notice was not published",
    "notice.refused.not_allowed": (
        "Only the secretariat, the leader and the deputy leader can publish the notice."
    ),
    "notice.refused.not_found": "I cannot find that meeting.",
    "notice.refused.wrong_state": "The meeting has been held or cancelled; no notice can go out.",
    "notice.refused.meeting_started": "The meeting has already started.",
    "notice.refused.missing_proposals": "These decision cases have no proposed decision: {cases}.",
    "notice.refused.reason_required": "The deadline has passed and the reason is missing.",
    "notice.refused.unchanged": (
        "The notice has not changed since version {version}; it was not sent again."
    ),
    "notice.refused.changed_meanwhile": (
        "The agenda changed while the notice was being made. Review it and publish again."
    ),
    "notice.refused.storage_failed": (
        "The document could not be stored in the portal. Try again in a moment."
    ),
    "notice.refused.nothing_changed": "Nothing was changed.",
    # --- end agenda and notice ---
}
