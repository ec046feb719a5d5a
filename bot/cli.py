"""`ssu-bot`: the command line of CONTRACT.md. Exit 0 on success, 2 on bad input."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bot.config import LOOPBACK_HOSTS, Settings
from bot.logs import configure as configure_logging

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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ssu-bot", description=__doc__)
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
    return parser


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from aiohttp import web

    from bot.app import create_app
    from storage.migrate import upgrade

    if settings.local_mode and args.host not in LOOPBACK_HOSTS:
        raise BadInput(f"local mode (no MicrosoftAppId) binds only to loopback, not {args.host!r}")
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


def _load_demo(settings: Settings) -> None:
    """The demo organisation: a fictional roster shaped like the real committee."""
    asyncio.run(_run_import(settings, DEMO_ROSTER.read_text(encoding="utf-8"), "demo"))


if __name__ == "__main__":
    sys.exit(main())
