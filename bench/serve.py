"""Idle memory of `kith serve`, the time of the login page and what first pages weigh.

Starts `kith serve` on the embedded default in a temporary folder, waits for
it to settle, reads its resident memory, then times 200 requests for /login
over one kept-open connection. Prints `name: value unit` lines; exits 0.
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REQUESTS = 200


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def wait_until_up(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("kith serve did not start")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def wire_weight(port: int, path: str, cached: set[str]) -> tuple[int, int]:
    """Bytes on the wire (headers aside) for a first view of `path` by a browser
    that accepts Brotli and gzip: the page plus every static file it links that
    is not in `cached`; and the page's own bytes."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    accept = {"Accept-Encoding": "br, gzip"}
    connection.request("GET", path, headers=accept)
    response = connection.getresponse()
    body = response.read()
    html = body
    if response.getheader("Content-Encoding") == "gzip":
        import gzip

        html = gzip.decompress(body)
    total = len(body)
    for url in re.findall(rb'(?:href|src)="(/static/[^"]+)"', html):
        url = url.decode()
        if url in cached:
            continue
        connection.request("GET", url, headers=accept)
        asset = connection.getresponse()
        total += len(asset.read())
        if "immutable" in (asset.getheader("Cache-Control") or ""):
            cached.add(url)
    connection.close()
    return total, len(body)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port to serve on (default: any free one)")
    args = parser.parse_args()
    kith = shutil.which("kith") or os.path.join(os.path.dirname(sys.executable), "kith")
    folder = Path(tempfile.mkdtemp(prefix="kith-bench-"))
    port = args.port or free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    env["KITH_INSTANCE_PATH"] = str(folder / "instance")
    server = subprocess.Popen([kith, "serve", "--port", str(port)], cwd=folder, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(port)
        time.sleep(3)  # let start-up work (migrations, first heartbeat) finish
        idle = rss_mb(server.pid)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        timings = []
        for _ in range(REQUESTS):
            started = time.perf_counter()
            connection.request("GET", "/login")
            response = connection.getresponse()
            response.read()
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status == 200, response.status
        connection.close()
        cached: set[str] = set()
        first_kb, _ = wire_weight(port, "/login", cached)
        _, repeat_bytes = wire_weight(port, "/login", cached)
        complaint_kb, _ = wire_weight(port, "/complaint", set())
        print(f"first_page_login_kb: {first_kb / 1024:.1f} KB")
        print(f"first_page_complaint_kb: {complaint_kb / 1024:.1f} KB")
        print(f"repeat_view_login_kb: {repeat_bytes / 1024:.1f} KB")
        print(f"serve_idle_rss_mb: {idle:.1f} MB")
        print(f"serve_rss_after_requests_mb: {rss_mb(server.pid):.1f} MB")
        print(f"login_page_median_ms: {statistics.median(timings):.2f} ms")
        print(f"login_page_p95_ms: {percentile(timings, 0.95):.2f} ms")
        print(f"login_page_requests: {REQUESTS} requests")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
