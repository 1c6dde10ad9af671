"""``langson-portal run``: one waitress process, or gunicorn workers sharing Redis.

The data is prepared once, before any worker starts. Several workers count sign-in attempts
and keep the response cache in one Redis (``PORTAL_REDIS_URL``, or Debian's ``redis-server``
started here with ``--redis`` and stopped with the portal); sessions and their revocation live
in the database, which every worker reads.
"""

from __future__ import annotations

import ctypes
import logging
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from portal.services import bootstrap

log = logging.getLogger(__name__)

#: Memory Redis may use when started here; the least recently used keys go first beyond it.
REDIS_MAXMEMORY = "256mb"
#: Seconds a redis-server started here has to answer its first PING.
REDIS_START_SECONDS = 10.0


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Ask Linux to stop this child when the portal that started it dies (PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def shown_url(url: str) -> str:
    """Return a Redis URL with its password hidden.

    >>> shown_url("redis://:s3cret@10.0.0.5:6379/0")
    'redis://:***@10.0.0.5:6379/0'
    """
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if not parts.password:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def check_redis(url: str) -> None:
    """Stop start-up with a clear message (vi/en) when Redis at ``url`` does not answer."""
    from portal.web.cache import redis_client

    try:
        redis_client(url).ping()
    except Exception as exc:  # any failure to reach Redis stops start-up, with its reason
        raise click.ClickException(
            f"Không kết nối được Redis tại {shown_url(url)} ({exc}): hãy khởi động redis-server "
            f"hoặc bỏ PORTAL_REDIS_URL. / Cannot reach Redis at {shown_url(url)} ({exc}): "
            "start redis-server or unset PORTAL_REDIS_URL."
        ) from None


@contextmanager
def redis_server(folder: Path, port: int = 0) -> Iterator[str]:
    """Run Debian's ``redis-server`` on 127.0.0.1 with its files in ``folder``; yield its URL.

    Nothing is saved to disk (it holds sign-in counters and cached answers only); the server
    stops when the block ends, and with the process that started it.
    """
    executable = shutil.which("redis-server")
    if executable is None:
        raise click.ClickException(
            "Không tìm thấy redis-server: cài bằng 'apt-get install redis-server'. / "
            "redis-server is not installed: 'apt-get install redis-server'."
        )
    folder.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    args = [executable, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder),
            "--save", "", "--appendonly", "no", "--daemonize", "no",
            "--maxmemory", REDIS_MAXMEMORY, "--maxmemory-policy", "allkeys-lru"]
    with (folder / "redis.log").open("ab") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,
                                   preexec_fn=_die_with_parent)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        _wait_for_redis(url, process, folder / "redis.log")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_for_redis(url: str, process: subprocess.Popen, log_file: Path) -> None:
    from portal.web.cache import redis_client

    client = redis_client(url)
    deadline = time.monotonic() + REDIS_START_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            client.ping()
            return
        except Exception:  # not listening yet
            time.sleep(0.05)
    raise click.ClickException(
        f"redis-server không khởi động được / redis-server did not start:\n"
        f"{log_file.read_text(errors='replace')[-2000:]}"
    )


#: The public pages a first visitor opens, kept whole per process (``web.page_cache``).
WARM_PAGES = ("/", "/planning", "/telecom", "/geopark", "/about")


def warm_caches(app) -> None:
    """Answer the first map's pages and API calls once at start-up, so no visitor waits for it."""
    from layers import CATALOGUE

    started = time.perf_counter()
    client = app.test_client()
    for page in WARM_PAGES:
        client.get(page)
    for level in ("commune", "district", "province"):
        client.get(f"/api/areas?level={level}")
    for layer in CATALOGUE:
        client.get(f"/api/progress?layer={layer.id}&level=commune")
        if layer.records_public:
            client.get(f"/api/layers/{layer.id}/features?cluster=auto&zoom=9")
    log.info("Caches warmed in %.1f s", time.perf_counter() - started)


def _serve_gunicorn(app, host: str, port: int, workers: int, threads: int) -> None:
    """Serve ``app`` with ``workers`` gunicorn processes of ``threads`` threads each."""
    from gunicorn.app.base import BaseApplication

    def post_fork(_server, _worker) -> None:
        # Each worker opens its own database connections; the master's pool is left alone.
        app.extensions["portal_db"].engine.dispose(close=False)

    class PortalApplication(BaseApplication):
        def load_config(self) -> None:
            for key, value in {
                "bind": [f"{host}:{port}"], "workers": workers, "threads": threads,
                "worker_class": "gthread", "preload_app": True, "timeout": 120,
                "graceful_timeout": 30, "post_fork": post_fork, "proc_name": "langson-portal",
            }.items():
                self.cfg.set(key, value)
            if "control_socket_disable" in self.cfg.settings:  # gunicorn 25.1+: not used here
                self.cfg.set("control_socket_disable", True)

        def load(self):
            return app

    # Warmed in the master before the fork: every worker, a restarted one too, starts with the
    # pages, point indexes and figures each process keeps (shared copy-on-write until changed).
    warm_caches(app)
    app.extensions["portal_db"].engine.dispose()  # no connection crosses the fork
    PortalApplication().run()


def _stop_on_sigterm() -> None:
    """Let SIGTERM end the process like Ctrl+C, so that what it started is stopped too."""

    def stop(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


def register(group: click.Group) -> None:
    """Add the ``run`` command to ``group``."""

    @group.command("run", with_appcontext=False)
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True, type=int)
    @click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256),
                  help="Threads per worker process.")
    @click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
                  help="Processes (gunicorn) when more than 1; they need a shared Redis.")
    @click.option("--redis", "start_redis", is_flag=True,
                  help="Start Debian's redis-server on 127.0.0.1 when PORTAL_REDIS_URL is unset.")
    @click.option("--redis-port", default=0, type=click.IntRange(0, 65535),
                  help="Port of the redis-server started by --redis (0: any free port).")
    @click.option("--debug", is_flag=True, help="Use Flask's reloading development server.")
    def run_command(host: str, port: int, threads: int, workers: int, start_redis: bool,
                    redis_port: int, debug: bool) -> None:
        """Prepare the database on first start, then serve the portal."""
        from portal import create_app
        from portal.settings import load_settings

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        settings = load_settings()
        if workers > 1 and not (settings.redis_url or start_redis):
            raise click.ClickException(
                f"--workers {workers} cần một Redis dùng chung cho giới hạn đăng nhập và bộ nhớ "
                f"đệm: đặt PORTAL_REDIS_URL hoặc thêm --redis. / --workers {workers} needs a "
                "Redis shared by the workers for sign-in limits and the cache: set "
                "PORTAL_REDIS_URL or add --redis."
            )
        _stop_on_sigterm()
        with _redis_for(settings, start_redis, redis_port) as redis_url:
            if redis_url:
                check_redis(redis_url)
                os.environ["PORTAL_REDIS_URL"] = redis_url
            app = create_app()
            from portal.web.database import get_database

            report = bootstrap.prepare(get_database(app), seed=app.config["PORTAL_SETTINGS"]
                                       .auto_seed)
            if report:
                click.echo(f"First start: {report}")
            click.echo(f"Serving the portal at http://{host}:{port}/"
                       + (f" ({workers} workers)" if workers > 1 else ""))
            _serve(app, host, port, workers, threads, debug)


@contextmanager
def _redis_for(settings, start_redis: bool, port: int) -> Iterator[str]:
    """Yield the Redis URL to use: the configured one, one started here, or ``""``."""
    if settings.redis_url or not start_redis:
        if settings.redis_url and start_redis:
            click.echo("PORTAL_REDIS_URL is set: no redis-server is started.")
        yield settings.redis_url
        return
    with redis_server(Path(settings.instance_path).resolve() / "redis", port) as url:
        click.echo(f"redis-server started at {url}")
        yield url


def _serve(app, host: str, port: int, workers: int, threads: int, debug: bool) -> None:
    if debug:
        app.run(host=host, port=port, debug=True)
    elif workers > 1:
        _serve_gunicorn(app, host, port, workers, threads)
    else:
        from waitress import serve

        threading.Thread(target=warm_caches, args=(app,), daemon=True).start()
        try:
            serve(app, host=host, port=port, threads=threads)
        except KeyboardInterrupt:
            pass
