"""API and page load on loopback: req/s and p50/p95/p99 with 1 and several workers.

Usage: PYTHONPATH=. .venv/bin/python scripts/bench_load.py --database-url URL
       [--workers 1 4] [--clients 1 8 32] [--seconds 8] [--long 50:60]

Serves the store at URL with ``langson-portal run --workers N`` (waitress for one worker,
gunicorn and a Redis started by the portal for more), and runs closed-loop keep-alive clients
against it, asking for compressed answers as Chromium does (brotli): each client sends its
next request as soon as the last one is answered, so the
latency printed is what a client waits under that load. Three mixes:

* ``features, panned``: zoom-14 views of a 1440x900 screen moved a little on every request
  (each answer is computed afresh: the response cache never has it);
* ``main page``: the map page ``/`` as a first visitor gets it;
* ``mixed``: what map users ask for, by weight: the main, planning and telecom pages, the
  catalogue, boundaries, per-area progress of each layer, province-wide clustered features and
  close-up views panned as above.

Every run stops by itself after ``--seconds`` (at most 60); the long run (``--long
CLIENTS:SECONDS``, the issue's 50 clients for 60 s) uses the most workers asked for. Right
after the server starts, each fixed address of the mixes is asked for once and timed (what the
first visitor after a start or an edit waits); then each is asked for once per worker, so the
runs measure a portal that has met its visitors, not its start.
Figures depend on the machine's load: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

MAX_SECONDS = 60.0
AS_OF = "2025-11-30"
#: A 1440x900 screen at zoom 14 around Lạng Sơn city: about 12.8 km by 7.4 km.
CENTRE = (106.72, 21.815)
HALF = (0.0618, 0.0333)
PUBLIC_LAYERS = ("signal", "industry", "border", "geopark", "transport")
#: The Accept-Encoding Chromium sends: the portal answers it with brotli.
BROWSER_ENCODINGS = "gzip, deflate, br, zstd"


def view_url(n: int, layer: str = "signal") -> str:
    """Return the zoom-14 view moved by ``n`` small steps: a new view, so never cached."""
    dx, dy = (n % 97) * 0.0005, (n // 97 % 97) * 0.0005
    bbox = (CENTRE[0] - HALF[0] + dx, CENTRE[1] - HALF[1] + dy,
            CENTRE[0] + HALF[0] + dx, CENTRE[1] + HALF[1] + dy)
    box = ",".join(f"{v:.4f}" for v in bbox)
    return f"/api/layers/{layer}/features?cluster=auto&zoom=14&bbox={box}&as_of={AS_OF}"


#: The mixed load, one entry per weight unit (20 units).
MIXED = (
    ["/", "/", "/planning?layer=signal", "/telecom", "/api/layers",
     "/api/areas?level=commune", "/api/areas?level=district"]
    + [f"/api/progress?layer={layer}&level=commune" for layer in ("signal", "industry", "housing")]
    + [f"/api/layers/{layer}/features?cluster=auto&zoom=9&as_of={AS_OF}"
       for layer in ("signal", "geopark", "transport")]
    + ["PANNED"] * 7
)


def mixed_url(n: int) -> str:
    """Return the ``n``-th request of the mixed load."""
    chosen = MIXED[n % len(MIXED)]
    return view_url(n // len(MIXED)) if chosen == "PANNED" else chosen


def load(port: int, url, clients: int, seconds: float,
         encoding: str | None = BROWSER_ENCODINGS) -> dict:
    """Run ``clients`` keep-alive clients for ``seconds``; return req/s, latencies and errors.

    ``url`` is a path, or a function of the request's number returning one. With ``wrk`` on
    the machine (Debian's package) the clients are wrk's; else Python threads, whose own work
    for the GIL counts in the latencies they measure (see :func:`load_python`).
    """
    if shutil.which("wrk"):
        return load_wrk(port, url, clients, seconds, encoding)
    return load_python(port, url, clients, seconds, encoding)


#: wrk's script: each thread walks the list of paths from its own place; ``done`` prints JSON.
WRK_SCRIPT = """
local paths = {%s}
local counter = 0
local step = 0
function setup(thread)
  step = step + 1
  thread:set("start", step * 7919)
end
function init(args)
  counter = tonumber(start) or 0
end
function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1], {["Accept-Encoding"] = "%s"})
end
function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'WRK {"requests": %%d, "seconds": %%f, "p50": %%f, "p95": %%f, "p99": %%f, "errors": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    errors.connect + errors.read + errors.write + errors.status + errors.timeout))
end
"""


def load_wrk(port: int, url, clients: int, seconds: float, encoding: str | None) -> dict:
    """Run ``wrk`` with ``clients`` connections (two threads) for ``seconds``."""
    count = 1 if isinstance(url, str) else 20_000
    paths = [url] if isinstance(url, str) else [url(n) for n in range(count)]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % (",".join(f'"{p}"' for p in paths), encoding or "identity"))
    try:
        seconds = max(1, round(min(seconds, MAX_SECONDS)))
        answer = subprocess.run(
            ["wrk", "-t", str(min(2, clients)), "-c", str(clients), "-d", f"{seconds}s",
             "--timeout", "30s", "-s", script.name, f"http://127.0.0.1:{port}"],
            capture_output=True, text=True, timeout=seconds + 60, check=True,
        )
    finally:
        os.unlink(script.name)
    line = next(x for x in answer.stdout.splitlines() if x.startswith("WRK "))
    figures = json.loads(line[4:])
    figures["rps"] = figures["requests"] / figures["seconds"]
    figures["client"] = "wrk"
    return figures


def load_python(port: int, url, clients: int, seconds: float,
                encoding: str | None = BROWSER_ENCODINGS) -> dict:
    """Run ``clients`` keep-alive Python clients (threads) for ``seconds``."""
    counter = iter(range(10**9))
    lock = threading.Lock()

    def next_url() -> str:
        if isinstance(url, str):
            return url
        with lock:
            return url(next(counter))

    stop_at = time.monotonic() + min(seconds, MAX_SECONDS)
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    headers = {"Accept-Encoding": encoding or "identity"}

    def client(i: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                connection.request("GET", next_url(), headers=headers)
                answer = connection.getresponse()
                answer.read()
                if answer.status != 200:
                    errors[i] += 1
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            latencies[i].append((time.perf_counter() - started) * 1000)
        connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    times = sorted(t for per_client in latencies for t in per_client)
    if not times:
        return {"rps": 0.0, "p50": 0.0, "p95": 0.0, "p99": 0.0, "errors": sum(errors)}
    quantiles = statistics.quantiles(times, n=100) if len(times) > 1 else [times[0]] * 99
    return {"rps": len(times) / elapsed, "p50": quantiles[49], "p95": quantiles[94],
            "p99": quantiles[98], "errors": sum(errors), "seconds": elapsed,
            "requests": len(times), "client": "python"}


def _wait_until_up(port: int, server: subprocess.Popen, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the portal stopped at start (exit {server.returncode})")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/layers", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the portal did not start within {seconds:.0f} s")


def warm(port: int, workers: int = 1) -> None:
    """Ask once for every fixed address of the mixes (as the first visitors would), so runs compare.

    With several workers each address is asked for ``workers`` times; which worker answers is
    up to the kernel, so a worker may still meet an address first during the run. What a cold
    process pays is printed by :func:`first_requests`.
    """
    paths = ["/", *(f"/api/layers/{lay}/features?cluster=auto&zoom=9&as_of={AS_OF}"
                    for lay in PUBLIC_LAYERS), *sorted(set(MIXED) - {"PANNED"})]
    for _ in range(workers):
        for path in paths:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=120).read()


def first_requests(port: int) -> list[tuple[str, float]]:
    """Return (address, ms) for each fixed address of the mixed load asked once, in order."""
    timings = []
    for path in sorted(set(MIXED) - {"PANNED"}):
        started = time.perf_counter()
        urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=120).read()
        timings.append((path, (time.perf_counter() - started) * 1000))
    return timings


@contextmanager
def serve(database_url: str, port: int, workers: int = 1, threads: int = 8, instance=None,
          warmed: bool = True):
    """Serve the store at ``database_url`` with ``workers`` processes until the block ends.

    ``warmed``: every fixed address of the mixes is asked for before the block starts.
    """
    if instance is None:  # the SQLite file's folder; a folder of its own for PostgreSQL
        instance = (Path(database_url.removeprefix("sqlite:///")).parent
                    if database_url.startswith("sqlite:///")
                    else tempfile.mkdtemp(prefix="bench-load-"))
    instance = Path(instance)
    env = {**os.environ, "DATABASE_URL": database_url, "PORTAL_AUTO_SEED": "false",
           "PORTAL_INSTANCE_PATH": str(instance), "PORTAL_DEFAULT_AS_OF": AS_OF,
           "PORTAL_LOGIN_RATE_LIMIT": "1000 per minute"}
    command = [str(Path(sys.executable).with_name("langson-portal")), "run", "--port", str(port),
               "--threads", str(threads), "--workers", str(workers)]
    if workers > 1:
        command.append("--redis")
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        _wait_until_up(port, server)
        if warmed:
            warm(port, workers)
        yield server
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def run(database_url: str, workers=(1, 4), clients=(1, 8, 32), seconds: float = 8.0,
        long_run: tuple[int, float] | None = (50, 60.0), port: int = 5098,
        instance: Path | None = None) -> list[dict]:
    """Measure both mixes for each worker count and client count; then the long run.

    ``instance``: the portal's instance folder (default: the SQLite file's folder).
    """
    results = []
    for count in workers:
        with serve(database_url, port, count, instance=instance, warmed=False):
            for path, ms in first_requests(port):
                results.append({"workers": count, "mix": "first request", "path": path,
                                "ms": ms, "load_average": os.getloadavg()[0]})
            warm(port, count)
            for name, url in (("features, panned", view_url), ("main page", "/"),
                              ("mixed", mixed_url)):
                for n in clients:
                    figures = load(port, url, n, seconds)
                    results.append({"workers": count, "mix": name, "clients": n, **figures,
                                    "load_average": os.getloadavg()[0]})
            if long_run and count == max(workers):
                n, duration = long_run
                figures = load(port, mixed_url, n, duration)
                results.append({"workers": count, "mix": "mixed (long run)", "clients": n,
                                **figures, "load_average": os.getloadavg()[0]})
    return results


def print_results(results: list[dict], title: str) -> None:
    """Print the first requests after a start, then one line per load run."""
    print(f"\n{title}")
    first = [r for r in results if r["mix"] == "first request"]
    if first:
        print("first request of each address after the server started (cold caches), ms:")
        for r in first:
            print(f"{r['workers']:7} workers {r['ms']:9.1f}  {r['path']}")
    print(f"{'workers':>7} {'mix':18} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'errors':>6} {'load':>5}")
    for r in results:
        if r["mix"] == "first request":
            continue
        print(f"{r['workers']:7} {r['mix']:18} {r['clients']:7} {r['rps']:8.1f} {r['p50']:8.1f} "
              f"{r['p95']:8.1f} {r['p99']:8.1f} {r['errors']:6} {r['load_average']:5.1f}")


def main() -> None:
    """Serve the store and print the load figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--long", default="50:60", help="CLIENTS:SECONDS, or 'none'")
    parser.add_argument("--port", type=int, default=5098)
    args = parser.parse_args()
    long_run = None if args.long == "none" else tuple(float(v) for v in args.long.split(":"))
    if long_run:
        long_run = (int(long_run[0]), long_run[1])
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    results = run(args.database_url, args.workers, args.clients, args.seconds, long_run,
                  args.port)
    print_results(results, f"loopback load on {args.database_url.split('://')[0]}")


if __name__ == "__main__":
    main()
