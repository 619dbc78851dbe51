"""Memory and time of one sign-in's password check, today's hash against
Werkzeug's default. Each is measured in a fresh process (peak RSS above the
interpreter's own). Prints `name: value unit` lines; exits 0."""
from __future__ import annotations

import subprocess
import sys

PROBE = r"""
import sys, time
from werkzeug.security import generate_password_hash, check_password_hash

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1])

method = sys.argv[1]
with open("/proc/self/clear_refs", "w") as refs:
    refs.write("5")  # reset the peak (VmHWM) to the memory in use now
before = status("VmRSS:")
started = time.perf_counter()
stored = generate_password_hash("correct horse battery", method=method)
check_password_hash(stored, "correct horse battery")
elapsed = (time.perf_counter() - started) / 2
print(f"{(status('VmHWM:') - before) / 1024:.1f} {elapsed * 1000:.0f}")
"""


def measure(method: str) -> tuple[float, float]:
    out = subprocess.run([sys.executable, "-c", PROBE, method], capture_output=True, text=True, check=True)
    peak, ms = out.stdout.split()
    return float(peak), float(ms)


def main() -> int:
    from app.auth.services import PASSWORD_HASH_METHOD

    for label, method in (("kith", PASSWORD_HASH_METHOD), ("werkzeug_default", "scrypt:32768:8:1")):
        peak, ms = measure(method)
        print(f"hash_{label}_peak_mb: {peak:.1f} MB")
        print(f"hash_{label}_ms: {ms:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
