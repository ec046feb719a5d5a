"""Stop and start the throwaway PostgreSQL that scripts/test runs, for the fault tests.

scripts/test exports where the server lives (``SSU_TEST_PGDATA``), its binaries
(``SSU_TEST_PGBIN``) and the options it was started with (``SSU_TEST_PGOPTS``: port, socket
directory, fsync off …), so a test can take the server down and bring it back on the same port::

    server = PostgresServer.from_env()          # None outside scripts/test
    async with server.outage():                 # pg_ctl stop -m fast … pg_ctl start
        ...                                     # every connection is refused here

The server always comes back, whatever the block raises: later tests share it. As root the
server runs as the owner of its data directory (initdb refuses root), so pg_ctl does too.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

ENV_DATA = "SSU_TEST_PGDATA"
ENV_BIN = "SSU_TEST_PGBIN"
ENV_OPTS = "SSU_TEST_PGOPTS"
SKIP_REASON = (
    f"{ENV_DATA}/{ENV_BIN}/{ENV_OPTS} are not set: run through scripts/test, which starts a "
    "PostgreSQL this test may stop and start"
)


@dataclass(frozen=True)
class PostgresServer:
    data: Path
    bin: Path
    options: str

    @classmethod
    def from_env(cls) -> PostgresServer | None:
        data, bin_dir, options = (os.environ.get(n, "") for n in (ENV_DATA, ENV_BIN, ENV_OPTS))
        if not (data and bin_dir and options):
            return None
        return cls(Path(data), Path(bin_dir), options)

    @property
    def log(self) -> Path:
        """scripts/test's server log (beside the data directory)."""
        return self.data.parent / "server.log"

    def _pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / "pg_ctl"), "-D", str(self.data), *args]
        owner = self.data.stat().st_uid
        if os.getuid() == 0 and owner != 0:
            command = ["runuser", "-u", pwd.getpwuid(owner).pw_name, "--", *command]
        return subprocess.run(
            command, check=check, capture_output=True, text=True, cwd=self.data.parent, timeout=90
        )

    def running(self) -> bool:
        return self._pg_ctl("status", check=False).returncode == 0

    def stop(self) -> None:
        """Fast shutdown: open transactions are rolled back, every connection is cut."""
        self._pg_ctl("-m", "fast", "-w", "-t", "30", "stop")

    def start(self) -> None:
        self._pg_ctl("-l", str(self.log), "-w", "-t", "60", "-o", self.options, "start")

    @asynccontextmanager
    async def outage(self) -> AsyncIterator[None]:
        """The server is down inside the block and up again after it (even on errors)."""
        await asyncio.to_thread(self.stop)
        try:
            yield
        finally:
            if not await asyncio.to_thread(self.running):
                await asyncio.to_thread(self.start)
