"""Configuration from the environment (or a `.env` file), with no secret defaults."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_GRAPH_BASE_URL = "https://graph.microsoft.com/v1.0"
DEFAULT_APP_BASE_URL = "https://ssu.helsefellesskap-innlandet.example"
DEFAULT_PORT = 3978
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def _alias(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    """Every knob the bot reads; names are fixed by CONTRACT.md."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    microsoft_app_id: str = Field(default="", validation_alias=_alias("MicrosoftAppId"))
    microsoft_app_password: SecretStr = Field(
        default=SecretStr(""), validation_alias=_alias("MicrosoftAppPassword")
    )
    microsoft_app_type: str = Field(
        default="MultiTenant", validation_alias=_alias("MicrosoftAppType")
    )
    microsoft_app_tenant_id: str = Field(
        default="", validation_alias=_alias("MicrosoftAppTenantId")
    )
    database_url: str | None = Field(
        default=None, validation_alias=_alias("DATABASE_URL"), repr=False
    )
    """May hold the database password: kept out of ``repr(settings)``."""
    graph_tenant_id: str | None = Field(default=None, validation_alias=_alias("GRAPH_TENANT_ID"))
    graph_client_id: str | None = Field(default=None, validation_alias=_alias("GRAPH_CLIENT_ID"))
    graph_client_secret: SecretStr | None = Field(
        default=None, validation_alias=_alias("GRAPH_CLIENT_SECRET")
    )
    graph_organizer: str | None = Field(default=None, validation_alias=_alias("GRAPH_ORGANIZER"))
    graph_base_url: str = Field(
        default=DEFAULT_GRAPH_BASE_URL, validation_alias=_alias("GRAPH_BASE_URL")
    )
    graph_site_id: str | None = Field(default=None, validation_alias=_alias("GRAPH_SITE_ID"))
    """SharePoint site whose default library is the portal; unset = files under var/portal."""
    var_dir: Path = Field(default=Path("var"), validation_alias=_alias("SSU_VAR_DIR"))
    demo: bool = Field(default=False, validation_alias=_alias("SSU_DEMO"))
    log_level: str = Field(default="INFO", validation_alias=_alias("SSU_LOG_LEVEL"))
    max_request_bytes: int = Field(
        default=256 * 1024, validation_alias=_alias("SSU_MAX_REQUEST_BYTES")
    )
    scheduler_enabled: bool = Field(default=True, validation_alias=_alias("SSU_SCHEDULER"))
    teams_app_id: str = Field(default="", validation_alias=_alias("SSU_APP_ID"))
    """The Teams app's own id (manifest `id`, a GUID); unset = the bot's MicrosoftAppId."""
    app_base_url: str = Field(
        default=DEFAULT_APP_BASE_URL, validation_alias=_alias("SSU_APP_BASE_URL")
    )
    """Developer website in the app package (privacy and terms pages below it); its host is the
    package's validDomain. The default is a fictional `.example` domain (RFC 2606)."""
    public_base_url: str | None = Field(
        default=None, validation_alias=_alias("SSU_PUBLIC_BASE_URL")
    )
    """Where the bot itself is reached (the origin of /api/messages): locally kept documents are
    linked as {this}/documents/{token}. Unset in local mode: http://127.0.0.1:<port>."""
    document_key: SecretStr | None = Field(
        default=None, validation_alias=_alias("SSU_DOCUMENT_KEY")
    )
    """Signs the links to locally kept documents (bot/documents/links.py). Unset in local mode:
    one is generated per install under SSU_VAR_DIR; required in production without GRAPH_SITE_ID."""
    document_link_days: int = Field(
        default=365, ge=1, le=3650, validation_alias=_alias("SSU_DOCUMENT_LINK_DAYS")
    )
    """How long a document link works."""

    @property
    def local_mode(self) -> bool:
        """Without a bot registration nothing can authenticate, so only loopback is safe."""
        return not self.microsoft_app_id

    @property
    def documents_kept_locally(self) -> bool:
        """Notices and protocols go to SSU_VAR_DIR/portal (no SharePoint site through Graph)."""
        return not (self.graph_configured and self.graph_site_id)

    @property
    def document_base_url(self) -> str:
        """The origin document links point at (no trailing slash)."""
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        return f"http://127.0.0.1:{DEFAULT_PORT}"

    @cached_property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.var_dir / 'ssu-bot.db').resolve()}"

    @property
    def graph_configured(self) -> bool:
        return bool(self.graph_tenant_id and self.graph_client_id and self.graph_client_secret)
