"""Throughput of the whole pipeline and upload latency; prints the figures.

    .venv/bin/python bench/throughput.py [--digital 20] [--scanned 4] [--no-celery]
                                         [--clients 20] [--uploads-per-client 5] [--rounds 1]
                                         [--server up|serve] [--processes P]

- bills per minute, receive → read → extract → match → push/review, for digital (text-layer)
  and scanned (OCR) bills, with the in-process pool (`local_workers` processes) and with Celery
  and two worker processes over Redis (DB 15, a queue of its own);
- upload latency (POST /bills/upload, one file per request) p50/p99 with N concurrent clients
  against the running service as users run it (`billintake up`, or `--server serve`; its
  default processes, one per core, unless `--processes` says otherwise) while the jobs it
  queues run; with `--rounds N`, N rounds
  each against a fresh server, then all their uploads together (a p99 of one round of 100
  uploads is its second-slowest upload). Each round also shows the CPU per upload of the
  server, of the client and of the whole machine, and how busy the machine's cores were.

Bills come from the synthetic generator (distinct bills, so no duplicate short-cuts); every run
uses a fresh SQLite database and originals store in a temporary directory. Each mode first runs
one warm-up bill per worker (starting it and loading the models), which is not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from billintake_devkit.synth.generate import make_bill

from billintake.bootstrap import Runtime
from billintake.domain.model import Channel, Vendor
from billintake.queue import Dispatcher
from billintake.queue.celery_app import CeleryDispatcher
from billintake.queue.local import LocalDispatcher
from billintake.services.receive import receive
from billintake.settings import Settings, available_cores

SEED = 11
REDIS_URL = "redis://127.0.0.1:6379/15"


def bills(kind: str, count: int, start: int) -> list[tuple[str, bytes, str]]:
    """(file name, bytes, vendor name) of `count` distinct synthetic bills."""
    made = []
    for index in range(start, start + count):
        bill = make_bill(SEED, "test", index, receipt_fraction=0.0,
                         scan_fraction=1.0 if kind == "scanned" else 0.0, png_fraction=0.0)
        made.append((f"{kind}-{index}.pdf", bill.file_bytes, str(bill.truth["vendor_name"])))
    return made


def new_runtime(workdir: Path, **overrides: object) -> tuple[Runtime, str]:
    settings = Settings(_env_file=None, data_dir=workdir / "data", **overrides)  # type: ignore[arg-type]
    runtime = Runtime.from_settings(settings)
    with runtime.directory() as directory:
        org, _key = directory.create_organization("Bench", "bench")
    return runtime, org.id


def add_vendors(runtime: Runtime, organization_id: str, names: list[str]) -> None:
    with runtime.repository(organization_id) as repo:
        known = {v.name for v in repo.list_vendors()}
        for name in dict.fromkeys(names):
            if name not in known:
                repo.add_vendor(Vendor(organization_id=organization_id, name=name))


def run_batch(runtime: Runtime, organization_id: str, dispatcher: Dispatcher,
              files: list[tuple[str, bytes, str]]) -> tuple[float, dict[str, int]]:
    """Seconds from the first receive to the last final job, and the outcome counts."""
    add_vendors(runtime, organization_id, [vendor for _, _, vendor in files])
    started = time.perf_counter()
    ids = []
    for name, data, _vendor in files:
        received = receive(runtime, organization_id, data, filename=name,
                           channel=Channel.FOLDER)
        dispatcher.submit(organization_id, received.job.id)
        ids.append(received.job.id)
    while True:
        with runtime.repository(organization_id) as repo:
            jobs = [repo.get_job(job_id) for job_id in ids]
        if all(job.status.is_final for job in jobs):
            break
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    counts: dict[str, int] = {}
    for job in jobs:
        counts[job.status.value] = counts.get(job.status.value, 0) + 1
    return elapsed, counts


def measure(label: str, runtime: Runtime, org_id: str, dispatcher: Dispatcher,
            kind: str, count: int, start: int, rows: list[list[str]], *, warm: int = 2) -> None:
    if count <= 0:
        return
    run_batch(runtime, org_id, dispatcher, bills(kind, warm, start + 10_000))  # every worker
    files = bills(kind, count, start)
    elapsed, counts = run_batch(runtime, org_id, dispatcher, files)
    rows.append([label, kind, str(count), f"{elapsed:.1f}", f"{count / elapsed * 60:.1f}",
                 " ".join(f"{k}={v}" for k, v in sorted(counts.items()))])
    print(f"  {label:<28} {kind:<8} {count / elapsed * 60:7.1f} bills/min", flush=True)


def in_process(workdir: Path, args: argparse.Namespace, rows: list[list[str]]) -> None:
    runtime, org_id = new_runtime(workdir / "local", local_workers=args.workers)
    dispatcher = LocalDispatcher(runtime)
    label = f"in-process ({args.workers} processes)"
    measure(label, runtime, org_id, dispatcher, "digital", args.digital, 0, rows,
            warm=args.workers)
    measure(label, runtime, org_id, dispatcher, "scanned", args.scanned, 500, rows,
            warm=args.workers)
    dispatcher.close()
    runtime.close()


def with_celery(workdir: Path, args: argparse.Namespace, rows: list[list[str]]) -> None:
    queue = f"billintake-bench-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BILLINTAKE_")}
    env.update({"BILLINTAKE_DATA_DIR": str(workdir / "celery" / "data"),
                "BILLINTAKE_QUEUE": "celery", "BILLINTAKE_REDIS_URL": REDIS_URL,
                "BILLINTAKE_CELERY_QUEUE": queue, "BILLINTAKE_LOCAL_WORKERS": "1"})
    runtime, org_id = new_runtime(workdir / "celery", queue="celery", redis_url=REDIS_URL,
                                  celery_queue=queue)
    executable = Path(sys.executable).parent / "billintake"
    workers = [subprocess.Popen([str(executable), "worker", "--concurrency", "1",
                                 "--loglevel", "WARNING"], env=env, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for _ in range(2)]
    dispatcher = CeleryDispatcher(runtime.settings)
    try:
        label = "celery (2 workers)"
        measure(label, runtime, org_id, dispatcher, "digital", args.digital, 1000, rows)
        measure(label, runtime, org_id, dispatcher, "scanned", args.scanned, 1500, rows)
    finally:
        dispatcher.close()
        for proc in workers:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in workers:
            proc.wait(timeout=30)
        runtime.close()


@dataclass
class LatencyRound:
    """One round of uploads against a fresh server: each upload's seconds and start (seconds
    after the first one's), and the CPU seconds over the round of the serving process (its
    workers apart), of this client, and of the whole machine (every process, workers too)."""

    latencies: list[float] = field(default_factory=list)
    starts: list[float] = field(default_factory=list)
    server_cpu: float = float("nan")
    client_cpu: float = float("nan")
    machine_cpu: float = float("nan")
    seconds: float = float("nan")


def upload_latency(workdir: Path, args: argparse.Namespace,
                   files: list[tuple[str, bytes, str]]) -> LatencyRound:
    """Per-request seconds of POST /bills/upload from `clients` concurrent clients, against
    `billintake up` (or `serve`) in processes of its own (so the clients do not share its
    interpreter) whose in-process workers read the bills it takes in (scans with
    --scanned-uploads); the server's CPU is that of its serving processes (and of `up`'s own,
    SMTP listener included), workers apart."""
    measured = LatencyRound()
    shutil.rmtree(workdir / "upload", ignore_errors=True)  # a fresh server and database
    runtime, _org = new_runtime(workdir / "upload", local_workers=args.workers)
    with runtime.directory() as directory:
        org = directory.organization_by_slug("bench")
        assert org is not None
        key = directory.create_api_key(org.id)
    runtime.close()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BILLINTAKE_")}
    env.update({"BILLINTAKE_DATA_DIR": str(workdir / "upload" / "data"),
                "BILLINTAKE_LOCAL_WORKERS": str(args.workers),
                "BILLINTAKE_SMTP_PORT": str(_free_port())})
    command = [str(Path(sys.executable).parent / "billintake"), args.server, "--port", str(port)]
    if args.processes is not None:
        command += ["--processes", str(args.processes)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code < 600:
                break
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                server.kill()
                raise RuntimeError(f"billintake {args.server} did not start") from None
            time.sleep(0.2)
    requests = [_upload_request(port, key, name, data) for name, data, _vendor in files]
    try:
        several = (args.processes or available_cores()) > 1  # else its children: workers
        serving = [server.pid, *(_children(server.pid) if several else [])]
        before = (_cpu_seconds(serving), time.process_time(), _machine_cpu_seconds(),
                  time.perf_counter())
        asyncio.run(_clients(port, [requests[n::args.clients] for n in range(args.clients)],
                             measured.latencies, measured.starts))
        measured.server_cpu = _cpu_seconds(serving) - before[0]
        measured.client_cpu = time.process_time() - before[1]
        measured.machine_cpu = _machine_cpu_seconds() - before[2]
        measured.seconds = time.perf_counter() - before[3]
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
    return measured


def _upload_request(port: int, key: str, name: str, data: bytes) -> bytes:
    """One POST /bills/upload as bytes on the wire (encoded before the clock starts)."""
    boundary = uuid.uuid4().hex
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="{name}"\r\nContent-Type: application/pdf\r\n\r\n').encode()
    body += data + f"\r\n--{boundary}--\r\n".encode()
    head = (f"POST /bills/upload HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {key}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    return head + body


async def _clients(port: int, shares: list[list[bytes]], latencies: list[float],
                   starts: list[float]) -> None:
    """Each client sends its requests one after the other on one keep-alive connection; all
    clients at once, from one event loop (a light client: its CPU time is a small fraction of
    the server's, so the figures are the server's, not the client's; a client of 20 threads
    took about a core of the 2 and made every request wait for its interpreter lock)."""

    async def client(share: list[bytes]) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for request in share:
                started = time.perf_counter()
                writer.write(request)
                await writer.drain()
                status = await reader.readline()
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - started)
                starts.append(started - first)
                if b" 202 " not in status:
                    raise RuntimeError(f"upload refused: {status!r}")
        finally:
            writer.close()

    first = time.perf_counter()
    await asyncio.gather(*(client(share) for share in shares))


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of the processes so far (Linux /proc; NaN elsewhere)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    """The processes `pid` started (with several serving processes: them, whose own children
    are the job workers, and its resource tracker)."""
    try:
        return [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
                for child in (task / "children").read_text().split()]
    except OSError:
        return []


def _machine_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all cores, every process; Linux
    /proc/stat; NaN elsewhere)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return float("nan")
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _percentiles(latencies: list[float]) -> tuple[float, float, float]:
    """p50, p99 and max in milliseconds."""
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p99 * 1000, ordered[-1] * 1000


def report_latency(rounds: list[LatencyRound], args: argparse.Namespace) -> None:
    """Each round's p50/p99, then all rounds' uploads together, with the CPU per upload."""
    print()
    cores = os.cpu_count() or 1
    under_100 = 0  # rounds whose p99 is under 100 ms
    for number, measured in enumerate(rounds, 1):
        count = len(measured.latencies)
        p50, p99, worst = _percentiles(measured.latencies)
        under_100 += p99 < 100
        label = f"round {number}: " if len(rounds) > 1 else ""
        print(f"upload latency, {label}{args.clients} concurrent clients, {count} uploads: "
              f"p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {worst:.0f} ms; CPU per upload: "
              f"server {measured.server_cpu / count * 1000:.1f} ms, client "
              f"{measured.client_cpu / count * 1000:.1f} ms, machine "
              f"{measured.machine_cpu / count * 1000:.1f} ms (busy "
              f"{measured.machine_cpu / (measured.seconds * cores) * 100:.0f} % of {cores} "
              "cores)")
        slowest = sorted(zip(measured.latencies, measured.starts, strict=True),
                         reverse=True)[:args.slowest]
        if slowest:
            print("  slowest uploads (ms, started at ms): " + ", ".join(
                f"{took * 1000:.0f} at {start * 1000:.0f}" for took, start in slowest))
    if len(rounds) > 1:
        pooled = [latency for measured in rounds for latency in measured.latencies]
        p50, p99, worst = _percentiles(pooled)
        print(f"upload latency, all {len(rounds)} rounds, {len(pooled)} uploads: p50 "
              f"{p50:.0f} ms, p99 {p99:.0f} ms, max {worst:.0f} ms; rounds with p99 under "
              f"100 ms: {under_100}/{len(rounds)}")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _redis_up() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--digital", type=int, default=20, help="digital bills per mode")
    parser.add_argument("--scanned", type=int, default=4, help="scanned bills per mode")
    parser.add_argument("--scanned-uploads", action="store_true",
                        help="upload scanned bills (the workers OCR while requests arrive)")
    parser.add_argument("--workers", type=int, default=2, help="in-process pool size")
    parser.add_argument("--no-celery", action="store_true")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--server", choices=("up", "serve"), default="up",
                        help="the command that serves the uploads (default: `up`, what `make "
                             "run` and the image run)")
    parser.add_argument("--processes", type=int, default=None,
                        help="serving processes (`--processes N`; default: the command's own, "
                             "one per core, as a deployment on this machine runs it)")
    parser.add_argument("--uploads-per-client", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=1,
                        help="upload-latency rounds, each against a fresh server; with more "
                             "than one, also all rounds' uploads together")
    parser.add_argument("--slowest", type=int, default=0, metavar="N",
                        help="list the N slowest uploads with when each started (the first "
                             "burst of all clients at once, or later)")
    args = parser.parse_args()

    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="billintake-bench-") as tmp:
        workdir = Path(tmp)
        print(f"machine: {os.cpu_count()} cores", flush=True)
        print("pipeline throughput:", flush=True)
        in_process(workdir, args, rows)
        if args.no_celery:
            print("  celery: skipped (--no-celery)")
        elif not _redis_up():
            print("  celery: skipped (Redis not reachable on 127.0.0.1:6379)")
        else:
            with_celery(workdir, args, rows)
        rounds: list[LatencyRound] = []
        if args.clients > 0:
            files = bills("scanned" if args.scanned_uploads else "digital",
                          args.clients * args.uploads_per_client, 3000)
            rounds = [upload_latency(workdir, args, files) for _ in range(args.rounds)]

    print()
    header = ["mode", "bills", "n", "seconds", "bills/min", "outcomes"]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
    if rounds:
        report_latency(rounds, args)


if __name__ == "__main__":
    main()
