"""The scaled setup cannot silently break: a few seconds of bench/scale.py
scaled --smoke (PostgreSQL, Redis, nginx before two `kith web`, two `kith
worker`, five Locust users) must bring every process up and answer without errors."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed here (Debian: apt-get install nginx-light)")
def test_scaled_setup_serves_a_short_load_without_errors():
    env = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}:/usr/sbin"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "scale.py"), "scaled", "--smoke"], cwd=ROOT, check=False,
                          env=env, capture_output=True, text=True, timeout=45)
    figures = dict(line.split(": ", 1) for line in done.stdout.splitlines() if ": " in line
                   and not line.startswith("#"))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert figures["processes_up"] == "6 processes"  # nginx, 2 web, 2 workers, redis
    assert int(figures["u5_requests"].split()[0]) > 0
    assert figures["errors"] == "0 errors"
    assert figures["newsletter1_status_sent"] == "1 bool"
    assert figures["emails_duplicated"] == "0 msg"
    for kind in ("complaints", "logs", "signups"):
        assert figures[f"lost_{kind}"] == "0 submissions"
    assert figures["result_ok"] == "1 bool"
