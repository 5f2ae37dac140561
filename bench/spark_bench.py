"""Spark SQL (read-only store, lib.store.spark; published by lib.publish) against the embedded DuckDB store it came from.

Usage: ``python -m bench.spark_bench [--customers 1000000] [--repeat 3] [--driver-memory 3g]``
Needs requirements-distributed.txt. Starts a throw-away Spark Thrift Server on loopback
(tests/sparkserver.py, master local[2]), times its start, publishes the existing
bench/work/demo_<customers>_12.duckdb to it (Parquet export + table registration; the base is
made by ``bench.overview_bench`` and never regenerated or written here: a copy in the server's
temporary folder is published and read), then times each page's query set
cold (first call) and warm (median of ``--repeat``) on both stores and checks that the answers
agree. Prints a Markdown table and writes bench/results/spark_<customers>.md.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from bench.timing import timed
from lib.auth import User, acting_as
from lib.store.filters import Filters
from lib.overview.queries import snapshot_list
from lib.rules.versions import current_rules
from lib.store import read_frame
from lib.pipeline.migrations import open_store

WORK = Path(__file__).resolve().parent / "work"
RESULTS = Path(__file__).resolve().parent / "results"


def query_sets(rules, dates):
    """Each page's main computations (what a first visit runs), as ``fn(conn)``."""
    from lib.lifecycle import settings as lifecycle_settings
    from lib.lifecycle import stages as lifecycle_stages
    from lib.lifecycle import curves as lifecycle_curves
    from lib.lifecycle import cohort_matrix as lifecycle_cohorts
    from lib.lifecycle import breakdown as lifecycle_breakdown
    from lib.segments import tiers as segments
    from lib.segments import geo as segments_geo
    from lib.overview.kpis import build_overview
    from lib.rules.economics import economics
    from lib.offers.targets import offer_targets

    latest = dates[-1]
    everyone = Filters(latest)
    definition = lifecycle_settings.default_definition(rules)
    settings = lifecycle_settings.settings(rules)
    return {
        "Overview (build_overview)": lambda conn: build_overview(conn, everyone, rules),
        "Segments: value": lambda conn: segments.value_view(conn, everyone, rules),
        "Segments: RFM": lambda conn: segments.rfm_view(conn, everyone, rules,
                                                        segments.rfm_cuts(conn, latest)),
        "Segments: geography": lambda conn: segments_geo.province_view(conn, everyone, rules),
        "Segments: migration": lambda conn: segments.migration_view(conn, everyone, rules, dates[-4]),
        "Lifecycle: stages": lambda conn: lifecycle_stages.stages(conn, everyone),
        "Lifecycle: cohorts": lambda conn: lifecycle_cohorts.cohorts(conn, everyone, rules, definition,
                                                             settings.cohort_months),
        "Lifecycle: survival by tier": lambda conn: lifecycle_curves.survival(
            conn, everyone, rules, definition, "tier", settings.max_groups),
        "Lifecycle: churn breakdown": lambda conn: lifecycle_breakdown.churn_breakdown(
            conn, everyone, rules, definition, settings.value_drop_share),
        "Offers: targets": lambda conn: offer_targets(conn, everyone, rules, economics(rules)),
    }


def run(customers: int, repeat: int, driver_memory: str) -> str:
    from tests.sparkserver import SparkThriftServer
    from tests.test_parity import differences

    source = WORK / f"demo_{customers}_12.duckdb"
    if not source.exists():
        sys.exit(f"{source} is missing: run `python -m bench.overview_bench --customers {customers}`")
    lines = [f"# Spark SQL vs DuckDB, {customers:,} customers × 12 snapshots", ""]
    with SparkThriftServer(driver_memory=driver_memory) as server:
        # A copy: publishing brings the source to the current schema and stores the shipped
        # rules and offer catalogue, and other benches may be reading the shared base.
        copy = server.base / source.name
        shutil.copyfile(source, copy)
        source = copy
        started = time.perf_counter()
        from lib.publish import load_from_duckdb

        with acting_as(User("bench", "admin")):
            done = load_from_duckdb(f"duckdb:///{source}", server.url, server.base / "published")
        publish = time.perf_counter() - started
        spark = open_store(server.url)
        duck = open_store(f"duckdb:///{source}")
        rules = current_rules(duck)
        dates = read_frame(duck, snapshot_list())["snapshot_date"].to_list()
        lines += [
            f"- Thrift server start (spark-submit to listening, local[2], driver {driver_memory}): "
            f"{server.start_seconds:.1f} s",
            f"- Publish {sum(done.rows.values()):,} rows in {len(done.rows)} tables: {publish:.1f} s "
            f"(DuckDB Parquet export {done.export_seconds:.1f} s, Spark table registration "
            f"{done.register_seconds:.1f} s)", "",
            "| page query set | DuckDB cold | DuckDB warm | Spark cold | Spark warm | Spark / DuckDB warm | same answer |",
            "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        total = {"duck": 0.0, "spark": 0.0}
        for name, fn in query_sets(rules, dates).items():
            timings, answers = {}, {}
            for label, engine in (("duck", duck), ("spark", spark)):
                with engine.connect() as conn:
                    cold, _ = timed(lambda: fn(conn), 1)
                    warm, answers[label] = timed(lambda: fn(conn), repeat)
                timings[label] = (cold, warm)
                total[label] += warm
            same = "yes" if not differences(answers["duck"], answers["spark"], name) else "NO"
            (dc, dw), (sc, sw) = timings["duck"], timings["spark"]
            lines.append(f"| {name} | {dc * 1000:,.0f} ms | {dw * 1000:,.0f} ms | {sc * 1000:,.0f} ms "
                         f"| {sw * 1000:,.0f} ms | {sw / dw:,.1f}× | {same} |")
            print(lines[-1], flush=True)
        lines.append(f"| **all of the above** | | {total['duck'] * 1000:,.0f} ms | | "
                     f"{total['spark'] * 1000:,.0f} ms | {total['spark'] / total['duck']:,.1f}× | |")
        spark.dispose()
        duck.dispose()
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--driver-memory", default="3g")
    args = parser.parse_args()
    text = run(args.customers, args.repeat, args.driver_memory)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"spark_{args.customers}.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
