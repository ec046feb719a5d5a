"""The Teams app package: ``appPackage/`` with the ids filled in from configuration, zipped.

``appPackage/manifest.template.json`` holds ``${{NAME}}`` placeholders inside JSON strings; they are
replaced in the parsed document (never in the text, so no value can break the JSON):

============== ===================================================================
TEAMS_APP_ID   ``SSU_APP_ID``, else ``MicrosoftAppId`` (the manifest's own ``id``)
BOT_ID         ``MicrosoftAppId`` (the bot registration; also ``webApplicationInfo``)
APP_BASE_URL   ``SSU_APP_BASE_URL`` without a trailing slash (developer pages)
APP_DOMAIN     the host of ``SSU_APP_BASE_URL`` (``validDomains``)
APP_VERSION    the installed ``ssu-bot`` distribution's version (semver)
============== ===================================================================

The zip holds ``manifest.json``, the two icons and the localization files the manifest names, at
its root, with fixed timestamps so the same input gives the same bytes.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.config import Settings

APP_PACKAGE_DIR = Path(__file__).resolve().parent.parent / "appPackage"
TEMPLATE_NAME = "manifest.template.json"
DEFAULT_OUT = Path("build") / "ssu-bot-teams-app.zip"
COLOR_ICON_SIZE = 192
OUTLINE_ICON_SIZE = 32

_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_PLACEHOLDER = re.compile(r"\$\{\{([A-Z_]+)\}\}")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class PackageError(Exception):
    """Why the package cannot be built, in one line."""


def is_guid(value: str) -> bool:
    return _GUID.fullmatch(value) is not None


def app_version() -> str:
    try:
        return metadata.version("ssu-bot")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def package_values(settings: Settings) -> dict[str, str]:
    """The placeholder values, checked; raises PackageError with the first problem."""
    bot_id = settings.microsoft_app_id.strip()
    if not bot_id:
        raise PackageError("MicrosoftAppId is not set: the app package needs the bot's app id")
    if not is_guid(bot_id):
        raise PackageError(f"MicrosoftAppId is not a GUID: {bot_id!r}")
    app_id = settings.teams_app_id.strip() or bot_id
    if not is_guid(app_id):
        raise PackageError(f"SSU_APP_ID is not a GUID: {app_id!r}")
    base_url = settings.app_base_url.strip().rstrip("/")
    parts = urlsplit(base_url)
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.query:
        raise PackageError(f"SSU_APP_BASE_URL must be an https URL with a host: {base_url!r}")
    return {
        "TEAMS_APP_ID": app_id.lower(),
        "BOT_ID": bot_id.lower(),
        "APP_BASE_URL": base_url,
        "APP_DOMAIN": parts.hostname,
        "APP_VERSION": app_version(),
    }


def fill(document: Any, values: Mapping[str, str]) -> Any:
    """``document`` with every ``${{NAME}}`` in its strings replaced; unknown names raise."""
    if isinstance(document, dict):
        return {key: fill(value, values) for key, value in document.items()}
    if isinstance(document, list):
        return [fill(item, values) for item in document]
    if isinstance(document, str):
        return _PLACEHOLDER.sub(lambda match: _value(match.group(1), values), document)
    return document


def _value(name: str, values: Mapping[str, str]) -> str:
    try:
        return values[name]
    except KeyError:
        raise PackageError(
            f"the manifest template uses an unknown placeholder ${{{{{name}}}}}"
        ) from None


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PackageError(f"missing {path}") from None
    except (OSError, ValueError) as error:
        raise PackageError(f"cannot read {path}: {error}") from None


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    if len(data) < 24 or not data.startswith(_PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise PackageError("not a PNG file")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _icon(source: Path, name: str, side: int) -> bytes:
    path = source / name
    try:
        data = path.read_bytes()
    except OSError as error:
        raise PackageError(f"cannot read icon {path}: {error}") from None
    try:
        size = png_size(data)
    except PackageError:
        raise PackageError(f"icon {path} is not a PNG file") from None
    if size != (side, side):
        raise PackageError(f"icon {path} is {size[0]}×{size[1]}, Teams wants {side}×{side}")
    return data


def manifest(settings: Settings, source: Path = APP_PACKAGE_DIR) -> dict[str, Any]:
    """The filled manifest for ``settings``."""
    filled = fill(_read_json(source / TEMPLATE_NAME), package_values(settings))
    if not isinstance(filled, dict):
        raise PackageError(f"{source / TEMPLATE_NAME} is not a JSON object")
    return filled


def package_files(settings: Settings, source: Path = APP_PACKAGE_DIR) -> dict[str, bytes]:
    """Name in the zip → content, in zip order: the manifest first."""
    document = manifest(settings, source)
    icons = document.get("icons", {})
    files = {
        "manifest.json": (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode(),
        icons.get("color", "color.png"): _icon(source, icons.get("color", ""), COLOR_ICON_SIZE),
        icons.get("outline", "outline.png"): _icon(
            source, icons.get("outline", ""), OUTLINE_ICON_SIZE
        ),
    }
    localization = document.get("localizationInfo", {})
    names = [localization.get("defaultLanguageFile")]
    names += [item.get("file") for item in localization.get("additionalLanguages", [])]
    for name in names:
        if not name:
            continue
        if Path(name).name != name:
            raise PackageError(f"localization file {name!r} must sit beside the manifest")
        _read_json(source / name)
        files[name] = (source / name).read_bytes()
    return files


def build_package(settings: Settings, out: Path, source: Path = APP_PACKAGE_DIR) -> Path:
    """Write the zip to ``out`` (atomically) and return its path."""
    files = package_files(settings, source)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, content in files.items():
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, content)
        partial.replace(out)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise PackageError(f"cannot write {out}: {error}") from None
    return out
