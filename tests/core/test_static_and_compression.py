"""Light first pages: static files under content-hashed names with a year-long
cache and gzip/Brotli copies; pages gzipped for clients that accept it."""
import gzip
import re

from app.core.static_files import hashed_name


def static_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_pages_link_static_files_by_content_hash(client):
    urls = static_urls(client.get("/login").get_data(as_text=True))
    assert any(re.search(r"/static/htmx\.min\.[0-9a-f]{12}\.js$", url) for url in urls)
    assert all(re.search(r"\.[0-9a-f]{12}\.\w+$", url) for url in urls), urls


def test_hashed_static_file_is_cached_for_a_year_and_sent_compressed(client):
    url = next(u for u in static_urls(client.get("/login").get_data(as_text=True)) if "pico" in u)
    plain = client.get(url)
    assert plain.status_code == 200
    assert "immutable" in plain.headers["Cache-Control"]
    assert "max-age=315360000" in plain.headers["Cache-Control"] or "max-age=31536000" in plain.headers["Cache-Control"]
    brotli = client.get(url, headers={"Accept-Encoding": "br, gzip"})
    assert brotli.headers["Content-Encoding"] == "br"
    assert len(brotli.data) < len(plain.data) / 4
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data


def test_old_unhashed_name_still_answers_with_a_short_cache(client):
    response = client.get("/static/htmx.min.js")
    assert response.status_code == 200
    assert "immutable" not in response.headers.get("Cache-Control", "")


def test_pages_are_gzipped_with_a_varying_length(client):
    plain = client.get("/login")
    assert "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["Vary"]
    lengths = set()
    for _ in range(8):
        zipped = client.get("/login", headers={"Accept-Encoding": "gzip"})
        assert zipped.headers["Content-Encoding"] == "gzip"
        assert b"<form" in gzip.decompress(zipped.data)
        lengths.add(len(zipped.data))
    # The random-length padding hides what a guessed secret would change.
    assert len(lengths) > 1


def test_small_answers_stay_uncompressed(client):
    response = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in response.headers


def test_hashed_name_keeps_the_extension():
    assert hashed_name("css/kith.css", "0123456789abcdef") == "css/kith.0123456789ab.css"
