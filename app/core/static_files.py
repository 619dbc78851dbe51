"""Static files that cost one download a year: content-hashed names, gzip and
Brotli copies made once, served by WhiteNoise ahead of Flask.

At start-up every file in static/ is copied once into a content-addressed
folder under the instance (`static/<hash>/`) under its own name and under a
hashed name (`htmx.min.3f2a….js`), with `.gz` and `.br` beside each;
`url_for('static', …)` then writes the hashed name, which WhiteNoise serves
with a year-long immutable cache. A changed file gets a new name, so a browser
never keeps an old copy. Nothing is built by hand: no build step.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path

from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

HASHED_NAME = re.compile(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$")
ONE_YEAR = 365 * 24 * 3600
# A built folder per content hash, shared by every app made in this process.
_BUILT: dict[str, Path] = {}


def hashed_name(name: str, digest: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return f"{stem}.{digest[:12]}.{extension}" if dot else f"{name}.{digest[:12]}"


def _manifest(source: Path) -> dict[str, str]:
    """{relative name: hashed relative name} for every file below source."""
    manifest = {}
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        name = path.relative_to(source).as_posix()
        if name.startswith(".") or "/." in name:
            continue
        manifest[name] = hashed_name(name, hashlib.sha256(path.read_bytes()).hexdigest())
    return manifest


def _build(source: Path, manifest: dict[str, str], target: Path) -> None:
    """Copy and compress into a fresh folder, then rename it into place (so a
    second process starting at the same moment never sees half a folder)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
    compressor = Compressor(quiet=True)
    for name, hashed in manifest.items():
        for out_name in (name, hashed):
            out = work / out_name
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / name, out)
            if compressor.should_compress(out_name):
                compressor.compress(str(out))
    try:
        os.rename(work, target)
    except OSError:  # another process finished first: use its folder
        shutil.rmtree(work, ignore_errors=True)


def prepare(source: Path, cache_root: Path) -> tuple[Path, dict[str, str]]:
    """The built folder for the files in source, and the manifest of hashed names."""
    manifest = _manifest(source)
    digest = hashlib.sha256(repr(sorted(manifest.items())).encode()).hexdigest()[:16]
    built = _BUILT.get(digest)
    if built is None or not built.is_dir():
        built = cache_root / digest
        if not built.is_dir():
            _build(source, manifest, built)
        _BUILT[digest] = built
    return built, manifest


def init_static_files(app, cache_root: Path) -> None:
    """Serve static/ through WhiteNoise with hashed, compressed, long-cached copies."""
    source = Path(app.static_folder)
    built, manifest = prepare(source, cache_root)
    app.wsgi_app = WhiteNoise(
        app.wsgi_app, root=str(built), prefix=app.static_url_path.strip("/") + "/",
        max_age=3600,  # unhashed names (old pages, emails) are checked again within the hour
        immutable_file_test=lambda path, url: bool(HASHED_NAME.search(url)),
    )

    @app.url_defaults
    def hashed_static_urls(endpoint, values):
        if endpoint == "static" and values.get("filename") in manifest:
            values["filename"] = manifest[values["filename"]]
