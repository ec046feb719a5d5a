# ssu-bot container image: the bot runtime only (no tests, no Node, no build tools).
#
#   docker build -t ssu-bot .
#   docker run --rm --env-file prod.env ssu-bot migrate      # one-off schema upgrade
#   docker run -d -p 3978:3978 --env-file prod.env ssu-bot   # serve (migrates too)
#
# Configuration comes only from the environment (docs/env/production.env.example);
# nothing secret is baked into the image. Without MicrosoftAppId the bot is in local
# mode and `serve` refuses to bind 0.0.0.0, so the container exits at once: that is
# intended (an unauthenticated bot must never listen on a network).
# See docs/deployment.md.

ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

# --------------------------------------------------------------------- build
FROM ${PYTHON_IMAGE} AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_NO_INPUT=1

WORKDIR /src
# Only what the wheel is built from (see .dockerignore): metadata, pins, the four packages.
COPY pyproject.toml constraints.txt README.md ./
COPY bot ./bot
COPY cards ./cards
COPY dialogs ./dialogs
COPY storage ./storage

# Wheels for ssu-bot and every dependency, resolved against the pins in constraints.txt,
# then installed from those wheels alone into a virtualenv the runtime stage copies.
RUN python -m pip wheel --wheel-dir /wheels -c constraints.txt . \
    && python -m venv /opt/ssu-bot \
    && /opt/ssu-bot/bin/pip install --no-index --find-links /wheels -c constraints.txt ssu-bot \
    && /opt/ssu-bot/bin/pip uninstall --yes pip setuptools wheel

# ------------------------------------------------------------------- runtime
FROM ${PYTHON_IMAGE} AS runtime

# tzdata: Europe/Oslo for zoneinfo from the system (the tzdata wheel is the fallback);
# ca-certificates: TLS to Microsoft Graph, the Bot Connector and PostgreSQL.
# Both unpinned on purpose: a rebuild must pick up new time-zone rules and CA changes.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends tzdata ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 ssu \
    && useradd --system --uid 10001 --gid ssu --no-create-home \
        --home-dir /var/lib/ssu-bot --shell /usr/sbin/nologin ssu \
    && install -d -o ssu -g ssu -m 0750 /var/lib/ssu-bot

COPY --from=build /opt/ssu-bot /opt/ssu-bot

ENV PATH=/opt/ssu-bot/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SSU_VAR_DIR=/var/lib/ssu-bot \
    MPLCONFIGDIR=/tmp/matplotlib

# The embedded SQLite database, local calendar and portal files live here when no
# DATABASE_URL / Graph is configured; with PostgreSQL and Graph it holds nothing durable.
VOLUME ["/var/lib/ssu-bot"]
WORKDIR /var/lib/ssu-bot

EXPOSE 3978

USER 10001:10001

# GET /healthz answers 200 only when the database answers (503 otherwise).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:3978/healthz', timeout=4).status == 200 else 1)"]

STOPSIGNAL SIGTERM
ENTRYPOINT ["ssu-bot"]
CMD ["serve", "--host", "0.0.0.0", "--port", "3978"]
