"""``make bench``: throughput, latency and memory of lagebild, side by side with a plain loop.

    python -m bench.run [--count N] [--repeats R] [--rates 50,200,500] [--replay-count N]

Phases (all on one embedded broker, each on its own topics; article ranges never overlap):

1. ``extraction``: the extraction library alone in this process (one core): articles/s, MB/s.
2. ``extractor-stage``: articles in → events out, for (a) one faust extractor worker,
   (b) the plain aiokafka loop ``bench/plain_loop.py`` and (c) two faust extractor workers.
   The corpus is published in one burst to a running, ready worker; throughput is
   ``articles / (last event's broker timestamp - first send)``.
3. ``pipeline``: extractor + aggregator on the default topics; every article opens its own
   incidents, so its publication changes the counters. Latency = the last ``incident-updates``
   message of an article (its producer timestamp: sent right after the table write) minus its
   send time, at fixed offered rates and at saturation. RSS of each worker at the end.
4. ``replay``: N articles rebuilt into every counter by ``lagebild replay`` (fresh workers) and
   by ``lagebild replay --batch`` (no workers: a process pool extracts, the fold runs in
   memory); ``--replay-modes`` picks either.

Optionally (default on when py-spy is installed) a py-spy profile of both workers during one
saturation round, summarised as the top functions by own and cumulative samples.

Results: ``bench-results/bench-<time>.json`` and ``.md`` (``--write-results`` also copies the
Markdown to ``bench/RESULTS.md``). Every figure comes with the machine's cores and load.
Benchmarks report, they never assert.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from bench import corpus
from lagebild.broker import EmbeddedBroker, free_port
from lagebild.cli_settings import CliSettings
from lagebild.demo import service_env, topic_env
from lagebild.extraction import extract
from lagebild.kafka.config import KafkaSettings, TopicSettings
from lagebild.kafka.topics import ensure_topics
from lagebild.models import Article
from lagebild.processes import ServiceProcess

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench-results"
EXTRACTOR = ("extractor", "LAGEBILD_EXTRACTOR_")
AGGREGATOR = ("aggregator", "LAGEBILD_AGGREGATOR_")
CLK_TCK = os.sysconf("SC_CLK_TCK")
WARMUP = 20  # articles sent before each timed series, untimed


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------
# Machine facts
# ------------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = os.cpu_count() or 1
    cpu = ""
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "cpu": cpu,
        "python": platform.python_version(),
        "load_at_start": os.getloadavg(),
    }


def rss_mb(pid: int | None) -> dict[str, float]:
    """Current and peak resident set size of a process, in MB."""
    out: dict[str, float] = {}
    if pid is None:
        return out
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    name = "rss_mb" if line.startswith("VmRSS") else "peak_rss_mb"
                    out[name] = round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return out


def cpu_seconds(pid: int | None) -> float:
    if pid is None:
        return 0.0
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except OSError:
        return 0.0


def spread(values: list[float], digits: int = 1) -> dict[str, float]:
    return {
        "min": round(min(values), digits),
        "median": round(statistics.median(values), digits),
        "max": round(max(values), digits),
        "n": len(values),
    }


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]

    return {
        "p50_ms": round(at(0.50) * 1000, 1),
        "p95_ms": round(at(0.95) * 1000, 1),
        "p99_ms": round(at(0.99) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "n": len(ordered),
    }


# ------------------------------------------------------------------------------------------
# Phase 1: the extraction library alone
# ------------------------------------------------------------------------------------------


def bench_extraction(articles: list[Article], repeats: int) -> tuple[dict[str, Any], list[int]]:
    """articles/s and MB/s (text bytes) on one core; also returns events per article."""
    for article in articles[:20]:  # warm-up: lazily loaded data, language models
        extract(article)
    megabytes = sum(len(a.text.encode()) for a in articles) / 1e6
    wall, cpu = [], []
    events: list[int] = []
    for _ in range(repeats):
        gc.collect()
        w0, c0 = time.perf_counter(), time.process_time()
        events = [len(extract(article)) for article in articles]
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    n = len(articles)
    return {
        "articles": n,
        "mb": round(megabytes, 2),
        "events": sum(events),
        "articles_per_s_wall": spread([n / s for s in wall]),
        "articles_per_s_cpu": spread([n / s for s in cpu]),
        "mb_per_s_wall": spread([megabytes / s for s in wall], 2),
        "mb_per_s_cpu": spread([megabytes / s for s in cpu], 2),
    }, events


# ------------------------------------------------------------------------------------------
# Kafka helpers
# ------------------------------------------------------------------------------------------


async def publish(
    kafka: KafkaSettings,
    topic: str,
    items: list[tuple[bytes, bytes]],
    rate: float | None = None,
) -> dict[bytes, float]:
    """Send every (key, value); paced at ``rate`` per second, else in one burst.

    Returns the wall-clock send time of each key (acknowledgements are awaited at the end).
    """
    producer = AIOKafkaProducer(
        **kafka.aiokafka_kwargs(), acks="all", enable_idempotence=False, linger_ms=2
    )
    await producer.start()
    sent: dict[bytes, float] = {}
    try:
        futures = []
        started = time.monotonic()
        for i, (key, value) in enumerate(items):
            if rate:
                delay = started + i / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            sent[key] = time.time()
            futures.append(await producer.send(topic, value, key=key))
            if len(futures) >= 1_000:
                await asyncio.gather(*futures)
                futures.clear()
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return sent


@dataclass
class Tap:
    """Reads a topic from the beginning in the background: (timestamp s, received s, value)."""

    kafka: KafkaSettings
    topic: str
    records: list[tuple[float, float, bytes]] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None
    _consumer: AIOKafkaConsumer | None = None

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(
            self.topic,
            **self.kafka.aiokafka_kwargs(),
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=50,
        )
        await self._consumer.start()
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        assert self._consumer is not None
        while True:
            batches = await self._consumer.getmany(timeout_ms=100, max_records=5_000)
            now = time.time()
            for messages in batches.values():
                for m in messages:
                    self.records.append((m.timestamp / 1000, now, m.value or b""))

    async def wait_count(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while len(self.records) < count:
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
        if self._consumer:
            await self._consumer.stop()


# ------------------------------------------------------------------------------------------
# Processes
# ------------------------------------------------------------------------------------------


class Bench:
    """One broker, the workers it starts, and always their stop."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.broker = EmbeddedBroker(log_file=workdir / "broker.log")
        self.kafka = KafkaSettings()
        self.processes: list[ServiceProcess] = []
        self.plain: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> Bench:
        bootstrap = self.broker.start()
        self.kafka = KafkaSettings(bootstrap_servers=bootstrap)
        return self

    def __exit__(self, *exc: object) -> None:
        for process in reversed(self.processes):
            process.stop(grace=10)
        self.stop_plain()
        self.broker.stop()

    def topics(self, tag: str) -> TopicSettings:
        if not tag:
            topics = TopicSettings()
        else:
            topics = TopicSettings(
                articles=f"articles.{tag}",
                events=f"events.{tag}",
                dlq=f"articles.dlq.{tag}",
                incident_updates=f"incident-updates.{tag}",
            )
        asyncio.run(ensure_topics(self.kafka, topics))
        return topics

    def service(
        self, module: tuple[str, str], topics: TopicSettings, app_id: str
    ) -> ServiceProcess:
        name, prefix = module
        port = free_port()
        label = f"{app_id}-{len(self.processes)}"
        env = service_env(prefix, self.kafka.bootstrap_servers, port, self.workdir / label)
        env |= topic_env(prefix, topics) | {f"{prefix}APP_ID": app_id}
        process = ServiceProcess(name, env, port, self.workdir / f"{label}.log")
        process.start()
        self.processes.append(process)
        return process

    def start(self, services: list[ServiceProcess]) -> None:
        for service in services:
            service.wait_ready(timeout=120)

    def stop(self, services: list[ServiceProcess]) -> None:
        for service in services:
            service.stop(grace=10)
            self.processes.remove(service)

    def start_plain(self, topics: TopicSettings, workers: int = 1) -> list[int]:
        pids = []
        for i in range(workers):
            ready = self.workdir / f"plain-{topics.articles}-{i}.ready"
            out = open(self.workdir / f"plain-{topics.articles}-{i}.log", "ab")  # noqa: SIM115
            command = [
                sys.executable, "-m", "bench.plain_loop",
                "--bootstrap", self.kafka.bootstrap_servers,
                "--articles", topics.articles, "--events", topics.events,
                "--group", f"plain-{topics.articles}", "--ready-file", str(ready),
            ]  # fmt: skip
            process = subprocess.Popen(
                command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
            out.close()
            self.plain.append(process)
            deadline = time.monotonic() + 60
            while not ready.exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"plain loop did not start; see {self.workdir}")
                time.sleep(0.1)
            pids.append(process.pid)
        time.sleep(1.0)  # let a second group member's rebalance settle
        return pids

    def stop_plain(self) -> None:
        for process in self.plain:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(5)
        self.plain.clear()


def wait_timeout(count: int) -> float:
    return 120 + count / 10  # bounded, yet generous down to 10 articles/s


# ------------------------------------------------------------------------------------------
# Phase 2: extractor stage (faust vs plain loop)
# ------------------------------------------------------------------------------------------


def stage_rounds(
    bench: Bench,
    topics: TopicSettings,
    items: list[tuple[bytes, bytes]],
    events_per_round: int,
    warmup_events: int,
    repeats: int,
    pids: list[int],
) -> dict[str, Any]:
    """Publish the same articles ``repeats`` times in bursts; articles/s per round."""

    async def rounds() -> dict[str, Any]:
        tap = Tap(bench.kafka, topics.events)
        await tap.start()
        rates, cpu = [], []
        try:
            # Warm-up (lazily loaded data and language models in the worker), not timed.
            await publish(bench.kafka, topics.articles, items[:WARMUP])
            offset = warmup_events
            if not await tap.wait_count(offset, wait_timeout(WARMUP)):
                raise TimeoutError(f"warm-up: {len(tap.records)} of {offset} events")
            for r in range(repeats):
                cpu0 = sum(cpu_seconds(pid) for pid in pids)
                sent = await publish(bench.kafka, topics.articles, items)
                first = min(sent.values())
                expected = offset + events_per_round * (r + 1)
                if not await tap.wait_count(expected, wait_timeout(len(items))):
                    raise TimeoutError(f"{len(tap.records)} of {expected} events on {topics}")
                last = max(ts for ts, _, _ in tap.records[offset + events_per_round * r :])
                rates.append(len(items) / max(last - first, 1e-3))
                cpu.append((sum(cpu_seconds(pid) for pid in pids) - cpu0) / len(items))
                log(f"  round {r + 1}: {rates[-1]:.1f} articles/s")
        finally:
            await tap.stop()
        return {
            "articles": len(items),
            "events": events_per_round,
            "articles_per_s": spread(rates),
            "worker_cpu_ms_per_article": spread([c * 1000 for c in cpu], 2),
            "rss": [rss_mb(pid) for pid in pids],
        }

    return asyncio.run(rounds())


# ------------------------------------------------------------------------------------------
# Phase 3: the whole pipeline (publish → counter-visible)
# ------------------------------------------------------------------------------------------


def pipeline_round(
    bench: Bench, topics: TopicSettings, items: list[tuple[bytes, bytes]], rate: float | None
) -> dict[str, Any]:
    async def one() -> dict[str, Any]:
        tap = Tap(bench.kafka, topics.incident_updates)
        events_tap = Tap(bench.kafka, topics.events)
        await tap.start()
        await events_tap.start()
        try:
            await asyncio.sleep(0.5)  # the taps have caught up with earlier rounds' messages
            skip, events_skip = len(tap.records), len(events_tap.records)
            ids = {key.decode() for key, _ in items}
            sent = await publish(bench.kafka, topics.articles, items, rate)
            last: dict[str, float] = {}
            last_received: dict[str, float] = {}
            seen = skip
            deadline = time.monotonic() + wait_timeout(len(items))
            quiet_since = time.monotonic()
            while time.monotonic() < deadline:
                fresh = tap.records[seen:]
                seen += len(fresh)
                for ts, received, value in fresh:
                    article_id = orjson.loads(value).get("article_id")
                    if article_id in ids:
                        last[article_id] = max(last.get(article_id, 0.0), ts)
                        last_received[article_id] = max(last_received.get(article_id, 0), received)
                if fresh:
                    quiet_since = time.monotonic()
                if len(last) == len(ids) and time.monotonic() - quiet_since > 1.5:
                    break
                await asyncio.sleep(0.05)
        finally:
            await tap.stop()
            await events_tap.stop()
        extracted: dict[str, float] = {}
        for ts, _, value in events_tap.records[events_skip:]:
            article_id = orjson.loads(value).get("article_id")
            if article_id in ids:
                extracted[article_id] = max(extracted.get(article_id, 0.0), ts)
        first = min(sent.values())
        latencies = [last[a] - sent[a.encode()] for a in last]
        # Where the latency goes: publish → last event on the events topic (extractor hop),
        # then → last incident update (aggregator hop).
        hop1 = [extracted[a] - sent[a.encode()] for a in extracted]
        hop2 = [last[a] - extracted[a] for a in last if a in extracted]
        via_tap = [last_received[a] - sent[a.encode()] for a in last_received]
        end = max(last.values()) if last else first
        return {
            "offered_per_s": rate or "burst",
            "articles": len(items),
            "missing": len(ids) - len(last),
            "throughput_per_s": round(len(last) / max(end - first, 1e-3), 1),
            "latency": percentiles(latencies),
            "latency_received": percentiles(via_tap),
            "latency_extractor_hop": percentiles(hop1),
            "latency_aggregator_hop": percentiles(hop2),
        }

    return asyncio.run(one())


# ------------------------------------------------------------------------------------------
# Profile
# ------------------------------------------------------------------------------------------


def py_spy() -> str | None:
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    return found if Path(found).exists() else None


@contextmanager
def profiling(pids: dict[str, int], outdir: Path, seconds: float) -> Iterator[dict[str, Path]]:
    spy = py_spy()
    files: dict[str, Path] = {}
    procs = []
    if spy:
        for name, pid in pids.items():
            files[name] = outdir / f"profile-{name}.folded"
            command = [
                spy, "record", "--pid", str(pid), "--duration", str(int(seconds)),
                "--rate", "200", "--format", "raw", "--output", str(files[name]), "--nonblocking",
            ]  # fmt: skip
            procs.append(
                subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )
    try:
        yield files
    finally:
        for proc in procs:
            try:
                proc.wait(seconds + 30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def summarise_profile(path: Path, top: int = 15) -> dict[str, Any]:
    """Top functions by own and by cumulative samples, from py-spy's folded stacks."""
    own: collections.Counter[str] = collections.Counter()
    cumulative: collections.Counter[str] = collections.Counter()
    total = 0
    if not path.exists():
        return {}
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = [f.split(" (", 1)[0] + " " + _where(f) for f in stack.split(";")]
        frames = [f for f in frames if not f.startswith("process ")]
        total += count
        if frames:
            own[frames[-1]] += count
        for frame in set(frames):
            cumulative[frame] += count
    if not total:
        return {}

    def share(counter: collections.Counter[str]) -> list[tuple[str, float]]:
        return [(name, round(100 * n / total, 1)) for name, n in counter.most_common(top)]

    return {"samples": total, "own_pct": share(own), "cumulative_pct": share(cumulative)}


def _where(frame: str) -> str:
    if " (" not in frame:
        return ""
    location = frame.split(" (", 1)[1].rstrip(")")
    path = location.split(":", 1)[0]
    for marker in ("site-packages/", "services/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"({path})"


# ------------------------------------------------------------------------------------------
# Report
# ------------------------------------------------------------------------------------------


def fmt(s: dict[str, float]) -> str:
    return f"{s['median']:g} ({s['min']:g}–{s['max']:g})" if s else "–"


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        "# lagebild benchmarks",
        "",
        f"{results['started']} · {m['cores']} cores ({m['usable_cores']} usable), {m['cpu']} · "
        f"Python {m['python']} · load average at start "
        f"{', '.join(f'{x:.2f}' for x in m['load_at_start'])}, at end "
        f"{', '.join(f'{x:.2f}' for x in results.get('load_at_end', ()))} · seed {results['seed']}",
        "",
        "Figures are median (min–max) over the repeats; `make bench` / `python -m bench.run` "
        f"with {results['args']}.",
        "",
    ]
    goals = results.get("goals", {})
    if goals:
        lines += ["| goal | target | measured | met |", "|---|---|---|---|"]
        for name, (target, measured, met) in goals.items():
            lines.append(f"| {name} | {target} | {measured} | {'yes' if met else 'no'} |")
        lines.append("")
    if "extraction" in results:
        e = results["extraction"]
        lines += [
            "## 1. Extraction library alone (one core, in process)",
            "",
            f"{e['articles']} articles, {e['mb']} MB of text, {e['events']} events.",
            "",
            "| | articles/s | MB/s |",
            "|---|---|---|",
            f"| wall clock | {fmt(e['articles_per_s_wall'])} | {fmt(e['mb_per_s_wall'])} |",
            f"| CPU time | {fmt(e['articles_per_s_cpu'])} | {fmt(e['mb_per_s_cpu'])} |",
            "",
        ]
    if "stage" in results:
        s = results["stage"]
        lines += [
            "## 2. Extractor stage: articles in → events out (burst, then drain)",
            "",
            "| pipeline | articles/s | worker CPU ms/article | RSS MB (peak) |",
            "|---|---|---|---|",
        ]
        for name, row in s.items():
            if not isinstance(row, dict) or "articles_per_s" not in row:
                continue
            rss = ", ".join(
                f"{r.get('rss_mb', '?')} ({r.get('peak_rss_mb', '?')})" for r in row["rss"]
            )
            lines.append(
                f"| {name} | {fmt(row['articles_per_s'])} | "
                f"{fmt(row['worker_cpu_ms_per_article'])} | {rss} |"
            )
        if "ratio_faust_to_plain" in s:
            lines += ["", f"faust / plain loop (medians): **{s['ratio_faust_to_plain']:.0%}**"]
        if "scaling_2_to_1" in s:
            lines += [f"2 faust extractors / 1: **{s['scaling_2_to_1']:.2f}×**"]
        lines.append("")
    if "pipeline" in results:
        p = results["pipeline"]
        lines += [
            "## 3. End to end: publish → counter visible (extractor + aggregator)",
            "",
            "Latency: from the send of an article to the aggregator's last `incident-updates` "
            "message for it (producer timestamp, written right after the incidents table).",
            "",
            "| offered | articles | throughput /s | p50 ms | p95 ms | p99 ms | max ms | missing |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for row in p["rounds"]:
            lat = row["latency"]
            lines.append(
                f"| {row['offered_per_s']} | {row['articles']} | {row['throughput_per_s']} | "
                f"{lat.get('p50_ms', '–')} | {lat.get('p95_ms', '–')} | {lat.get('p99_ms', '–')} "
                f"| {lat.get('max_ms', '–')} | {row['missing']} |"
            )
        if "saturation_per_s" in p:
            lines += ["", f"Sustained at saturation: **{fmt(p['saturation_per_s'])} articles/s**."]
        lines += [
            "",
            "RSS at the end (MB, peak): "
            + ", ".join(
                f"{name} {r.get('rss_mb', '?')} ({r.get('peak_rss_mb', '?')})"
                for name, r in p["rss"].items()
            ),
            "",
        ]
    if "replay" in results:
        r = results["replay"]
        lines += ["## 4. Replay: rebuild all counters from the articles topic", ""]
        for mode, what in (
            ("streaming", "`lagebild replay`: fresh extractor + aggregator, start included"),
            ("batch", "`lagebild replay --batch`: plain consumer, one process per core"),
            (
                "events",
                "`lagebild replay --from-events`: the streaming replay's events folded again, "
                "no extraction",
            ),
        ):
            if mode in r:
                m = r[mode]
                lines.append(
                    f"- {what}: {r['articles']} articles in **{m['seconds']} s** "
                    f"({m['articles_per_s']} articles/s); 100,000 articles: "
                    f"{m['extrapolated_100k']}."
                    + (
                        f" Same counters as streaming: {m['equals_streaming']}."
                        if "equals_streaming" in m
                        else ""
                    )
                    + (f" Articles read: {m['articles_read']}." if "articles_read" in m else "")
                    + (f" Events read: {m['events_read']}." if "events_read" in m else "")
                )
        lines.append("")
    for name, summary in results.get("profile", {}).items():
        if not summary:
            continue
        lines += [
            f"## Profile: {name} at saturation (py-spy, {summary['samples']} samples)",
            "",
            "| own % | function | | cumulative % | function |",
            "|---|---|---|---|---|",
        ]
        for (f1, p1), (f2, p2) in zip(summary["own_pct"], summary["cumulative_pct"], strict=False):
            lines.append(f"| {p1} | `{f1}` | | {p2} | `{f2}` |")
        lines.append("")
    return "\n".join(lines) + "\n"


def goals(results: dict[str, Any]) -> dict[str, tuple[str, str, bool]]:
    out: dict[str, tuple[str, str, bool]] = {}
    if "extraction" in results:
        v = results["extraction"]["articles_per_s_cpu"]["median"]
        out["extraction per core"] = ("≥ 2,000 articles/s", f"{v:g} articles/s", v >= 2000)
    ratio = results.get("stage", {}).get("ratio_faust_to_plain")
    if ratio is not None:
        out["faust vs plain loop"] = ("≥ 70 %", f"{ratio:.0%}", ratio >= 0.7)
    for row in results.get("pipeline", {}).get("rounds", []):
        if row["offered_per_s"] == 200 and row["latency"]:
            p99 = row["latency"]["p99_ms"]
            out["p99 at 200 articles/s"] = ("< 1,000 ms", f"{p99:g} ms", p99 < 1000)
            break
    rss = [r.get("peak_rss_mb", 0) for r in results.get("pipeline", {}).get("rss", {}).values()]
    if rss:
        worst = max(rss)
        out["RSS per worker"] = ("< 300 MB", f"{worst:g} MB peak", worst < 300)
    for mode, what in (
        ("streaming", "streaming"),
        ("batch", "batch"),
        ("events", "from events, no re-extraction"),
    ):
        if mode in results.get("replay", {}):
            s = results["replay"][mode]["seconds_100k"]
            label = "" if results["replay"]["articles"] >= 100_000 else ", extrapolated"
            out[f"replay of 100k ({what})"] = ("< 120 s", f"{s:g} s{label}", s < 120)
    return out


# ------------------------------------------------------------------------------------------
# Main
# ------------------------------------------------------------------------------------------


PHASES = ("extraction", "stage", "pipeline", "replay")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=600, help="articles per throughput round")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rates", default="50,200,500", help="offered articles/s, comma list")
    parser.add_argument("--rate-seconds", type=float, default=6.0, help="length of a rate step")
    parser.add_argument("--replay-count", type=int, default=1_500)
    parser.add_argument(
        "--replay-modes",
        default="streaming,batch,events",
        help="streaming, batch and/or events (needs streaming), comma list",
    )
    parser.add_argument("--seed", type=int, default=corpus.DEFAULT_SEED)
    parser.add_argument("--phases", default=",".join(PHASES))
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--write-results", action="store_true", help="also bench/RESULTS.md")
    args = parser.parse_args(argv)
    phases = set(args.phases.split(","))
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    results: dict[str, Any] = {
        "started": started.isoformat(),
        "machine": machine(),
        "seed": args.seed,
        "args": " ".join(argv if argv is not None else sys.argv[1:]) or "the defaults",
    }
    log(f"{results['machine']}")
    next_index = 0

    def take(count: int) -> list[Article]:
        nonlocal next_index
        out = corpus.articles(next_index, count, args.seed)
        next_index += count
        return out

    def as_items(articles: list[Article]) -> list[tuple[bytes, bytes]]:
        from lagebild.ingest import article_bytes

        return [(a.id.encode(), article_bytes(a)) for a in articles]

    stage_articles = take(args.count)
    workdir = Path(tempfile.mkdtemp(prefix="lagebild-bench-"))
    log(f"logs in {workdir}")
    events_per_article: list[int] = []
    if "extraction" in phases or "stage" in phases:
        log(f"extraction alone: {len(stage_articles)} articles × {args.repeats}")
        extraction, events_per_article = bench_extraction(stage_articles, args.repeats)
        if "extraction" in phases:
            results["extraction"] = extraction
            log(f"  {extraction['articles_per_s_cpu']} articles/s (CPU)")
    with Bench(workdir) as bench:
        if "stage" in phases:
            results["stage"] = run_stage(bench, stage_articles, events_per_article, args, as_items)
        if "pipeline" in phases:
            results["pipeline"], profile = run_pipeline(bench, args, take, as_items, workdir)
            if profile:
                results["profile"] = profile
        if "replay" in phases:
            results["replay"] = run_replay_phase(bench, args, take, as_items)
        results["rss_broker"] = rss_mb(bench.broker.pid)
    results["load_at_end"] = os.getloadavg()
    results["goals"] = goals(results)
    RESULTS.mkdir(exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%S")
    text = markdown(results)
    (RESULTS / f"bench-{stamp}.json").write_text(json.dumps(results, indent=2, default=str))
    (RESULTS / f"bench-{stamp}.md").write_text(text)
    (RESULTS / "latest.md").write_text(text)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2, default=str))
    if args.write_results:
        (ROOT / "bench" / "RESULTS.md").write_text(text)
    print(text)
    log(f"written to {RESULTS / f'bench-{stamp}.md'} (and .json)")
    return 0


def run_stage(
    bench: Bench,
    articles: list[Article],
    events_per_article: list[int],
    args: argparse.Namespace,
    as_items: Callable[[list[Article]], list[tuple[bytes, bytes]]],
) -> dict[str, Any]:
    items = as_items(articles)
    events = sum(events_per_article)
    warmup = sum(events_per_article[:WARMUP])
    out: dict[str, Any] = {}
    suffix = uuid.uuid4().hex[:6]
    for name, workers in (("faust, 1 extractor", 1), ("plain aiokafka loop, 1 worker", 1)):
        log(f"extractor stage: {name}")
        tag = "faust1" if name.startswith("faust") else "plain1"
        topics = bench.topics(tag)
        if name.startswith("faust"):
            services = [bench.service(EXTRACTOR, topics, f"bench-{tag}-{suffix}")]
            bench.start(services)
            out[name] = stage_rounds(
                bench,
                topics,
                items,
                events,
                warmup,
                args.repeats,
                [s.pid for s in services if s.pid],
            )
            bench.stop(services)
        else:
            pids = bench.start_plain(topics, workers)
            out[name] = stage_rounds(bench, topics, items, events, warmup, args.repeats, pids)
            bench.stop_plain()
    log("extractor stage: faust, 2 extractors")
    topics = bench.topics("faust2")
    services = [bench.service(EXTRACTOR, topics, f"bench-faust2-{suffix}") for _ in range(2)]
    bench.start(services)
    time.sleep(2.0)  # both members joined: let the rebalance settle
    out["faust, 2 extractors"] = stage_rounds(
        bench, topics, items, events, warmup, args.repeats, [s.pid for s in services if s.pid]
    )
    bench.stop(services)
    faust = out["faust, 1 extractor"]["articles_per_s"]["median"]
    plain = out["plain aiokafka loop, 1 worker"]["articles_per_s"]["median"]
    out["ratio_faust_to_plain"] = faust / plain if plain else 0.0
    two = out["faust, 2 extractors"]["articles_per_s"]["median"]
    out["scaling_2_to_1"] = two / faust if faust else 0.0
    return out


def run_pipeline(
    bench: Bench,
    args: argparse.Namespace,
    take: Callable[[int], list[Article]],
    as_items: Callable[[list[Article]], list[tuple[bytes, bytes]]],
    workdir: Path,
) -> tuple[dict[str, Any], dict[str, Any]]:
    topics = bench.topics("")
    suffix = uuid.uuid4().hex[:6]
    extractor = bench.service(EXTRACTOR, topics, f"bench-extractor-{suffix}")
    aggregator = bench.service(AGGREGATOR, topics, f"bench-aggregator-{suffix}")
    bench.start([extractor, aggregator])
    pipeline_round(bench, topics, as_items(take(WARMUP)), None)  # warm-up, not reported
    rounds = []
    for rate in [float(r) for r in args.rates.split(",") if r]:
        count = max(1, int(rate * args.rate_seconds))
        log(f"pipeline: {count} articles offered at {rate:g}/s")
        row = pipeline_round(bench, topics, as_items(take(count)), rate)
        row["offered_per_s"] = int(rate) if rate.is_integer() else rate
        log(f"  {row['latency']}  throughput {row['throughput_per_s']}/s")
        log(f"  extractor hop {row['latency_extractor_hop']}")
        log(f"  aggregator hop {row['latency_aggregator_hop']}")
        rounds.append(row)
    saturation = []
    for r in range(args.repeats):
        log(f"pipeline: burst of {args.count} articles (saturation {r + 1}/{args.repeats})")
        row = pipeline_round(bench, topics, as_items(take(args.count)), None)
        log(f"  {row['latency']}  throughput {row['throughput_per_s']}/s")
        rounds.append(row)
        saturation.append(row["throughput_per_s"])
    profile: dict[str, Any] = {}
    if not args.no_profile and py_spy():
        items = as_items(take(args.count))
        expected = args.count / max(statistics.median(saturation), 1.0)
        seconds = max(5.0, min(60.0, expected * 0.8))
        log(f"profile: py-spy on both workers for {seconds:.0f} s of a burst")
        pids = {"extractor": extractor.pid or 0, "aggregator": aggregator.pid or 0}
        with profiling(pids, workdir, seconds) as files:
            time.sleep(0.5)
            pipeline_round(bench, topics, items, None)
        for name, path in files.items():
            profile[name] = summarise_profile(path)
            target = RESULTS / f"profile-{name}.folded"
            RESULTS.mkdir(exist_ok=True)
            if path.exists():
                shutil.copy(path, target)
    result = {
        "rounds": rounds,
        "saturation_per_s": spread(saturation),
        "rss": {"extractor": rss_mb(extractor.pid), "aggregator": rss_mb(aggregator.pid)},
    }
    bench.stop([extractor, aggregator])
    return result, profile


def run_replay_phase(
    bench: Bench,
    args: argparse.Namespace,
    take: Callable[[int], list[Article]],
    as_items: Callable[[list[Article]], list[tuple[bytes, bytes]]],
) -> dict[str, Any]:
    from lagebild.replay import run_replay

    topics = bench.topics("replay-source")
    log(f"replay: publishing {args.replay_count} articles")
    chunk = 10_000
    for start in range(0, args.replay_count, chunk):
        batch = take(min(chunk, args.replay_count - start))
        asyncio.run(publish(bench.kafka, topics.articles, as_items(batch)))
    settings = CliSettings(kafka=bench.kafka, topics=topics)
    out: dict[str, Any] = {"articles": args.replay_count}
    modes = args.replay_modes.split(",")
    if "streaming" in modes:
        log("replay: lagebild replay (streaming: fresh workers)")
        started = time.monotonic()
        counters = run_replay(
            settings, timeout_s=wait_timeout(args.replay_count) * 2, keep=False, tag="bench"
        )
        out["streaming"] = _replay_figures(args.replay_count, time.monotonic() - started)
        out["streaming"]["counters"] = counters
    if "batch" in modes:
        from lagebild.batch_replay import batch_replay

        log("replay: lagebild replay --batch (process pool, no workers)")
        started = time.monotonic()
        rebuilt = batch_replay(bench.kafka, topics.articles)
        out["batch"] = _replay_figures(args.replay_count, time.monotonic() - started)
        out["batch"] |= {
            "counters": rebuilt.counters,
            "workers": os.cpu_count(),
            "articles_read": rebuilt.articles,  # all of them, or the figure means nothing
        }
        if "streaming" in out:
            out["batch"]["equals_streaming"] = rebuilt.counters == out["streaming"]["counters"]
    if "events" in modes:
        out |= _events_replay(bench, args, topics, out)
    return out


def _events_replay(
    bench: Bench, args: argparse.Namespace, topics: TopicSettings, out: dict[str, Any]
) -> dict[str, Any]:
    """Fold the streaming replay's events topic again (the extraction is not repeated)."""
    from lagebild.event_replay import events_replay
    from lagebild.replay import replay_topics

    if "streaming" not in out:
        log("replay: events mode skipped: it folds the streaming replay's events topic")
        return {}
    log("replay: lagebild replay --from-events (no extraction, fold in memory)")
    started = time.monotonic()
    rebuilt = events_replay(bench.kafka, replay_topics(topics, "bench").events)
    figures = _replay_figures(args.replay_count, time.monotonic() - started)
    figures |= {
        "counters": rebuilt.counters,
        "events_read": rebuilt.events,
        "equals_streaming": rebuilt.counters == out["streaming"]["counters"],
    }
    return {"events": figures}


def _replay_figures(articles: int, seconds: float) -> dict[str, Any]:
    per_s = articles / seconds
    at_100k = seconds if articles >= 100_000 else 100_000 / per_s
    return {
        "seconds": round(seconds, 1),
        "articles_per_s": round(per_s, 1),
        "seconds_100k": round(at_100k, 1),
        "extrapolated_100k": (
            f"{at_100k:.0f} s measured"
            if articles >= 100_000
            else f"≈ {at_100k:.0f} s (extrapolated linearly from {articles})"
        ),
    }


if __name__ == "__main__":
    sys.exit(main())
