"""Serve a folder with Debian's nginx on 127.0.0.1, in the foreground, for one benchmark.

Static files carry both ETag and Last-Modified, so a refresh is answered 304 by both
clients; two workers and no access log keep the server far from being the bottleneck.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

CONFIG = """\
worker_processes 2;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    include {mime_types};
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    etag on;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
"""


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )
    if not found:
        raise SystemExit("bench needs nginx: sudo apt-get install nginx-light")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _readable_by_workers(root: Path) -> None:
    """Started as root, nginx's workers run as nobody: let them read the (0700) temp tree."""
    temp = Path(tempfile.gettempdir()).resolve()
    for folder in (root.resolve(), *root.resolve().parents):
        mode = folder.stat().st_mode
        if mode & 0o001:
            continue
        if temp not in folder.parents:
            raise SystemExit(f"nginx's workers could not read under {folder}: use a temp folder")
        os.chmod(folder, mode | 0o055)  # only our own temporary folders are opened up


class Nginx:
    """``with Nginx(root, prefix) as base_url:`` serves ``root`` at ``base_url``."""

    def __init__(self, root: Path, prefix: Path) -> None:
        self.root = root
        self.prefix = prefix
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> str:
        (self.prefix / "tmp").mkdir(parents=True, exist_ok=True)
        _readable_by_workers(self.root)
        mime = Path("/etc/nginx/mime.types")
        conf = self.prefix / "nginx.conf"
        conf.write_text(
            CONFIG.format(
                prefix=self.prefix,
                root=self.root,
                port=self.port,
                mime_types=mime if mime.exists() else "mime.types",
            )
        )
        self.proc = subprocess.Popen(
            [nginx_binary(), "-p", str(self.prefix), "-c", str(conf), "-e", "stderr"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self._wait_listening()
        return f"http://127.0.0.1:{self.port}"

    def _wait_listening(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise SystemExit(f"nginx did not start: {err.strip()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("nginx did not listen within 10 s")

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.proc is None:
            return
        self.proc.terminate()  # SIGTERM: fast shutdown of the master and its workers
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
