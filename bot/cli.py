"""`ssu-bot`: the command line of CONTRACT.md. Exit 0 on success, 2 on bad input."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from bot.config import LOOPBACK_HOSTS, Settings
from bot.logs import configure as configure_logging

if TYPE_CHECKING:
    from bot.domain.calendar import PlannedMeeting
    from bot.services.reminders import ListedReminder

DEMO_ROSTER = Path(__file__).with_name("demo") / "roster.csv"


class BadInput(Exception):
    """A one-line reason for stderr; exit code 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging(settings.log_level)
    command: Callable[[argparse.Namespace, Settings], int] = args.command
    try:
        return command(args, settings)
    except BadInput as error:
        print(f"ssu-bot: {error}", file=sys.stderr)
        return 2


class _Parser(argparse.ArgumentParser):
    """CONTRACT: bad input exits 2 with a one-line reason (argparse would print the usage too)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ssu-bot", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the bot, migrating the database first")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=3978)
    serve.set_defaults(command=_serve)

    migrate = commands.add_parser("migrate", help="create or upgrade the database schema")
    migrate.set_defaults(command=_migrate)

    members = commands.add_parser("import-members", help="upsert the roster from a CSV file")
    members.add_argument("file", type=Path)
    members.set_defaults(command=_import_members)

    plan = commands.add_parser("plan", help="the proposed meeting plan for YEAR, with deadlines")
    plan.add_argument("year", metavar="YEAR")
    plan.add_argument("--json", action="store_true", help="print the plan as JSON")
    plan.add_argument("--apply", action="store_true", help="create the meetings (idempotent)")
    plan.set_defaults(command=_plan)

    deadlines = commands.add_parser("deadlines", help="the deadlines of one meeting")
    deadlines.add_argument("--body", required=True, help="SSU, STRATEGY, PA, DIALOG or AU")
    deadlines.add_argument("--start", required=True, help="ISO 8601 start (Europe/Oslo if naive)")
    deadlines.add_argument("--end", help="ISO 8601 end (default: the body's usual length)")
    deadlines.add_argument("--json", action="store_true", help="print the deadlines as JSON")
    deadlines.set_defaults(command=_deadlines)

    reminders = commands.add_parser(
        "reminders", help="the reminders due on DATE (Europe/Oslo), sent or not; sends nothing"
    )
    reminders.add_argument("--on", required=True, metavar="DATE", help="YYYY-MM-DD")
    reminders.add_argument("--json", action="store_true", help="print the reminders as JSON")
    reminders.set_defaults(command=_reminders)

    verify = commands.add_parser(
        "verify-protocol",
        help="recompute a protocol's audit chain and hashes; exit 2 with the reason if broken",
    )
    verify.add_argument("protocol_id", metavar="ID")
    verify.set_defaults(command=_verify_protocol)

    package = commands.add_parser("package", help="build the Teams app package (zip)")
    package.add_argument(
        "--out", type=Path, metavar="FILE", help="default build/ssu-bot-teams-app.zip"
    )
    package.set_defaults(command=_package)
    return parser


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from aiohttp import web

    from bot.app import create_app
    from storage.migrate import upgrade

    if settings.local_mode and args.host not in LOOPBACK_HOSTS:
        raise BadInput(f"local mode (no MicrosoftAppId) binds only to loopback, not {args.host!r}")
    settings = _with_document_links(settings, args.host, args.port)
    upgrade(settings.sqlalchemy_url)
    if settings.demo:
        _load_demo(settings)
    web.run_app(
        create_app(settings, migrate_on_start=False),
        host=args.host,
        port=args.port,
        print=None,
        access_log=None,
    )
    return 0


def _with_document_links(settings: Settings, host: str, port: int) -> Settings:
    """Local mode links documents to this server (``http://HOST:PORT``) unless told otherwise;
    production with documents kept locally needs the key and the public URL (bot/documents/
    links.py) — refused here with one line rather than by the app's start."""
    from bot.documents.links import DocumentsNotConfigured, links_from_settings

    if settings.local_mode and not settings.public_base_url:
        shown = f"[{host}]" if ":" in host else host
        settings = settings.model_copy(update={"public_base_url": f"http://{shown}:{port}"})
    if not settings.local_mode and settings.documents_kept_locally:
        try:
            links_from_settings(settings)
        except DocumentsNotConfigured as refused:
            raise BadInput(str(refused)) from None
    return settings


def _migrate(_args: argparse.Namespace, settings: Settings) -> int:
    from storage.migrate import upgrade

    upgrade(settings.sqlalchemy_url)
    return 0


def _import_members(args: argparse.Namespace, settings: Settings) -> int:
    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BadInput(f"cannot read {args.file}: {error}") from None
    from storage.migrate import upgrade

    upgrade(settings.sqlalchemy_url)
    summary = asyncio.run(_run_import(settings, text, args.file.name))
    print(json.dumps(summary, ensure_ascii=False))
    return 0


async def _run_import(settings: Settings, text: str, source: str) -> dict[str, Any]:
    from bot.services.roster import RosterRejected, import_roster
    from storage.db import create_engine, session_factory, transaction

    engine = create_engine(settings.sqlalchemy_url)
    try:
        async with transaction(session_factory(engine)) as session:
            summary = await import_roster(session, text=text, source=source)
    except RosterRejected as rejected:
        for error in rejected.errors:
            print(f"{source}: {error}", file=sys.stderr)
        raise BadInput(f"{len(rejected.errors)} error(s); nothing was imported") from None
    finally:
        await engine.dispose()
    return summary.as_dict()


def _plan(args: argparse.Namespace, settings: Settings) -> int:
    """The year's proposed plan (pure); ``--apply`` also creates the meetings as the system."""
    from bot.domain.calendar import plan_year

    year = _year(args.year)
    plan = plan_year(year)
    applied = None
    if args.apply:
        from storage.migrate import upgrade

        upgrade(settings.sqlalchemy_url)
        applied = asyncio.run(_apply_plan(settings, year))
    if args.json:
        print(json.dumps([m.to_contract_dict() for m in plan], ensure_ascii=False))
        return 0
    print(format_plan_table(year, plan))
    if applied is not None:
        from bot.i18n import t

        print()
        print(t("cli.plan.applied", "nb", created=applied[0], existing=applied[1]))
    return 0


def _year(text: str) -> int:
    from bot.services.meetings import MAX_PLAN_YEAR, MIN_PLAN_YEAR

    value = text.strip()
    if (
        not (value.isascii() and value.isdigit())
        or not MIN_PLAN_YEAR <= int(value) <= MAX_PLAN_YEAR
    ):
        raise BadInput(f"YEAR must be a year from {MIN_PLAN_YEAR} to {MAX_PLAN_YEAR}, got {text!r}")
    return int(value)


async def _apply_plan(settings: Settings, year: int) -> tuple[int, int]:
    """Apply the plan in one transaction as the system (audited with actor None, source=cli)."""
    from bot.services.meetings import SYSTEM, Refused, apply_plan
    from storage.db import create_engine, session_factory, transaction

    engine = create_engine(settings.sqlalchemy_url)
    try:
        async with transaction(session_factory(engine)) as session:
            result = await apply_plan(session, actor=SYSTEM, year=year, source="cli")
    finally:
        await engine.dispose()
    if isinstance(result, Refused):
        reasons = ", ".join(p.as_text() for p in result.problems) or result.reason.value
        raise BadInput(f"the plan for {year} was refused: {reasons}")
    return len(result.created), len(result.existing)


def format_plan_table(year: int, plan: Sequence[PlannedMeeting]) -> str:
    """The plan as a Norwegian table: day, time, meeting, place and the three deadlines."""
    from bot.domain.calendar import WEEKDAYS_NB, public_holiday_name, to_oslo
    from bot.i18n import t

    def day(moment: date) -> str:
        return f"{WEEKDAYS_NB[moment.weekday()][:3]}. {moment:%d.%m.%Y}"

    def short(moment: datetime, meeting_year: int) -> str:
        local = to_oslo(moment)
        return f"{local:%d.%m.}" if local.year == meeting_year else f"{local:%d.%m.%Y}"

    header = [t(f"cli.plan.col.{name}", "nb") for name in _PLAN_COLUMNS]
    rows: list[list[str]] = []
    notes: list[str] = []
    for meeting in plan:
        start, end = to_oslo(meeting.start), to_oslo(meeting.end)
        clock = f"{start:%H:%M}–{end:%H:%M}"
        if end.date() != start.date():
            clock += " " + t("cli.plan.next_day", "nb", days=(end.date() - start.date()).days)
        name = t(f"meeting.body.{meeting.body.value}", "nb")
        if meeting.region:
            name = f"{name} {meeting.region}"
        place = meeting.location or (t("cli.plan.teams", "nb") if meeting.online else "–")
        mark = ""
        if meeting.moved_from is not None:
            mark = "*" * (len(notes) + 1)
            notes.append(
                t(
                    "cli.plan.moved",
                    "nb",
                    mark=mark,
                    date=day(meeting.moved_from),
                    holiday=public_holiday_name(meeting.moved_from) or "",
                )
            )
        d = meeting.deadlines
        rows.append(
            [
                day(start.date()) + mark,
                clock,
                name,
                place,
                short(d.case_submission, start.year),
                short(d.notice, start.year),
                short(d.protocol, start.year),
            ]
        )
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

    lines = [t("cli.plan.heading", "nb", year=year, count=len(plan)), ""]
    lines += [line(header).rstrip(), line(["─" * w for w in widths]).rstrip()]
    lines += [line(row).rstrip() for row in rows]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)


_PLAN_COLUMNS = ("date", "time", "meeting", "place", "cases", "notice", "protocol")


def _deadlines(args: argparse.Namespace, settings: Settings) -> int:
    """The three deadlines of one meeting (CONTRACT rules), as JSON or a short Norwegian list."""
    from bot.domain.calendar import Body, deadlines_for, default_end, format_date_nb, to_oslo
    from bot.i18n import t

    name = args.body.strip().upper()
    if name not in {b.value for b in Body}:
        known = ", ".join(b.value for b in Body)
        raise BadInput(f"unknown body {args.body!r}; expected one of {known}")
    body = Body(name)
    start = _instant(args.start, "--start")
    end = _instant(args.end, "--end") if args.end is not None else default_end(body, start)
    try:
        deadlines = deadlines_for(body, start, end)
    except ValueError as error:
        raise BadInput(str(error)) from None
    if args.json:
        print(json.dumps(deadlines.to_contract_dict(), ensure_ascii=False))
        return 0

    def when(moment: datetime) -> str:
        local = to_oslo(moment)
        return f"{format_date_nb(local.date())} kl. {local:%H:%M}"

    items = [
        (t("meeting.deadline.case_submission", "nb"), deadlines.case_submission),
        (t("meeting.deadline.notice", "nb"), deadlines.notice),
        (t("meeting.deadline.protocol", "nb"), deadlines.protocol),
    ]
    width = max(len(label) for label, _ in items)
    print(
        t(
            "cli.deadlines.heading",
            "nb",
            body=t(f"meeting.body.{body.value}", "nb"),
            start=when(start),
            end=f"{to_oslo(end):%H:%M}"
            if to_oslo(end).date() == to_oslo(start).date()
            else when(end),
        )
    )
    for label, moment in items:
        print(f"  {label.ljust(width)}  {when(moment)}")
    return 0


def _instant(text: str, option: str) -> datetime:
    """An ISO 8601 date-time; without an offset it is read as Europe/Oslo wall-clock time."""
    from bot.domain.calendar import OSLO, to_oslo

    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f"{option} is not an ISO 8601 date-time: {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=OSLO)
    return to_oslo(moment)


def _reminders(args: argparse.Namespace, settings: Settings) -> int:
    """What the reminder planner enqueues for DATE, from the data, with whether each was sent.

    Read-only apart from migrating the schema: it computes with the same function the planner
    uses (``bot.services.reminders.reminders_on``), so it lists what the scheduler sends.
    """
    day = _day(args.on, "--on")
    from storage.migrate import upgrade

    upgrade(settings.sqlalchemy_url)
    listed = asyncio.run(_list_reminders(settings, day))
    if args.json:
        print(json.dumps([item.to_contract_dict() for item in listed], ensure_ascii=False))
        return 0
    print(format_reminders_table(day, listed))
    return 0


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f"{option} is not a date (YYYY-MM-DD): {text!r}") from None


async def _list_reminders(settings: Settings, day: date) -> list[ListedReminder]:
    from bot.services.reminders import reminders_on
    from storage.db import create_engine, session_factory

    engine = create_engine(settings.sqlalchemy_url)
    try:
        async with session_factory(engine)() as session:
            return await reminders_on(session, day)
    finally:
        await engine.dispose()


def format_reminders_table(day: date, listed: Sequence[ListedReminder]) -> str:
    """The day's reminders as a Norwegian table, each followed by its recipients."""
    from bot.domain.calendar import format_date_nb
    from bot.i18n import t

    heading = t("cli.reminders.heading", "nb", date=format_date_nb(day), count=len(listed))
    if not listed:
        return "\n".join([heading, "", t("cli.reminders.none", "nb")])
    header = [t(f"cli.reminders.col.{name}", "nb") for name in _REMINDER_COLUMNS]
    rows = [
        [
            f"{item.due:%H:%M}",
            t(f"reminder.kind.{item.kind}", "nb"),
            item.subject,
            "–" if item.deadline is None else f"{item.deadline:%d.%m.%Y %H:%M}",
            str(len(item.recipients)),
            t("cli.reminders.yes" if item.sent else "cli.reminders.no", "nb"),
        ]
        for item in listed
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    lines = [heading, "", line(header), line(["─" * w for w in widths])]
    for item, row in zip(listed, rows, strict=True):
        lines.append(line(row))
        lines.append(" " * (widths[0] + 2) + ", ".join(item.recipients))
    return "\n".join(lines)


_REMINDER_COLUMNS = ("time", "kind", "subject", "deadline", "recipients", "sent")


def _verify_protocol(args: argparse.Namespace, settings: Settings) -> int:
    """Recompute the protocol's audit chain, version hashes, signatures and (when the portal is
    the local folder) the signed PDF's hash: "OK …" and exit 0, or one line and exit 2.

    Read-only: no migration, no writes; the audit table refuses UPDATE, and this only reads.
    """
    report = asyncio.run(_verify(settings, args.protocol_id))
    if not report.ok:
        raise BadInput(f"protocol {args.protocol_id}: {report.reason}")
    print(
        f"OK protocol {args.protocol_id}: {report.versions} version(s), "
        f"{report.signatures} signature(s) in force, {report.audit_entries} audit entries, "
        "chain intact"
    )
    return 0


async def _verify(settings: Settings, protocol_id: str) -> Any:
    from bot.graph.documents import clean_path
    from bot.services.protocol import verify_protocol
    from storage.db import create_engine, session_factory

    root = settings.var_dir / "portal"

    def read(path: str) -> bytes | None:
        if settings.graph_configured and settings.graph_site_id:
            return None  # archived in SharePoint: the stored hash is checked against the log
        target = root.joinpath(*clean_path(path).parts)
        return target.read_bytes() if target.is_file() else None

    engine = create_engine(settings.sqlalchemy_url)
    try:
        async with session_factory(engine)() as session:
            return await verify_protocol(session, protocol_id=protocol_id, read_document=read)
    finally:
        await engine.dispose()


def _load_demo(settings: Settings) -> None:
    """The demo organisation: a fictional roster shaped like the real committee, and the meeting
    plans of this year and the next, so every command has something to show."""
    asyncio.run(_run_import(settings, DEMO_ROSTER.read_text(encoding="utf-8"), "demo"))
    asyncio.run(_apply_demo_plans(settings))


async def _apply_demo_plans(settings: Settings) -> None:
    from datetime import datetime

    from bot.domain.calendar import OSLO
    from bot.services.meetings import SYSTEM, apply_plan
    from storage.db import create_engine, session_factory, transaction

    engine = create_engine(settings.sqlalchemy_url)
    try:
        this_year = datetime.now(OSLO).year
        for year in (this_year, this_year + 1):
            async with transaction(session_factory(engine)) as session:
                await apply_plan(session, actor=SYSTEM, year=year, source="cli")
    finally:
        await engine.dispose()


def _package(args: argparse.Namespace, settings: Settings) -> int:
    from bot.package import DEFAULT_OUT, PackageError, build_package

    try:
        written = build_package(settings, args.out or DEFAULT_OUT)
    except PackageError as error:
        raise BadInput(str(error)) from None
    print(written)
    return 0


if __name__ == "__main__":
    sys.exit(main())
