"""The server starts without the heavy libraries: they are imported when first needed.

Importing ``bot.app`` (what ``ssu-bot serve`` does before it can answer /healthz) must not pull
in the chart, document, Graph or migration libraries — together they were over a second of the
start and ~70 MB of memory. Each check runs in a fresh interpreter: this test process has long
imported all of them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Imported on first use only: by the first chart, PDF, DOCX, Graph call or migration.
LAZY = (
    "matplotlib",
    "numpy",
    "PIL",
    "fpdf",
    "fontTools",
    "docx",
    "lxml",
    "msgraph",
    "kiota_abstractions",
    "azure.identity",
    "alembic",
)


def _imported_after(statement: str) -> set[str]:
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return set(json.loads(result.stdout.splitlines()[-1]))


@pytest.fixture(scope="module")
def app_modules() -> set[str]:
    return _imported_after("import bot.app")


@pytest.mark.parametrize("package", LAZY)
def test_importing_the_app_does_not_import(app_modules: set[str], package: str) -> None:
    loaded = sorted(m for m in app_modules if m == package or m.startswith(package + "."))
    assert not loaded, f"import bot.app imported {package}: {loaded[:5]}"


def test_the_first_chart_imports_matplotlib_then() -> None:
    """The lazy path works in a fresh interpreter, and the check above would see the import."""
    modules = _imported_after(
        "import bot.app\n"
        "from bot.charts import trend_chart\n"
        "from bot.domain.evaluation import TrendPoint\n"
        "png = trend_chart([TrendPoint('1.1', (4.0,))], ['a'], title='t', y_label='y')\n"
        "assert png.startswith(b'\\x89PNG')"
    )
    assert {"matplotlib", "numpy", "PIL"} <= modules
