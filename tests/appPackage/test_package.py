"""The Teams app package: `ssu-bot package`, the manifest against Microsoft's JSON schema
(offline, @microsoft/app-manifest run by node), the localization files and the icons."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops

from bot.cli import main
from bot.config import Settings
from bot.i18n import t
from bot.package import (
    APP_PACKAGE_DIR,
    PackageError,
    app_version,
    build_package,
    fill,
    package_values,
    png_size,
)
from bot.package_icons import draw_color, draw_outline
from bot.teams.commands import Command, parse_command

ROOT = Path(__file__).resolve().parents[2]
VALIDATOR = Path(__file__).with_name("validate_manifest.cjs")
NODE_MODULES = ROOT / "tests" / "e2e" / "node_modules"
BOT_ID = "3F2504E0-4F89-11D3-9A0C-0305E82C3301"
APP_ID = "6b1f3c8e-2d4a-4f5b-9c7d-0e1f2a3b4c5d"
ENV_NAMES = ("MicrosoftAppId", "SSU_APP_ID", "SSU_APP_BASE_URL")


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **{"microsoft_app_id": BOT_ID, **values})


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No ids from the caller's environment or a stray .env: the CLI sees only what a test sets."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def unpack(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture
def package(tmp_path: Path) -> dict[str, bytes]:
    return unpack(build_package(settings(), tmp_path / "app.zip"))


# ----------------------------------------------------------------------------------- building


def test_package_holds_manifest_icons_and_localizations(package: dict[str, bytes]) -> None:
    assert list(package) == ["manifest.json", "color.png", "outline.png", "nb-NO.json", "en.json"]
    for name in ("color.png", "outline.png", "nb-NO.json", "en.json"):
        assert package[name] == (APP_PACKAGE_DIR / name).read_bytes()


def test_manifest_ids_come_from_configuration(package: dict[str, bytes]) -> None:
    manifest = json.loads(package["manifest.json"])
    assert "${{" not in package["manifest.json"].decode()
    assert manifest["id"] == BOT_ID.lower()
    assert manifest["bots"][0]["botId"] == BOT_ID.lower()
    assert manifest["webApplicationInfo"]["id"] == BOT_ID.lower()
    assert manifest["version"] == app_version()
    assert manifest["developer"]["websiteUrl"] == "https://ssu.helsefellesskap-innlandet.example"
    assert manifest["validDomains"] == ["ssu.helsefellesskap-innlandet.example"]


def test_separate_teams_app_id_and_domain(tmp_path: Path) -> None:
    chosen = settings(teams_app_id=APP_ID, app_base_url="https://ssu.example.org/teams/")
    manifest = json.loads(unpack(build_package(chosen, tmp_path / "a.zip"))["manifest.json"])
    assert manifest["id"] == APP_ID
    assert manifest["bots"][0]["botId"] == BOT_ID.lower()
    assert manifest["developer"]["privacyUrl"] == "https://ssu.example.org/teams/personvern"
    assert manifest["validDomains"] == ["ssu.example.org"]


def test_the_same_input_gives_the_same_zip(tmp_path: Path) -> None:
    first = build_package(settings(), tmp_path / "1.zip").read_bytes()
    second = build_package(settings(), tmp_path / "2.zip").read_bytes()
    assert first == second


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"microsoft_app_id": ""}, "MicrosoftAppId is not set"),
        ({"microsoft_app_id": "not-a-guid"}, "MicrosoftAppId is not a GUID"),
        ({"microsoft_app_id": BOT_ID + "\n"}, None),
        ({"microsoft_app_id": "{" + BOT_ID + "}"}, "MicrosoftAppId is not a GUID"),
        ({"teams_app_id": "app"}, "SSU_APP_ID is not a GUID"),
        ({"app_base_url": "http://ssu.example.org"}, "SSU_APP_BASE_URL"),
        ({"app_base_url": "https://"}, "SSU_APP_BASE_URL"),
    ],
)
def test_bad_configuration_is_refused(values: dict[str, str], reason: str | None) -> None:
    if reason is None:
        assert package_values(settings(**values))["BOT_ID"] == BOT_ID.lower()
        return
    with pytest.raises(PackageError, match=reason):
        package_values(settings(**values))


def test_unknown_placeholder_is_refused() -> None:
    with pytest.raises(PackageError, match="NOPE"):
        fill({"a": ["x ${{NOPE}}"]}, {"BOT_ID": BOT_ID})


def test_icons_of_the_wrong_size_are_refused(tmp_path: Path) -> None:
    source = tmp_path / "appPackage"
    shutil.copytree(APP_PACKAGE_DIR, source)
    Image.new("RGBA", (64, 64)).save(source / "outline.png")
    with pytest.raises(PackageError, match="64×64, Teams wants 32×32"):
        build_package(settings(), tmp_path / "a.zip", source)
    assert not (tmp_path / "a.zip").exists()


# ---------------------------------------------------------------------------------------- CLI


def test_cli_builds_the_package(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MicrosoftAppId", BOT_ID)
    out = clean_env / "out" / "ssu.zip"
    assert main(["package", "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert json.loads(unpack(out)["manifest.json"])["bots"][0]["botId"] == BOT_ID.lower()


def test_cli_default_output(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MicrosoftAppId", BOT_ID)
    assert main(["package"]) == 0
    assert (clean_env / "build" / "ssu-bot-teams-app.zip").is_file()


@pytest.mark.parametrize("app_id", [None, "", "12345", "3F2504E0-4F89-11D3-9A0C-0305E82C330"])
def test_cli_exits_2_without_a_guid(
    clean_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    app_id: str | None,
) -> None:
    if app_id is not None:
        monkeypatch.setenv("MicrosoftAppId", app_id)
    assert main(["package", "--out", str(clean_env / "x.zip")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ssu-bot: MicrosoftAppId "), captured.err
    assert not (clean_env / "x.zip").exists()


# --------------------------------------------------------------------------------- the schema


def _validator_missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    for package in ("@microsoft/app-manifest", "fs-extra", "ajv-draft-04"):
        if not (NODE_MODULES / package / "package.json").is_file():
            return f"{package} is not in tests/e2e/node_modules (run scripts/setup)"
    return None


def validate(directory: Path) -> dict[str, Any]:
    reason = _validator_missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must validate the manifest: {reason}")
        pytest.skip(reason)
    done = subprocess.run(
        ["node", str(VALIDATOR), str(directory)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_manifest_is_valid_against_the_teams_schema(
    package: dict[str, bytes], tmp_path: Path
) -> None:
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    for name, content in package.items():
        (unpacked / name).write_bytes(content)
    result = validate(unpacked)
    manifest = json.loads(package["manifest.json"])
    assert result["manifestVersion"] == manifest["manifestVersion"]
    assert result["schema"] == f"v{manifest['manifestVersion']}"
    assert float(manifest["manifestVersion"]) >= 1.17
    assert result["manifest"] == []
    assert result["localization"] == {"nb-NO.json": [], "en.json": []}


def test_the_validator_does_find_errors(package: dict[str, bytes], tmp_path: Path) -> None:
    manifest = json.loads(package["manifest.json"])
    manifest["bots"][0]["botId"] = "not-a-guid"
    manifest["bots"][0]["scopes"].append("meetings")
    english = json.loads(package["en.json"])
    english["name.short"] = "x" * 31
    unpacked = tmp_path / "broken"
    unpacked.mkdir()
    (unpacked / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (unpacked / "nb-NO.json").write_bytes(package["nb-NO.json"])
    (unpacked / "en.json").write_text(json.dumps(english), encoding="utf-8")
    result = validate(unpacked)
    assert any("/bots/0/botId" in error for error in result["manifest"])
    assert any("/bots/0/scopes/3" in error for error in result["manifest"])
    assert any("/name.short" in error for error in result["localization"]["en.json"])
    assert result["localization"]["nb-NO.json"] == []


# ---------------------------------------------------------------------------- what it declares


def _template() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        (APP_PACKAGE_DIR / "manifest.template.json").read_text(encoding="utf-8")
    )
    return document


def _localization(name: str) -> dict[str, str]:
    document: dict[str, str] = json.loads((APP_PACKAGE_DIR / name).read_text(encoding="utf-8"))
    return document


def test_bot_scopes_meetings_and_permissions() -> None:
    manifest = _template()
    bot = manifest["bots"][0]
    assert bot["scopes"] == ["personal", "team", "groupChat"]
    assert bot["isNotificationOnly"] is False
    assert bot["supportsCalling"] is False
    assert manifest["name"]["short"] == "SSU-assistenten"
    assert manifest["developer"]["name"] == "Helsefellesskap Innlandet"
    assert manifest["localizationInfo"]["defaultLanguageTag"] == "nb-NO"
    rsc = {
        p["name"]: p["type"] for p in manifest["authorization"]["permissions"]["resourceSpecific"]
    }
    # Meeting start/end events (TOOLS.md): scheduled meetings' chats and channel meetings.
    assert rsc == {
        "OnlineMeeting.ReadBasic.Chat": "Application",
        "ChannelMeeting.ReadBasic.Group": "Application",
    }
    assert manifest["webApplicationInfo"]["id"] == "${{BOT_ID}}"  # RSC needs it


def test_commands_are_the_contract_chat_commands_in_each_language() -> None:
    manifest = _template()
    norwegian, english = _localization("nb-NO.json"), _localization("en.json")
    for index, command_list in enumerate(manifest["bots"][0]["commandLists"]):
        for position, command in enumerate(command_list["commands"]):
            key = f"bots[0].commandLists[{index}].commands[{position}]"
            # Choosing a command in Teams sends its title: it must be a phrase the bot knows.
            meaning = parse_command(command["title"])
            assert meaning is not None, command["title"]
            assert parse_command(english[f"{key}.title"]) is meaning
            assert norwegian[f"{key}.title"] == command["title"]
            assert norwegian[f"{key}.description"] == command["description"]
            assert english[f"{key}.description"].strip()
    personal = manifest["bots"][0]["commandLists"][0]
    assert personal["scopes"] == ["personal"]
    assert {parse_command(c["title"]) for c in personal["commands"]} == set(Command)
    group = manifest["bots"][0]["commandLists"][1]
    assert group["scopes"] == ["team", "groupChat"]


def test_localization_files_match_the_manifest() -> None:
    manifest = _template()
    norwegian, english = _localization("nb-NO.json"), _localization("en.json")
    assert set(norwegian) == set(english)
    assert norwegian["$schema"] == manifest["$schema"].replace(".schema.", ".Localization.schema.")
    for part in ("name", "description"):
        for length in ("short", "full"):
            assert norwegian[f"{part}.{length}"] == manifest[part][length]
    assert norwegian["name.short"] == t("app.name", "nb")
    assert english["name.short"] == t("app.name", "en")


# -------------------------------------------------------------------------------------- icons


def test_color_icon() -> None:
    data = (APP_PACKAGE_DIR / "color.png").read_bytes()
    assert png_size(data) == (192, 192)
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size == (192, 192)
    assert image.mode in {"RGB", "RGBA"}
    rgba = image.convert("RGBA")
    opaque = sum(1 for a in rgba.getchannel("A").get_flattened_data() if a == 255)
    assert opaque > 0.85 * 192 * 192, "the colour icon should be a filled shape"
    assert len(set(rgba.convert("RGB").get_flattened_data())) > 16, "looks blank"


def test_outline_icon_is_white_on_transparent() -> None:
    data = (APP_PACKAGE_DIR / "outline.png").read_bytes()
    assert png_size(data) == (32, 32)
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size == (32, 32) and image.mode == "RGBA"
    pixels = list(image.get_flattened_data())
    wrong = [p for p in pixels if p[3] != 0 and p[:3] != (255, 255, 255)]
    assert wrong == [], f"{len(wrong)} pixels neither transparent nor white, e.g. {wrong[:3]}"
    visible = sum(1 for p in pixels if p[3] > 0)
    assert 0.15 * 32 * 32 < visible < 0.6 * 32 * 32, "outline should be a shape, not empty/full"
    corners = [image.getpixel(xy) for xy in ((0, 0), (31, 0), (0, 31), (31, 31))]
    assert all(isinstance(c, tuple) and c[3] == 0 for c in corners)


@pytest.mark.parametrize(
    ("name", "draw"), [("color.png", draw_color), ("outline.png", draw_outline)]
)
def test_committed_icons_come_from_the_generator(name: str, draw: Any) -> None:
    committed = Image.open(APP_PACKAGE_DIR / name).convert("RGBA")
    fresh = draw().convert("RGBA")
    assert committed.size == fresh.size
    difference = ImageChops.difference(committed, fresh).getextrema()
    assert max(high for _low, high in difference) <= 2, (
        "run: python -m bot.package_icons appPackage"
    )
