"""Every benchmark at every size in one run, written to one bench/RESULTS.md.

Usage: ``python -m bench.run_all --sizes 100000,1000000,10000000 [--repeat 5]`` (``make bench``).

For each size the seeded base ``bench/work/demo_<N>_12.duckdb`` is made once and reused
(``bench.bases``; 10M in shards, snapshot by snapshot, so memory stays bounded). Then each step
runs in its own fresh child process, so its peak memory (``ru_maxrss``) is its own, while a
thread samples DuckDB's buffer memory (``duckdb_memory()``):

- Overview, Lifecycle, Segments: every query of the page, cold (first call on a fresh process)
  and warm (median of ``--repeat``), then the pandas baseline of the same work on rows loaded
  into memory (the load timed apart and not counted);
- CSV import of the latest snapshot (≤ 1M customers; the target is a 1M-row file);
- the churn model: train, batch scoring and a whole-base pandas-style predict, on a copy of the
  base (``bench/work/churn_<N>_12.duckdb``, kept: it is the scored base the app is served on),
  then the Churn and Offers pages' store work on that scored copy, against pandas;
- the Offers Monte Carlo and optimiser (independent of the base size, run once).

Peak memory is reported twice per step: after our own path (``ours``) and at the end (which
includes the pandas baseline's rows in memory). A pandas baseline whose rows would not fit the
memory budget (``--pandas-budget-mb``, extrapolated linearly from the previous size) is not run;
its time is then extrapolated linearly from the previous size and marked so.

Each size's results go to bench/results/run_<N>.json; RESULTS.md is rebuilt from every such
file present, with the serving measurement of ``bench.serve_bench`` (serve_<N>.json) if any.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.bases import WORK, base_path, ensure_base

HERE = Path(__file__).resolve().parent
RESULTS_DIR = HERE / "results"
RESULTS_MD = HERE / "RESULTS.md"

#: Page steps: name -> (module, function). Each function is fn(engine, repeat, baseline=bool).
PAGE_STEPS = {
    "Overview": ("bench.overview_bench", "bench_overview"),
    "Lifecycle": ("bench.lifecycle_bench", "bench"),
    "Segments": ("bench.segments_bench", "bench"),
    "Churn": ("bench.churn_bench", "page_bench"),
    "Offers": ("bench.offers_bench", "page_bench"),
    "Call-back plans": ("bench.operations_bench", "page_bench"),
}
#: Steps that need the scored copy of the base.
ON_SCORED_COPY = {"Churn", "Offers", "Call-back plans"}
TARGET_WARM_S = {1_000_000: 0.150, 10_000_000: 1.5}
#: Steps whose pandas baseline computes only part of the page: the ratio is taken against the
#: warm rows of the parts it does compute (Lifecycle: lifetimes, Kaplan–Meier per tier, the
#: cohort matrix), or not given (Offers: the baseline has no sBG fits nor calibration).
COMPARABLE_ROWS = {"Lifecycle": ("Survival by tier", "Cohort retention")}
NOT_COMPARABLE = {"Offers"}


# --- child processes ---------------------------------------------------------------------------

def _page_child(module: str, function: str, path: str, repeat: int, baseline: bool,
                queue: mp.Queue) -> None:
    import importlib
    import warnings

    warnings.filterwarnings("ignore")
    from bench import timing
    from lib.auth import User, acting_as
    from lib.pipeline.migrations import open_store

    with acting_as(User("bench", "admin")):
        engine = open_store(f"duckdb:///{path}")
        fn = getattr(importlib.import_module(module), function)
        with timing.DuckDBMemory(engine) as sampler:
            timing.SAMPLER = sampler
            try:
                rows = fn(engine, repeat, baseline=baseline)
                error = None
            except Exception as exc:  # reported in the results, the run goes on
                import traceback

                traceback.print_exc()
                rows, error = [], f"{type(exc).__name__}: {exc}"
        queue.put({"rows": rows, "marks": timing.MARKS, "error": error,
                   "peak_rss_mb": timing.peak_rss_mb(), "duckdb_peak_mb": sampler.peak_mb})


def _import_child(customers: int, repeat: int, queue: mp.Queue) -> None:
    import warnings

    warnings.filterwarnings("ignore")
    from bench import timing
    from bench.overview_bench import bench_import
    from lib.auth import User, acting_as
    from lib.demo.generate import generate_snapshots

    latest = None
    for frame in generate_snapshots(customers=customers, snapshots=12):
        latest = frame
    timing.MARKS.clear()
    with acting_as(User("bench", "admin")):
        rows = bench_import(latest, repeat)
    queue.put({"rows": rows, "marks": timing.MARKS, "error": None,
               "peak_rss_mb": timing.peak_rss_mb(), "duckdb_peak_mb": float("nan"),
               "note": "peak RSS includes generating the snapshot to export"})


def _seed_child(customers: int, queue: mp.Queue) -> None:
    from bench import timing

    start = time.perf_counter()
    existed = base_path(customers, 12).exists()
    ensure_base(customers, 12)
    queue.put({"seconds": time.perf_counter() - start, "reused": existed,
               "peak_rss_mb": timing.peak_rss_mb()})


def _offers_child(queue: mp.Queue) -> None:
    from bench import timing
    from bench.offers_bench import bench

    queue.put({"rows": bench(), "marks": {}, "error": None, "peak_rss_mb": timing.peak_rss_mb(),
               "duckdb_peak_mb": float("nan")})


def _in_child(target, *args) -> dict:
    """Run ``target(*args, queue)`` in a fresh process; its result, or an error if it died."""
    import queue as queues

    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    while True:
        try:
            result = queue.get(timeout=1.0)
            break
        except queues.Empty:
            if not process.is_alive():
                result = {"rows": [], "marks": {}, "peak_rss_mb": float("nan"),
                          "duckdb_peak_mb": float("nan"),
                          "error": f"child process exited with code {process.exitcode}"}
                break
    process.join()
    return result


# --- one size ------------------------------------------------------------------------------------

def _pandas_mb(step: dict) -> float:
    ours = step.get("marks", {}).get("ours", {}).get("rss_mb")
    return max(step["peak_rss_mb"] - ours, 0.0) if ours else 0.0


def run_size(customers: int, repeat: int, budget_mb: float, previous: dict | None,
             only: set[str] | None = None) -> dict:
    """One size's steps; with ``only``, just those steps (page names and/or "import"), merged
    into the size's existing results and timed on its existing scored copy (no new model)."""
    print(f"== {customers:,} customers", flush=True)
    out = {"customers": customers, "snapshots": 12, "started": _now(), "load_start": _load(),
           "steps": {}}
    base = base_path(customers, 12)
    copy = WORK / f"churn_{customers}_12.duckdb"
    model_rows = None
    if only:
        out = json.loads((RESULTS_DIR / f"run_{customers}.json").read_text())
        out.setdefault("reruns", []).append({"steps": sorted(only), "at": _now(),
                                             "load_start": _load()})
        model_rows = out["model"]["rows"]   # the scored copy made by the full run
        if "model" in only:   # train and score again on that copy (a new model id)
            from bench.churn_bench import run_model

            load = _load()
            model_rows, card = run_model(f"duckdb:///{copy}", pandas_predict=False)
            out["model"] = {**out["model"], "rows": model_rows, "accepted": bool(card.accepted),
                            "load": f"{load} → {_load()}", "at": _now()}
            print(f"   model: {model_rows}", flush=True)
    else:
        out["seed"] = _in_child(_seed_child, customers)
        print(f"   base: {out['seed']}", flush=True)
    for name, (module, function) in PAGE_STEPS.items():
        if only and name not in only:
            continue
        if name in ON_SCORED_COPY and model_rows is None:
            for leftover in WORK.glob(f"{copy.name}*"):
                leftover.unlink()
            start = time.perf_counter()
            shutil.copyfile(base, copy)
            out["copy_seconds"] = time.perf_counter() - start
            from bench.churn_bench import run_model

            predict, need = True, None
            for what, _s, _n, rss in (previous or {}).get("model", {}).get("rows", []):
                if what.startswith("pandas-style"):
                    need = rss * customers / previous["customers"]
                    predict = need <= budget_mb
            model_rows, card = run_model(f"duckdb:///{copy}", pandas_predict=predict)
            out["model"] = {"rows": model_rows, "accepted": bool(card.accepted),
                            "pandas_skipped_mb": None if predict else need}
            print(f"   model: {model_rows}", flush=True)
        baseline, skipped = True, None
        if previous and name in previous["steps"]:
            need = _pandas_mb(previous["steps"][name]) * customers / previous["customers"]
            if need > budget_mb:
                baseline, skipped = False, need
        path = copy if name in ON_SCORED_COPY else base
        load = _load()
        step = _in_child(_page_child, module, function, str(path), repeat, baseline)
        step["load"] = f"{load} → {_load()}"
        step["at"] = _now()
        if skipped:
            step["pandas_skipped_mb"] = skipped
        out["steps"][name] = step
        print(f"   {name}: {step['rows']} {step.get('error') or ''}", flush=True)
    if customers <= 1_000_000 and (not only or "import" in only):
        load = _load()
        out["import"] = _in_child(_import_child, customers, repeat)
        out["import"]["load"] = f"{load} → {_load()}"
        print(f"   import: {out['import']['rows']}", flush=True)
    if only:
        out["reruns"][-1]["load_end"] = _load()
    else:
        out["finished"] = _now()
        out["load_end"] = _load()
    return out


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- the report ----------------------------------------------------------------------------------

def _find(rows, *words, exclude=()) -> float | None:
    for row in rows:
        label = row[0]
        if all(w in label for w in words) and not any(x in label for x in exclude):
            return row[1]
    return None


def _page_numbers(step: dict, previous: dict | None, ratio: float, name: str = "") -> dict:
    rows = step["rows"]
    warm = _find(rows, "warm (median")
    cold = _find(rows, "cold")
    pandas = _find(rows, "pandas", exclude=("loading",))
    estimated = False
    if pandas is None and previous is not None:
        before = _find(previous["rows"], "pandas", exclude=("loading",))
        if before is not None:
            pandas, estimated = before * ratio, True
    same = warm
    if name in COMPARABLE_ROWS:
        parts = [_find(rows, "warm (median", part) for part in COMPARABLE_ROWS[name]]
        same = sum(parts) if parts and None not in parts else None
    times = None if name in NOT_COMPARABLE or not pandas or not same else pandas / same
    return {"cold": cold, "warm": warm, "pandas": pandas, "estimated": estimated, "ratio": times}


def _ms(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds * 1000:,.0f}"


def _mb(value: float | None) -> str:
    return "–" if value is None or value != value else f"{value:,.0f}"


def write_report(runs: list[dict], offers: dict | None, serve: dict | None) -> str:
    import duckdb
    import pandas
    import polars
    import sqlalchemy

    runs = sorted(runs, key=lambda r: r["customers"])
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m bench.run_all --sizes ...`), which also makes the "
        "git-ignored raw results in bench/results/ and the seeded bases in bench/work/. Methods: "
        "bench/README.md and the docstrings of bench/run_all.py and each bench/*_bench.py. "
        "Machine: "
        f"{os.cpu_count()} cores, {_ram_gb():.0f} GB RAM shared with other jobs (load average "
        f"at start and end of each size below), Python {platform.python_version()}, DuckDB "
        f"{duckdb.__version__}, polars {polars.__version__}, pandas {pandas.__version__}, "
        f"SQLAlchemy {sqlalchemy.__version__}.",
        "",
        "Times are medians of warm calls unless marked cold (first call in a fresh process). "
        "\"Page\" = every store query the page runs for one interaction with nothing cached by "
        "the app (Lifecycle, Segments: every tab, though only the open tab runs; the targets "
        "use the slowest single tab). Ratios are pandas "
        "time / our time on the same answers (the benchmarks assert they agree); pandas gets its "
        "rows already in memory.",
        "",
    ]
    lines += _targets(runs, serve)
    lines += ["## Page query sets (ms)", "",
              "| page | " + " | ".join(f"{r['customers']:,} cold | warm | pandas | ratio"
                                       for r in runs) + " |",
              "|---|" + "---:|---:|---:|---:|" * len(runs)]
    for name in PAGE_STEPS:
        cells = []
        for i, run in enumerate(runs):
            step = run["steps"].get(name)
            if not step:
                cells.append("– | – | – | –")
                continue
            prev = runs[i - 1]["steps"].get(name) if i else None
            n = _page_numbers(step, prev, run["customers"] / runs[i - 1]["customers"] if i else 1,
                              name)
            ratio = f"{n['ratio']:.1f}×" if n["ratio"] else "n/c" if n["pandas"] else "–"
            if not n["ratio"] and n["pandas"] and n["warm"] and n["pandas"] > n["warm"]:
                ratio = f"> {n['pandas'] / n['warm']:.1f}× ‡"      # slower on part of the work
            if n["ratio"] and name in COMPARABLE_ROWS:
                ratio += " †"
            pandas = _ms(n["pandas"]) + (" (est.)" if n["estimated"] else "")
            if n["estimated"] and n["ratio"]:
                ratio += " (est.)"
            cells.append(f"{_ms(n['cold'])} | {_ms(n['warm'])} | {pandas} | {ratio}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "† Lifecycle: the pandas baseline computes the lifetimes, Kaplan–Meier per tier "
              "and the censored cohort matrix (not the stages, funnel, log-rank or churn "
              "breakdown), so the ratio is against our Survival and Cohort tabs' warm times "
              "added up; the page column is every tab. ‡ / \"n/c\" (Offers): the baseline does "
              "the tier × risk-decile groups only, not the sBG fits per tier nor the campaign "
              "calibration; where it is slower than our whole page anyway, the ratio is shown as "
              "a lower bound (\"> N×\"), otherwise as not comparable (\"n/c\").", "",
              "\"(est.)\": the pandas baseline was not run at that size because its rows "
              "would not fit the memory budget; its time is the previous size's × the size "
              "ratio (pandas group-bys and merges scale about linearly with rows; at the sizes "
              "measured here the pandas times grew 5-10× from 100k to 1M). Loading 12 snapshots "
              "of 10M customers (120M rows) into pandas would need more memory than this shared "
              "machine can give one process.", ""]
    lines += ["## Peak memory per step (MB)", "",
              "Peak RSS of the child process that ran the step (`ru_maxrss`): after our own "
              "path (\"ours\") and at the end with the pandas baseline's rows loaded (\"with "
              "pandas\"); \"DuckDB\" = the largest `duckdb_memory()` total sampled every 50 ms "
              "during our path.", "",
              "| step | " + " | ".join(f"{r['customers']:,} ours | with pandas | DuckDB"
                                       for r in runs) + " |",
              "|---|" + "---:|---:|---:|" * len(runs)]
    for name in PAGE_STEPS:
        cells = []
        for run in runs:
            step = run["steps"].get(name)
            if not step:
                cells.append("– | – | –")
                continue
            ours = step.get("marks", {}).get("ours", {})
            with_pandas = (_mb(step["peak_rss_mb"]) if step["rows"] and _find(
                step["rows"], "pandas", exclude=("loading",)) is not None else
                f"not run (~{step['pandas_skipped_mb'] / 1024:.0f} GB)"
                if step.get("pandas_skipped_mb") else "–")
            cells.append(f"{_mb(ours.get('rss_mb'))} | {with_pandas} | "
                         f"{_mb(ours.get('duckdb_mb'))}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("")
    for run in runs:
        lines += _size_detail(run)
    if offers:
        lines += ["## Offers: Monte Carlo and optimiser (independent of the base size)", "",
                  "| what | seconds | note |", "|---|---:|---|"]
        lines += [f"| {w} | {s:.4f} | {n} |" for w, s, n in offers["rows"]]
        lines.append("")
    if serve:
        lines += _serve_section(serve)
    return "\n".join(lines) + "\n"


#: Pages whose tabs run lazily (only the open tab queries): one interaction is one tab, timed
#: alone in rows whose label has this text. Other pages: every warm row is an interaction.
TAB_ROWS = {"Lifecycle": "Tab alone, warm", "Segments": "view, warm"}


def _slowest_interaction(name: str, rows: list) -> tuple[float | None, str]:
    """The slowest warm interaction a step times, and which one (for lazily-tabbed pages)."""
    key = TAB_ROWS.get(name, "warm (median")
    timed_rows = [(seconds, label) for label, seconds, _ in rows if key in label]
    if not timed_rows:
        return None, ""
    seconds, label = max(timed_rows)
    if name in TAB_ROWS:
        return seconds, label.split(":")[-1].replace("· ", "").replace(", warm", "").strip()
    if label.startswith("Call list"):
        return seconds, "call list"
    return seconds, ""


def _ram_gb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 2**20
    return 0.0


def _targets(runs: list[dict], serve: dict | None) -> list[str]:
    by_size = {r["customers"]: r for r in runs}
    lines = ["## Targets (issue 8)", "", "| target | measured | met |", "|---|---|---|"]
    for size, limit in TARGET_WARM_S.items():
        run = by_size.get(size)
        if not run:
            continue
        parts, ok, missed = [], True, []
        for name, step in run["steps"].items():
            warm, label = _slowest_interaction(name, step["rows"])
            if warm is None:
                continue
            parts.append(f"{name} {_ms(warm)}" + (f" ({label})" if label else ""))
            ok &= warm <= limit
            missed += [name] if warm > limit else []
        lines.append(f"| ≤ {_ms(limit)} ms per interaction warm at {size:,} | "
                     f"{', '.join(parts)} ms (slowest interaction; nothing cached) | "
                     f"{'yes' if ok else 'no: ' + ', '.join(missed)} |")
    ten = by_size.get(10_000_000)
    if ten:
        index = runs.index(ten)
        parts, ok, missed = [], True, []
        for name, step in ten["steps"].items():
            prev = runs[index - 1]["steps"].get(name) if index else None
            n = _page_numbers(step, prev, ten["customers"] / runs[index - 1]["customers"]
                              if index else 1, name)
            if n["ratio"]:
                parts.append(f"{name} {n['ratio']:.1f}×" + (" (est.)" if n["estimated"] else ""))
                ok &= n["ratio"] >= 5
                missed += [name] if n["ratio"] < 5 else []
        lines.append(f"| ≥ 5× faster than pandas at 10M | {', '.join(parts)} | "
                     f"{'yes' if ok else 'no: ' + ', '.join(missed)} |")
    million = by_size.get(1_000_000)
    if million and "import" in million:
        seconds = _find(million["import"]["rows"], "Import")
        lines.append(f"| import of a 1M-row CSV ≤ 10 s | {seconds:.1f} s | "
                     f"{'yes' if seconds <= 10 else 'no'} |")
    if serve:
        peak = serve["peak_rss_mb"]
        lines.append(f"| peak RSS ≤ 4 GB serving {serve['customers']:,} | {peak / 1024:.2f} GB "
                     f"(server + children, every page driven) | {'yes' if peak <= 4096 else 'no'} |")
    lines += ["", "An interaction is what one click runs with nothing cached by the app: the "
              "page's store work, or one tab for the pages whose tabs query lazily. Misses are "
              "profiled, with the fixes made and proposed, in docs/testing-and-speed.md (section Speed).",
              ""]
    return lines


def _size_detail(run: dict) -> list[str]:
    seed = run.get("seed", {})
    lines = [f"## {run['customers']:,} customers × {run['snapshots']} monthly snapshots", "",
             f"Run {run['started']} – {run['finished']}, load average {run['load_start']} at "
             f"start, {run['load_end']} at end. Base "
             + ("reused" if seed.get("reused") else f"seeded in {seed.get('seconds', 0):.0f} s "
                f"(peak RSS {_mb(seed.get('peak_rss_mb'))} MB)") + ".", "",
             "| step | what | seconds | note |", "|---|---|---:|---|"]
    for rerun in run.get("reruns", []):
        lines[2] += (f" Re-run {rerun['at']} (load average {rerun['load_start']} → "
                     f"{rerun.get('load_end', '?')}): {', '.join(rerun['steps'])}.")
    for name, step in run["steps"].items():
        if step.get("load"):
            lines.append(f"| {name} | (load average during the step) | | {step['load']} |")
        if step.get("error"):
            lines.append(f"| {name} | **failed** | | {step['error']} |")
        for what, seconds, note in step["rows"]:
            lines.append(f"| {name} | {what} | {seconds:.3f} | {note} |")
        if step.get("pandas_skipped_mb"):
            lines.append(f"| {name} | pandas baseline not run | | its rows would need "
                         f"~{step['pandas_skipped_mb'] / 1024:.1f} GB (budget exceeded) |")
    model = run.get("model")
    if model and model.get("load"):
        lines.append(f"| Churn model | (load average during the step, {model.get('at', '')}) | | "
                     f"{model['load']} |")
    if model:
        for what, seconds, note, rss in model["rows"]:
            lines.append(f"| Churn model | {what} | {seconds:.1f} | {note}; peak RSS "
                         f"{rss:,.0f} MB |")
        if model.get("pandas_skipped_mb"):
            lines.append(f"| Churn model | pandas-style whole-base predict not run | | would "
                         f"need ~{model['pandas_skipped_mb'] / 1024:.1f} GB (budget exceeded) |")
    if "import" in run:
        imp = run["import"]
        if imp.get("load"):
            lines.append(f"| Import | (load average during the step) | | {imp['load']} |")
        for what, seconds, note in imp["rows"]:
            lines.append(f"| Import | {what} | {seconds:.3f} | {note} |")
    lines.append("")
    return lines


def _serve_section(serve: dict) -> list[str]:
    lines = [f"## Serving {serve['customers']:,} customers: memory while every page is driven", "",
             serve.get("method", ""), "",
             f"Peak RSS of the Streamlit server and its children: **{serve['peak_rss_mb']:,.0f} "
             f"MB**; after start-up {serve['start_rss_mb']:,.0f} MB; DuckDB settings: "
             f"{serve.get('duckdb_settings', 'defaults')}; load average at the end "
             f"{serve.get('load', '?')}; base `{serve.get('db', '?')}`.", "",
             "| page (first visit, nothing cached) | seconds until the page finished | "
             "RSS after (MB) | peak so far (MB) |", "|---|---:|---:|---:|"]
    lines += [f"| {p['page']} | {p['seconds']:.1f} | {p['rss_mb']:,.0f} | "
              f"{p.get('peak_mb', float('nan')):,.0f} |" for p in serve["pages"]]
    failures = list(dict.fromkeys(" ".join(f.replace("⚠️", " ").split())
                                  for f in serve.get("failures") or []))
    lines += ["", f"Problems seen in the browser: {len(failures)}"
              + (" (error messages are the app's own, shown in place of a section that failed; "
                 "they count as problems here):" if failures else ".")]
    lines += [f"- {f[:300]}" for f in failures]
    lines.append("")
    return lines


#: Sections of RESULTS.md written by benchmarks of their own (``bench.uplift_bench --record``),
#: kept when the rest of the file is rebuilt.
KEPT_SECTIONS = ("## Uplift targeting (issue 18)",)


def kept_sections(text: str) -> str:
    """The ``KEPT_SECTIONS`` of a RESULTS.md text, each up to the next level-2 heading."""
    out = []
    for heading in KEPT_SECTIONS:
        start = text.find(heading)
        if start >= 0:
            end = text.find("\n## ", start + len(heading))
            out.append(text[start:] if end < 0 else text[start:end + 1])
    return "\n".join(part.rstrip() + "\n" for part in out)


def rebuild() -> None:
    runs = [json.loads(p.read_text()) for p in sorted(RESULTS_DIR.glob("run_*.json"))]
    offers_file = RESULTS_DIR / "offers.json"
    offers = json.loads(offers_file.read_text()) if offers_file.exists() else None
    serves = sorted((json.loads(p.read_text()) for p in RESULTS_DIR.glob("serve_*.json")),
                    key=lambda s: s["customers"])
    serve = serves[-1] if serves else None
    kept = kept_sections(RESULTS_MD.read_text(encoding="utf-8")) if RESULTS_MD.exists() else ""
    report = write_report(runs, offers, serve)
    RESULTS_MD.write_text(report.rstrip() + "\n\n" + kept if kept else report, encoding="utf-8")
    print(f"wrote {RESULTS_MD}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000,10000000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pandas-budget-mb", type=float, default=6000.0)
    parser.add_argument("--report-only", action="store_true", help="rebuild RESULTS.md only")
    parser.add_argument("--only", help="re-run just these steps (page names, 'import', 'model'; "
                        "comma-separated) at each size, merged into its existing results")
    parser.add_argument("--no-serve", action="store_true",
                        help="skip serving the app on the largest base (bench.serve_bench)")
    args = parser.parse_args()
    RESULTS_DIR.mkdir(exist_ok=True)
    if not args.report_only:
        previous = None
        for size in sorted(int(s) for s in args.sizes.split(",")):
            previous = previous or _largest_below(size)
            only = {x.strip() for x in args.only.split(",")} if args.only else None
            run = run_size(size, args.repeat, args.pandas_budget_mb, previous, only)
            (RESULTS_DIR / f"run_{size}.json").write_text(json.dumps(run, indent=1, default=str))
            previous = run
        if not args.only:
            offers = _in_child(_offers_child)
            (RESULTS_DIR / "offers.json").write_text(json.dumps(offers, indent=1, default=str))
        if not args.no_serve and not args.only:
            largest = max(int(s) for s in args.sizes.split(","))
            print(f"== serving {largest:,} customers", flush=True)
            subprocess.run([sys.executable, "-m", "bench.serve_bench", "--customers", str(largest)],
                           cwd=HERE.parent, check=False)
    rebuild()


def _largest_below(size: int) -> dict | None:
    best = None
    for path in RESULTS_DIR.glob("run_*.json"):
        run = json.loads(path.read_text())
        if run["customers"] < size and (best is None or run["customers"] > best["customers"]):
            best = run
    return best


if __name__ == "__main__":
    main()
