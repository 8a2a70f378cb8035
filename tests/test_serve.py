"""The live preview's HTTP side, started in-process on a free port against a small site."""

from __future__ import annotations

import http.client
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from watchdog.observers.polling import PollingObserver

from generator.preview.serve import DevServer, serve_site
from tests.conftest import WriteTree, entry_text
from tests.helpers import BrokenObserver

WAIT = 20.0  # generous: every wait ends as soon as what it waits for happens
FIRST = "/2025/06/04/first/"
FIRST_FILE = "content/2025/2025-06-04-first.md"
SCRIPT_TAG = b'<script src="/__digest__/livereload.js"'


@pytest.fixture
def site_root(write_tree: WriteTree) -> Path:
    return write_tree(
        {
            FIRST_FILE: entry_text("First entry", "2025-06-04"),
            "content/2025/2025-06-05-second.md": entry_text("Second entry", "2025-06-05"),
            "content/2025/2025-06-06-draft.md": entry_text("A draft", "2025-06-06", draft="true"),
            "static/data.json": '{"a": 1}',
            "static/data/list.xml": "<list/>",
            "static/icon.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
            "static/img/pic.png": b"\x89PNG\r\n\x1a\n",
            "static/img/photo.jpg": b"\xff\xd8\xff\xe0",
            "static/img/photo.webp": b"RIFF\0\0\0\0WEBP",
            "static/fonts/f.woff2": b"wOF2",
            "static/notes.txt": "plain",
            "static/app.js": "console.log(1)",
            "secret.txt": "TOP-SECRET",  # in the site root, outside the output
        }
    )


@pytest.fixture
def dev(site_root: Path) -> Iterator[DevServer]:
    lines: list[str] = []
    server = DevServer(site_root, port=0, request_timeout=2.0, say=lines.append)
    server.lines = lines  # type: ignore[attr-defined]
    with server:
        yield server


def fetch(
    dev: DevServer, path: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", dev.port, timeout=WAIT)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


def raw_get(port: int, target: bytes, extra: bytes = b"") -> tuple[int, bytes]:
    """Send a request exactly as given, bypassing the client's own URL checks."""
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n")
        sock.sendall(extra + b"\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1]), data


class EventReader:
    """A minimal Server-Sent Events client over a plain socket."""

    def __init__(self, port: int, since: str = "", page: str = "") -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        target = f"/__digest__/events?since={since}&page={quote(page)}".encode()
        self.sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        self.file = self.sock.makefile("rb")
        self.status = int(self.file.readline().split()[1])
        self.headers = {}
        while (line := self.file.readline().decode().strip()) != "":
            name, _, value = line.partition(":")
            self.headers[name.lower()] = value.strip()

    def next_event(self) -> tuple[str, dict]:
        event, data = "message", []
        while True:
            line = self.file.readline()
            if not line:
                raise EOFError("the server closed the event stream")
            text = line.decode().rstrip("\r\n")
            if not text:
                if data:
                    return event, json.loads("\n".join(data))
                event = "message"
            elif not text.startswith(":"):
                name, _, value = text.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if name == "event":
                    event = value
                elif name == "data":
                    data.append(value)

    def wait_for(self, name: str) -> dict:
        deadline = time.monotonic() + WAIT  # pings every 15 s would keep reads alive
        while time.monotonic() < deadline:
            event, data = self.next_event()
            if event == name:
                return data
        raise TimeoutError(f"no {name!r} event within {WAIT} s")

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def wait_until(condition: Callable[[], bool], timeout: float = WAIT) -> bool:
    """Poll `condition` until it holds; for states that are not signalled by an event."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        threading.Event().wait(0.05)
    return True


# -- pages ---------------------------------------------------------------------


def test_html_gets_the_script_but_the_file_on_disk_does_not(dev: DevServer) -> None:
    status, headers, body = fetch(dev, FIRST)
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert int(headers["content-length"]) == len(body)
    assert b"First entry" in body
    assert body.count(SCRIPT_TAG) == 1
    assert body.index(SCRIPT_TAG) < body.rindex(b"</body>")
    on_disk = (dev.site.out / FIRST.strip("/") / "index.html").read_bytes()
    assert SCRIPT_TAG not in on_disk
    assert body.replace(body[body.index(SCRIPT_TAG) : body.rindex(b"</body>")], b"") == on_disk


def test_drafts_are_served(dev: DevServer) -> None:
    status, _, body = fetch(dev, "/2025/06/06/draft/")
    assert status == 200
    assert b"A draft" in body


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/theme/style.css", "text/css; charset=utf-8"),
        ("/app.js", "text/javascript; charset=utf-8"),
        ("/data/list.xml", "application/xml; charset=utf-8"),
        ("/data.json", "application/json"),
        ("/icon.svg", "image/svg+xml"),
        ("/img/pic.png", "image/png"),
        ("/img/photo.jpg", "image/jpeg"),
        ("/img/photo.webp", "image/webp"),
        ("/fonts/f.woff2", "font/woff2"),
        ("/notes.txt", "text/plain; charset=utf-8"),
        ("/__digest__/livereload.js", "text/javascript; charset=utf-8"),
    ],
)
def test_content_types(dev: DevServer, path: str, expected: str) -> None:
    status, headers, body = fetch(dev, path)
    assert status == 200
    assert headers["content-type"] == expected
    if not expected.startswith("text/html"):
        assert SCRIPT_TAG not in body


def test_head_sends_headers_only(dev: DevServer) -> None:
    status, headers, body = fetch(dev, "/theme/style.css", method="HEAD")
    assert status == 200
    assert body == b""
    assert int(headers["content-length"]) > 0


def test_pretty_urls_and_the_folder_redirect(dev: DevServer) -> None:
    pretty = fetch(dev, FIRST)
    assert pretty[0] == 200
    assert fetch(dev, FIRST + "index.html")[2] == pretty[2]
    status, headers, _ = fetch(dev, FIRST.rstrip("/"))
    assert status == 301
    assert headers["location"] == FIRST
    status, headers, _ = fetch(dev, FIRST.rstrip("/") + "?utm=x")
    assert (status, headers["location"]) == (301, FIRST + "?utm=x")


def test_missing_page_gets_the_theme_404_with_status_404(dev: DevServer) -> None:
    for path in (
        "/nope/",
        "/nope",
        "/theme/nope.css",
        FIRST + "index.html/",
        "/.digest-manifest.json",
    ):
        status, headers, body = fetch(dev, path)
        assert status == 404, path
        assert headers["content-type"] == "text/html; charset=utf-8"
        assert b"Page not found" in body
        assert SCRIPT_TAG in body  # so a tab on a 404 still reloads and shows errors


def test_a_base_path_is_served_under_it(write_tree: WriteTree) -> None:
    root = write_tree({FIRST_FILE: entry_text("First entry"), "digest.toml": 'base_url = "/news/"'})
    with DevServer(root, port=0, say=lambda line: None) as dev:
        assert dev.url.endswith("/news/")
        assert fetch(dev, "/news" + FIRST)[0] == 200
        assert fetch(dev, "/")[1]["location"] == "/news/"
        assert fetch(dev, "/news")[1]["location"] == "/news/"
        assert fetch(dev, "/news" + FIRST.rstrip("/"))[1]["location"] == "/news" + FIRST
        assert fetch(dev, "/newsletter/")[0] == 404
        assert fetch(dev, FIRST)[0] == 404


# -- drafts and scheduled entries are marked -------------------------------------

DRAFT = "/2025/06/06/draft/"
MARKS = "/__digest__/marks.css"
LATER = "/2999/01/01/later/"
LATER_FILE = "content/2999/2999-01-01-later.md"
LATER_DUE = datetime(2999, 1, 1, 9, 30, tzinfo=UTC)
BANNER = re.compile(rb'<div data-digest-mark role="note"[^>]*>([^<]*)</div>')


def banner(body: bytes) -> str | None:
    found = BANNER.search(body)
    return found[1].decode() if found else None


def test_a_draft_page_says_it_is_a_draft(dev: DevServer) -> None:
    body = fetch(dev, DRAFT)[2]
    text = banner(body)
    assert text == "Draft — digest build leaves it out while it has draft: true"
    assert body.index(b"data-digest-mark") < body.index(b"<h1")  # first in the body
    assert banner(fetch(dev, FIRST)[2]) is None
    assert banner(fetch(dev, "/")[2]) is None  # lists tag the link instead
    on_disk = (dev.site.out / DRAFT.strip("/") / "index.html").read_bytes()
    assert b"data-digest-mark" not in on_disk and MARKS.encode() not in on_disk
    status, headers, css = fetch(dev, MARKS)
    assert (status, headers["content-type"]) == (200, "text/css; charset=utf-8")
    assert f'a[href="{DRAFT}"]::after'.encode() in css
    assert b'content:"Draft"' in css
    assert f'a[href="{FIRST}"]'.encode() not in css
    assert f'<link rel="stylesheet" href="{MARKS}">'.encode() in fetch(dev, "/")[2]


def test_a_draft_edit_updates_the_banner_and_the_tags(dev: DevServer, site_root: Path) -> None:
    tab = EventReader(dev.port, since=dev.site.version(), page=FIRST)
    try:
        tab.wait_for("ok")
        (site_root / FIRST_FILE).write_text(entry_text("First entry", "2025-06-04", draft="true"))
        changed = tab.wait_for("changed")
    finally:
        tab.close()
    assert FIRST in changed["urls"] and MARKS in changed["urls"]
    assert (banner(changed["html"].encode()) or "").startswith("Draft — ")  # pushed with it
    assert changed["html"].encode() == fetch(dev, FIRST)[2]
    assert f'a[href="{FIRST}"]'.encode() in fetch(dev, MARKS)[2]


@pytest.fixture
def later_root(site_root: Path) -> Path:
    later = site_root / LATER_FILE
    later.parent.mkdir(parents=True)
    later.write_text(entry_text("Later entry", "2999-01-01 09:30"))
    return site_root


def test_a_scheduled_entry_is_shown_with_its_date(later_root: Path) -> None:
    with DevServer(later_root, port=0, say=lambda line: None) as dev:
        status, _, body = fetch(dev, LATER)
        assert status == 200
        day = f"{LATER_DUE:%A} 1 January 2999, 09:30 (UTC)"
        assert banner(body) == f"Scheduled for {day} — digest build leaves it out until then"
        assert b"Later entry" in fetch(dev, "/")[2]
        assert b'content:"Scheduled"' in fetch(dev, MARKS)[2]
        assert dev.due_at == LATER_DUE.timestamp()  # the timer is set for it


def test_serve_flags_leave_drafts_and_scheduled_entries_out(later_root: Path) -> None:
    with DevServer(later_root, port=0, say=lambda line: None, drafts=False, future=False) as dev:
        assert fetch(dev, DRAFT)[0] == 404
        assert fetch(dev, LATER)[0] == 404
        assert b"::after" not in fetch(dev, MARKS)[2]
        assert fetch(dev, FIRST)[0] == 200


def test_a_scheduled_banner_goes_when_its_time_comes(later_root: Path) -> None:
    due = LATER_DUE.timestamp()
    clock = [due - 3600.0]
    lines: list[str] = []
    with DevServer(later_root, port=0, say=lines.append, clock=lambda: clock[0]) as dev:
        assert (banner(fetch(dev, LATER)[2]) or "").startswith("Scheduled for")
        assert dev.due_at == due
        before = dev.site.version()
        clock[0] = due + 1
        assert banner(fetch(dev, LATER)[2]) is None  # a new request: at once
        assert b"Scheduled" not in fetch(dev, MARKS)[2]
        tab = EventReader(dev.port, since=before)
        try:
            tab.wait_for("ok")
            dev.fall_due()  # what the timer does at that time
            changed = tab.wait_for("changed")  # open tabs learn of it
        finally:
            tab.close()
        assert LATER in changed["urls"] and MARKS in changed["urls"]
        assert dev.due_at is None
    assert any(line.startswith("a scheduled entry fell due: ") for line in lines)


def test_a_held_back_entry_enters_the_preview_when_it_falls_due(write_tree: WriteTree) -> None:
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
    url = f"/{soon:%Y/%m/%d}/soon/"
    text = entry_text("Soon entry", soon.strftime("%Y-%m-%dT%H:%M:%SZ"))
    root = write_tree(
        {FIRST_FILE: entry_text("First entry"), f"content/soon/{soon:%Y-%m-%d}-soon.md": text}
    )
    with DevServer(root, port=0, say=lambda line: None, future=False) as dev:
        # No edit follows: the timer set for its date brings it in.
        assert wait_until(lambda: fetch(dev, url)[0] == 200)
        assert banner(fetch(dev, url)[2]) is None


# -- the preview is not the site you publish -----------------------------------


def _tree(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file below `folder` with its bytes and modification time."""
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _siblings(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name != ".digest-cache")


def test_serve_leaves_the_published_site_exactly_as_it_was(site_root: Path) -> None:
    (site_root / "digest.toml").write_text('site_url = "https://example.org/"\n')  # a sitemap
    from generator.engine.build import build_site

    build_site(site_root)
    published = _tree(site_root / "site")
    around = _siblings(site_root)
    lines: list[str] = []
    with DevServer(site_root, port=0, say=lines.append) as dev:
        assert fetch(dev, "/2025/06/06/draft/")[0] == 200  # the preview shows the draft
        events = EventReader(dev.port, since=dev.site.version())
        try:
            events.wait_for("ok")
            (site_root / FIRST_FILE).write_text(entry_text("First entry, edited", "2025-06-04"))
            events.wait_for("changed")
        finally:
            events.close()
        assert b"First entry, edited" in fetch(dev, FIRST)[2]
    assert _tree(site_root / "site") == published  # same files, bytes and times
    assert _siblings(site_root) == around  # no spare or stage of site/ beside it
    for rel, (data, _) in published.items():
        assert b"A draft" not in data and b"/2025/06/06/draft/" not in data, rel
    assert "sitemap.xml" in published and "feed.xml" in published


def test_serve_does_not_create_the_build_output(site_root: Path) -> None:
    with DevServer(site_root, port=0, say=lambda line: None) as dev:
        assert fetch(dev, "/2025/06/06/draft/")[0] == 200
        assert dev.site.out == site_root / ".digest-cache/preview"
        assert (dev.site.out / "2025/06/06/draft/index.html").is_file()
    assert not [name for name in _siblings(site_root) if "site" in name]


def test_the_published_build_keeps_its_cache_across_a_serve(site_root: Path) -> None:
    from generator.engine.build import build_site

    build_site(site_root)
    with DevServer(site_root, port=0, say=lambda line: None):
        pass
    again = build_site(site_root)
    assert again.nothing_changed  # the preview did not overwrite the build's state


@pytest.mark.parametrize("rel", ["site", "site/preview", ".", "elsewhere/../site"])
def test_an_output_folder_that_would_write_into_the_published_site_is_refused(
    site_root: Path, rel: str
) -> None:
    from generator.errors import UsageError

    with pytest.raises(UsageError, match="digest build"):
        DevServer(site_root, site_root / rel, port=0, say=lambda line: None)
    assert not (site_root / "site").exists()


def test_the_output_folder_of_a_site_with_its_own_output_is_refused(write_tree: WriteTree) -> None:
    from generator.errors import UsageError

    root = write_tree({FIRST_FILE: entry_text("First entry"), "digest.toml": 'output = "public"'})
    with pytest.raises(UsageError, match="public"):
        DevServer(root, root / "public", port=0, say=lambda line: None)
    with DevServer(root, root / "site", port=0, say=lambda line: None) as dev:
        assert fetch(dev, FIRST)[0] == 200  # `site/` is no output of this site
    assert not (root / "public").exists()


def test_an_output_folder_of_its_own_holds_the_preview(site_root: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "preview-here"
    with DevServer(site_root, elsewhere, port=0, say=lambda line: None) as dev:
        assert fetch(dev, "/2025/06/06/draft/")[0] == 200
    assert (elsewhere / "2025/06/06/draft/index.html").is_file()
    assert not (site_root / "site").exists()


# -- only the output is served -------------------------------------------------

TRAVERSALS = [
    b"/../secret.txt",
    b"/../../../../../../etc/passwd",
    b"/%2e%2e/secret.txt",
    b"/%2e%2e/%2e%2e/etc/passwd",
    b"/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
    b"/theme/%2e%2e/%2e%2e/secret.txt",
    b"/theme/..%2f..%2fsecret.txt",
    b"/..%5c..%5cetc/passwd",
    b"/..%5csecret.txt",
    b"/..\\..\\secret.txt",
    b"//etc/passwd",
    b"///etc/passwd",
    b"/%2fetc/passwd",
    b"/%00",
    b"/index.html%00.txt",
    b"/%c0%ae%c0%ae/secret.txt",  # overlong UTF-8 dots
    b"/./secret.txt",
    b"http://t/../secret.txt",
    b"../secret.txt",
]


@pytest.mark.parametrize("target", TRAVERSALS, ids=[t.decode() for t in TRAVERSALS])
def test_path_traversal_never_leaves_the_output(dev: DevServer, target: bytes) -> None:
    status, data = raw_get(dev.port, target)
    assert status in (400, 404)
    assert b"TOP-SECRET" not in data
    assert b"root:x:" not in data


def test_a_symlink_out_of_the_output_is_refused(dev: DevServer, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "page.html").write_text("OUTSIDE-SECRET")
    (dev.site.out / "leak.html").symlink_to(outside / "page.html")
    (dev.site.out / "leakdir").symlink_to(outside, target_is_directory=True)
    (dev.site.out / "alias.html").symlink_to(dev.site.out / "404.html")  # inside: fine
    for path in ("/leak.html", "/leakdir/page.html", "/leakdir/", "/leakdir"):
        status, _, body = fetch(dev, path)
        assert status == 404, path
        assert b"OUTSIDE-SECRET" not in body
    assert fetch(dev, "/alias.html")[0] == 200


def test_long_urls_and_headers_get_errors_not_a_crash(dev: DevServer) -> None:
    assert raw_get(dev.port, b"/" + b"a" * 70_000)[0] == 414
    assert raw_get(dev.port, b"/", b"X-Long: " + b"b" * 70_000 + b"\r\n")[0] == 431
    many = b"".join(b"X-H%d: 1\r\n" % i for i in range(200))
    assert raw_get(dev.port, b"/", many)[0] == 431
    assert fetch(dev, "/")[0] == 200


def test_a_silent_client_does_not_block_others(dev: DevServer) -> None:
    with socket.create_connection(("127.0.0.1", dev.port), timeout=WAIT) as idle:
        half = socket.create_connection(("127.0.0.1", dev.port), timeout=WAIT)
        half.sendall(b"GET / HTTP/1.1\r\n")  # and never the rest
        assert fetch(dev, FIRST)[0] == 200
        assert idle.recv(1) == b""  # the server hung up after its request timeout
        assert half.recv(1) == b""
        half.close()
    assert fetch(dev, "/")[0] == 200


# -- who may ask: DNS rebinding -------------------------------------------------

FOREIGN_HOSTS = ["attacker.example", "attacker.example:8000", "127.0.0.1.nip.io", "localhost.evil"]


@pytest.mark.parametrize("host", FOREIGN_HOSTS)
def test_a_foreign_host_name_is_refused(dev: DevServer, host: str) -> None:
    # A page on attacker.example whose name is re-pointed at 127.0.0.1 (DNS rebinding)
    # reaches this server with its own name in Host: it must read nothing.
    paths = [FIRST, "/", "/2025/06/06/draft/", "/theme/style.css", "/__digest__/status",
             "/__digest__/livereload.js", "/nope/"]  # fmt: skip
    for method, path in [(m, p) for m in ("GET", "HEAD") for p in paths]:
        status, headers, body = fetch(dev, path, method, headers={"Host": host})
        assert status == 403, (method, path)
        assert b"A draft" not in body and b"First entry" not in body and b"errors" not in body
        assert not [h for h in headers if h.startswith("access-control-")]


def test_a_foreign_host_gets_no_event_stream(dev: DevServer) -> None:
    with socket.create_connection(("127.0.0.1", dev.port), timeout=WAIT) as sock:
        sock.sendall(b"GET /__digest__/events?since= HTTP/1.1\r\nHost: attacker.example\r\n\r\n")
        head = sock.recv(65536)
    assert head.startswith(b"HTTP/1.1 403 ")
    assert b"text/event-stream" not in head
    assert dev.site.stream_count() == 0


def test_two_host_headers_are_refused(dev: DevServer) -> None:
    extra = b"Host: attacker.example\r\n"
    assert raw_get(dev.port, b"/", extra)[0] in (400, 403)


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "127.0.0.1:{port}", "localhost", "LOCALHOST:{port}", "localhost.:{port}",
     "[::1]", "[::1]:{port}", "tab.localhost:{port}", "192.168.1.20:{port}"],
)  # fmt: skip
def test_loopback_names_and_addresses_are_served(dev: DevServer, host: str) -> None:
    status, headers, body = fetch(dev, FIRST, headers={"Host": host.format(port=dev.port)})
    assert status == 200
    assert b"First entry" in body
    assert not [h for h in headers if h.startswith("access-control-")]


def test_the_name_given_with_host_is_served(site_root: Path) -> None:
    with DevServer(site_root, host="localhost", port=0, say=lambda line: None) as dev:
        assert fetch(dev, FIRST, headers={"Host": f"localhost:{dev.port}"})[0] == 200
        assert fetch(dev, FIRST, headers={"Host": "example.org"})[0] == 403
    from generator.preview.httpd import host_allowed

    assert host_allowed("devbox.lan:8000", "devbox.lan")
    assert host_allowed("DevBox.LAN", "devbox.lan")
    assert not host_allowed("devbox.lan.attacker.example", "devbox.lan")
    assert not host_allowed("attacker.example", "0.0.0.0")
    assert host_allowed("10.0.0.5:8000", "0.0.0.0")  # an address is no name to re-point
    assert not host_allowed("localhost:80:80", "127.0.0.1")
    assert not host_allowed("[::1", "127.0.0.1")
    assert not host_allowed("", "127.0.0.1")


# -- live reload ---------------------------------------------------------------


def test_event_stream_sends_changed_urls_after_an_edit(dev: DevServer, site_root: Path) -> None:
    events = EventReader(dev.port, since=dev.site.version())
    try:
        assert events.status == 200
        assert events.headers["content-type"] == "text/event-stream"
        assert events.wait_for("ok") == {}
        (site_root / FIRST_FILE).write_text(entry_text("First entry, updated", "2025-06-04"))
        changed = events.wait_for("changed")
    finally:
        events.close()
    assert FIRST in changed["urls"]
    assert b"First entry, updated" in fetch(dev, FIRST)[2]
    assert any(line.startswith(f"{FIRST_FILE}: ") for line in dev.lines)  # type: ignore[attr-defined]


def test_a_tab_gets_its_own_changed_page_with_the_event(dev: DevServer, site_root: Path) -> None:
    # Each tab says which page it shows; when that page changes, the event carries it,
    # exactly as a request for it is answered now, so the tab need not ask for it.
    second = "/2025/06/05/second/"  # a neighbour: the new title shows on it too
    tabs = [
        EventReader(dev.port, since=dev.site.version(), page=page)
        for page in (FIRST + "index.html", second, "/nowhere/")
    ]
    try:
        for tab in tabs:
            tab.wait_for("ok")
        (site_root / FIRST_FILE).write_text(entry_text("First entry, pushed", "2025-06-04"))
        mine, neighbour, stranger = (tab.wait_for("changed") for tab in tabs)
    finally:
        for tab in tabs:
            tab.close()
    assert mine["page"] == FIRST
    assert mine["html"].encode() == fetch(dev, FIRST)[2]
    assert "First entry, pushed" in mine["html"]
    assert SCRIPT_TAG in mine["html"].encode()
    assert SCRIPT_TAG not in (dev.site.out / FIRST.strip("/") / "index.html").read_bytes()
    assert neighbour["page"] == second
    assert neighbour["html"].encode() == fetch(dev, second)[2]
    assert "html" not in stranger and stranger["urls"] == mine["urls"]


def test_broken_edit_shows_errors_and_keeps_the_last_good_site(
    dev: DevServer, site_root: Path
) -> None:
    events = EventReader(dev.port, since=dev.site.version())
    try:
        events.wait_for("ok")
        (site_root / FIRST_FILE).write_text("---\ntitle: First entry\ndate: nope\n---\nBody\n")
        (error,) = events.wait_for("error")["errors"]
        assert f"{FIRST_FILE}:3: `date`: cannot read 'nope' as a date — " in error
        assert b"First entry" in fetch(dev, FIRST)[2]  # the last good page
        status = json.loads(fetch(dev, "/__digest__/status")[2])
        assert status["errors"] == [error]

        late = EventReader(dev.port, since=dev.site.version())  # a tab opened now
        try:
            assert late.wait_for("error")["errors"] == [error]
        finally:
            late.close()

        (site_root / FIRST_FILE).write_text(entry_text("First entry, fixed", "2025-06-04"))
        assert FIRST in events.wait_for("changed")["urls"]
    finally:
        events.close()
    assert json.loads(fetch(dev, "/__digest__/status")[2])["errors"] == []
    assert any(error in line for line in dev.lines)  # type: ignore[attr-defined]


BROKEN_FILE = "content/2025/2025-06-03-broken.md"
BROKEN_TEXT = "---\ntitle: Broken\ndate: nope\n---\nBody\n"


def test_the_first_build_builds_around_broken_entries(write_tree: WriteTree) -> None:
    root = write_tree({FIRST_FILE: entry_text("First entry"), BROKEN_FILE: BROKEN_TEXT})
    lines: list[str] = []
    with DevServer(root, port=0, say=lines.append) as dev:
        assert fetch(dev, FIRST)[0] == 200  # not 404 everywhere
        assert fetch(dev, "/")[0] == 200
        status = json.loads(fetch(dev, "/__digest__/status")[2])
        (error,) = status["errors"]
        assert f"{BROKEN_FILE}:3: `date`: cannot read 'nope'" in error
        assert status["partial"] is True
        assert not any("last good build" in line for line in lines)
        assert f"  {error}" in lines
        events = EventReader(dev.port, since=dev.site.version())
        try:
            shown = events.wait_for("error")
            assert shown["errors"] == [error]
            assert "left out" in shown["title"]
            (root / BROKEN_FILE).write_text(entry_text("Broken, fixed", "2025-06-03"))
            assert "/2025/06/03/broken/" in events.wait_for("changed")["urls"]
        finally:
            events.close()
        assert b"Broken, fixed" in fetch(dev, "/2025/06/03/broken/")[2]
        status = json.loads(fetch(dev, "/__digest__/status")[2])
        assert (status["errors"], status["partial"]) == ([], False)


def test_edits_apply_while_a_broken_entry_stays_left_out(write_tree: WriteTree) -> None:
    root = write_tree({FIRST_FILE: entry_text("First entry"), BROKEN_FILE: BROKEN_TEXT})
    with DevServer(root, port=0, say=lambda line: None) as dev:
        events = EventReader(dev.port, since=dev.site.version())
        try:
            (error,) = events.wait_for("error")["errors"]
            (root / FIRST_FILE).write_text(entry_text("First entry, edited"))
            assert FIRST in events.wait_for("changed")["urls"]
            assert events.wait_for("error")["errors"] == [error]  # still left out
        finally:
            events.close()
        assert b"First entry, edited" in fetch(dev, FIRST)[2]
        # An entry the preview shows, broken by an edit: the last good site stays.
        (root / FIRST_FILE).write_text("---\ntitle: First entry\ndate: never\n---\nBody\n")
        assert wait_until(lambda: len(_status(dev)["errors"]) == 2)
        assert b"First entry, edited" in fetch(dev, FIRST)[2]
        assert _status(dev)["partial"] is False


def _status(dev: DevServer) -> dict:
    return json.loads(fetch(dev, "/__digest__/status")[2])


def test_a_first_build_that_cannot_be_made_says_so(write_tree: WriteTree) -> None:
    root = write_tree({FIRST_FILE: entry_text("First entry"), "content/people.yaml": "- [\n"})
    lines: list[str] = []
    with DevServer(root, port=0, say=lines.append) as dev:
        status, _, body = fetch(dev, FIRST)
        assert status == 404 and SCRIPT_TAG in body  # the tab shows the errors
        (error,) = json.loads(fetch(dev, "/__digest__/status")[2])["errors"]
        assert "content/people.yaml:" in error
        assert not any("last good build" in line for line in lines)
        assert any("nothing to show until" in line for line in lines)
        (root / "content/people.yaml").write_text("- name: Ada Example\n")
        assert wait_until(lambda: fetch(dev, FIRST)[0] == 200)


def test_a_reconnecting_tab_learns_what_it_missed(dev: DevServer, site_root: Path) -> None:
    before = dev.site.version()
    events = EventReader(dev.port, since=before)
    events.wait_for("ok")
    (site_root / FIRST_FILE).write_text(entry_text("First entry, while away", "2025-06-04"))
    events.wait_for("changed")
    events.close()
    again = EventReader(dev.port, since=before)
    try:
        assert FIRST in again.wait_for("changed")["urls"]
    finally:
        again.close()
    stranger = EventReader(dev.port, since="another-server:3")
    try:
        assert stranger.wait_for("changed")["urls"] == ["*"]
    finally:
        stranger.close()


def test_many_tabs_and_requests_at_once(dev: DevServer) -> None:
    streams = [EventReader(dev.port, since=dev.site.version()) for _ in range(50)]
    try:
        for stream in streams:
            assert stream.wait_for("ok") == {}
        assert dev.site.stream_count() == 50
        paths = [FIRST, "/", "/theme/style.css", "/img/pic.png", "/nope/"] * 40
        with ThreadPoolExecutor(max_workers=50) as pool:
            results = list(pool.map(lambda p: (p, fetch(dev, p)), paths))
    finally:
        for stream in streams:
            stream.close()
    assert len(results) == 200
    for path, (status, _, body) in results:
        assert status == (404 if path == "/nope/" else 200), path
        assert body
    assert wait_until(lambda: dev.site.stream_count() == 0)
    assert fetch(dev, FIRST)[0] == 200


def _rss_kb() -> int:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]


def test_memory_and_threads_stay_flat_under_repeated_load(dev: DevServer) -> None:
    """Rounds of 200 requests and 50 streams: after the first, nothing keeps growing."""

    def one_round() -> None:
        streams = [EventReader(dev.port, since=dev.site.version()) for _ in range(50)]
        try:
            with ThreadPoolExecutor(max_workers=50) as pool:
                statuses = list(pool.map(lambda p: fetch(dev, p)[0], [FIRST, "/"] * 100))
        finally:
            for stream in streams:
                stream.close()
        assert statuses.count(200) == 200
        assert wait_until(lambda: dev.site.stream_count() == 0)

    one_round()  # warm up: thread stacks, caches, the allocator's arenas
    assert wait_until(lambda: threading.active_count() < 20)
    threads, rss = threading.active_count(), _rss_kb()
    for _ in range(3):
        one_round()
    assert wait_until(lambda: threading.active_count() <= threads + 2)
    assert _rss_kb() - rss < 30_000, "the server's memory grew with each round of load"


def test_the_build_cache_is_saved_once_on_close(site_root: Path) -> None:
    state = site_root / ".digest-cache/preview-state.pickle"
    with DevServer(site_root, port=0, say=lambda line: None):
        assert not state.exists()  # not after every build
    assert state.is_file()


def test_serve_site_takes_the_next_free_port(
    site_root: Path, capsys: pytest.CaptureFixture
) -> None:
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    ready, stop = threading.Event(), threading.Event()
    got: dict[str, int] = {}

    def on_ready(dev: DevServer) -> None:
        got["port"] = dev.port
        ready.set()

    def run() -> None:
        got["rc"] = serve_site(site_root, port=port, stop=stop, on_ready=on_ready)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert ready.wait(WAIT)
        assert got["port"] != port
        conn = http.client.HTTPConnection("127.0.0.1", got["port"], timeout=WAIT)
        conn.request("GET", FIRST)
        assert conn.getresponse().status == 200
        conn.close()
    finally:
        stop.set()
        thread.join(WAIT)
        busy.close()
    assert got["rc"] == 0
    out = capsys.readouterr().out
    assert f"port {port} is in use; using {got['port']} instead" in out
    assert f"Serving {site_root} at http://127.0.0.1:{got['port']}/" in out


def test_native_watch_failure_falls_back_to_polling_and_says_so(site_root: Path) -> None:
    lines: list[str] = []
    dev = DevServer(site_root, port=0, say=lines.append)
    dev.watcher.observer_classes = (BrokenObserver, PollingObserver)
    with dev:
        events = EventReader(dev.port, since=dev.site.version())
        try:
            events.wait_for("ok")
            (site_root / FIRST_FILE).write_text(entry_text("First entry, polled", "2025-06-04"))
            assert FIRST in events.wait_for("changed")["urls"]
        finally:
            events.close()
    assert any("inotify watch limit reached" in line and "polling" in line for line in lines)


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_the_command_stops_cleanly(site_root: Path, how: signal.Signals) -> None:
    # A shell's background job ignores SIGINT; give the server Python's usual Ctrl-C handler.
    start = (
        "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "sys.argv = ['digest', *sys.argv[1:]]; runpy.run_module('generator', run_name='__main__')"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", start, "serve", str(site_root), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        seen: list[str] = []
        while not (seen and ("Serving" in seen[-1] or not seen[-1])):
            seen.append(process.stdout.readline())
        assert "Serving" in seen[-1], seen
        process.send_signal(how)
        rest = process.communicate(timeout=WAIT)[0]
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 0
    assert rest.rstrip().endswith("stopped")


def test_the_command_line_flags_and_refusal(
    site_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from generator.cli import main, parse_arguments

    args = parse_arguments(["serve"])
    assert (args.drafts, args.future, args.output) == (True, True, None)
    args = parse_arguments(["serve", "--no-drafts", "--no-future"])
    assert (args.drafts, args.future) == (False, False)
    assert main(["serve", str(site_root), "-o", str(site_root / "site"), "--port", "0"]) == 2
    assert "the folder `digest build` writes" in capsys.readouterr().err
    assert not (site_root / "site").exists()
