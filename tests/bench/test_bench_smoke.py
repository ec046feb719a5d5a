"""Each benchmark runs on a tiny size and produces its rows. No timing is asserted: timings
belong to ``python -m bench``, which prints ratios measured in one run."""

from __future__ import annotations

import os

import pytest

from bench import scale, startup, turns
from bench.common import Row, percentile, render_table
from bench.echo_floor import ReplyPlan, parse_plan
from bench.pg import database, postgres_server


def _by_measure(rows: list[Row]) -> dict[str, Row]:
    return {row.measure: row for row in rows}


def test_the_table_and_percentiles() -> None:
    rows = [
        Row("g", "fast", 2.0, "ms", 1.0, 1.5),
        Row("g", "none", None, note="no figure"),
        Row("g", "count", 0.0, target=0, target_on="value"),
    ]
    text = render_table(rows)
    assert text.count("\n") == 4
    assert "2.00×" in text and "MISS" in text and "ok" in text
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([], 99) is None


def test_the_floor_reads_the_reply_sizes_it_must_match() -> None:
    assert parse_plan("1200,800|0") == ReplyPlan((1200, 800), 0)
    assert parse_plan("|3000") == ReplyPlan((), 3000)
    assert parse_plan(None).messages == (1,)


async def test_turns_drive_the_real_bot_and_the_floor() -> None:
    rows = await turns.bench(backends={"sqlite": None}, conversations=2, turns=10, time_limit=120.0)
    found = _by_measure(rows)
    assert found["errors"].value == 0, found["errors"].note
    for measure in ("HTTP p50", "reply at connector p50", "turns/s"):
        assert found[measure].value is not None and found[measure].value > 0
        assert found[measure].base is not None and found[measure].base > 0
    assert "  p50 meld inn sak" in found


async def test_scale_counts_queries_on_both_sizes() -> None:
    backends: dict[str, str | None] = {"sqlite": None}
    admin = os.environ.get("SSU_TEST_POSTGRES_URL")
    if admin:
        backends["postgres"] = admin
    rows = await scale.bench(backends=backends, repeats=1, scale=0.01)
    for backend in backends:
        found = {r.measure: r for r in rows if r.group == f"scale {backend}"}
        sweep = found["reminder sweep (expire+claim+targets+next due)"]
        assert sweep.value is not None and sweep.base is not None
        assert "queries 1y" in found["mine saker"].note
        assert "queries 1y" in found["agenda (the next meeting's)"].note


async def test_start_measures_serve_to_healthz_with_a_breakdown() -> None:
    rows = await startup.bench_start(samples=1)
    found = _by_measure(rows)
    assert found["serve → /healthz 200 (migrated db)"].value is not None
    assert found["import bot.app (all its imports)"].value is not None
    assert found["migrate, already up to date"].value is not None
    assert any(measure.startswith("  of which") for measure in found)


async def test_memory_samples_rss_at_half_and_end() -> None:
    rows = await startup.bench_memory(turns=40, conversations=2)
    found = _by_measure(rows)
    assert found["RSS at 20 turns"].value is not None
    assert found["RSS at 40 turns"].value is not None
    assert found["RSS growth, second half"].value is not None


async def test_a_postgres_database_for_the_bench() -> None:
    if not os.environ.get("SSU_TEST_POSTGRES_URL"):
        pytest.skip("no PostgreSQL: run through scripts/test")
    with postgres_server() as admin:
        async with database(admin, prefix="ssu_bench_smoke") as url:
            assert url.startswith("postgresql+asyncpg://") and "ssu_bench_smoke_" in url
