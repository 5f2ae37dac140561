"""The benchmark's seeded demo bases in bench/work/, made once per size and reused.

``ensure_base(customers, snapshots)`` returns the path of ``bench/work/demo_<N>_<S>.duckdb``,
seeding it when missing:

- up to ``SHARD_CUSTOMERS`` customers: one ``lib.demo.generate`` simulation, one import per snapshot
  (``lib.pipeline.snapshots.write_snapshots``), as ``lib.demo.seed.seed_demo`` does;
- above it (10M), **in shards, snapshot by snapshot**, so memory stays bounded: one simulation
  of one snapshot of 10M customers holds ~7.5 GB of numpy state, frames and temporaries in Python
  (measured at 1M: 0.9 GB peak, linear), which this shared machine cannot spare. The base is
  instead ``N / SHARD_CUSTOMERS`` independent simulations of the same demo world (seeds
  ``seed + k``; shard ``k``'s ids get the digit prefix ``k``, so ids stay unique and stable
  across snapshots; ids of a 10M single simulation have the same 9-character width). Each
  snapshot is stored as one import of the first shard (``write_snapshots``: snapshot list,
  import log, tiers, stages, cube), the other shards' rows appended with the same bulk path in
  one transaction, then tiers, stages and the cube recomputed for that date
  (``lib.pipeline.snapshots.apply_rules``). Customers are independent in the simulation (no interaction
  between them), so the shards draw the same population as one simulation would; only the
  campaign draw and the gross-add noise are per shard. Python holds the shards' state (~90
  bytes per customer) plus one shard's frame at a time; DuckDB is capped by
  ``SEED_MEMORY_LIMIT`` and spills the rest to disk.
"""
from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import polars as pl
import sqlalchemy as sa

WORK = Path(__file__).resolve().parent / "work"
#: Customers per simulated shard above which a base is seeded in shards.
SHARD_CUSTOMERS = 1_000_000
#: DuckDB memory cap while seeding (it spills to disk beyond it).
SEED_MEMORY_LIMIT = "3GB"


def base_path(customers: int, snapshots: int) -> Path:
    return WORK / f"demo_{customers}_{snapshots}.duckdb"


def ensure_base(customers: int, snapshots: int = 12, seed: int = 7,
                report=print) -> Path:
    """Path of the seeded base of ``customers`` × ``snapshots``, seeding it when missing."""
    from lib.auth import User, acting_as
    from lib.pipeline.migrations import open_store

    path = base_path(customers, snapshots)
    if path.exists() and not Path(f"{path}.wal").exists():
        return path
    for leftover in WORK.glob(f"{path.name}*"):   # an interrupted seeding starts again
        leftover.unlink()
    WORK.mkdir(exist_ok=True)
    engine = open_store(f"duckdb:///{path}")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"SET memory_limit = '{SEED_MEMORY_LIMIT}'")
        conn.exec_driver_sql("SET preserve_insertion_order = false")
    start = time.perf_counter()
    with acting_as(User("bench", "admin")):
        if customers <= SHARD_CUSTOMERS:
            from lib.demo.seed import seed_demo

            seed_demo(engine, customers=customers, snapshots=snapshots, seed=seed, report=report)
        else:
            _seed_shards(engine, customers, snapshots, seed, report)
    engine.dispose()
    report(f"seeded {customers:,} × {snapshots} in {time.perf_counter() - start:.0f} s, "
           f"peak RSS {peak_rss_mb():.0f} MB")
    return path


def _seed_shards(engine: sa.Engine, customers: int, snapshots: int, seed: int, report) -> None:
    from lib.demo.generate import generate_snapshots
    from lib.pipeline.derive import derive
    from lib.rules.versions import current_rules
    from lib.pipeline.snapshots import _stored_frame, apply_rules, bulk_insert, write_snapshots
    from lib.store import customers as customers_table
    from lib.store import snapshots as snapshots_table

    rules = current_rules(engine)
    shards = -(-customers // SHARD_CUSTOMERS)
    size = customers // shards
    streams = [generate_snapshots(customers=size, snapshots=snapshots, seed=seed + k)
               for k in range(shards)]
    for index in range(snapshots):
        start = time.perf_counter()
        total = 0
        date = None
        for k, stream in enumerate(streams):
            frame = derive(next(stream)).with_columns(
                customer_id=pl.lit(f"C{k}") + pl.col("customer_id").str.slice(1))
            total += frame.height
            if k == 0:
                outcome = write_snapshots(engine, frame, rules=rules, source_name="demo",
                                          replace=True, churn_window_months=1)
                date = outcome.snapshot_dates[0]
            else:
                with engine.begin() as conn:
                    bulk_insert(conn, customers_table, _stored_frame(frame))
            del frame
        with engine.begin() as conn:
            conn.execute(sa.update(snapshots_table).where(snapshots_table.c.snapshot_date == date)
                         .values(row_count=total))
            apply_rules(conn, rules, [date])
        with engine.connect() as conn:
            conn.exec_driver_sql("CHECKPOINT")
        report(f"{date}: {total:,} rows in {time.perf_counter() - start:.0f} s, "
               f"RSS {rss_mb():.0f} MB (peak {peak_rss_mb():.0f} MB)")


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process now (MB), from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, required=True)
    parser.add_argument("--snapshots", type=int, default=12)
    args = parser.parse_args()
    print(ensure_base(args.customers, args.snapshots))


if __name__ == "__main__":
    main()
