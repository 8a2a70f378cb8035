"""`digest serve`: build, serve the output over HTTP, rebuild on every edit, reload the browser.

The reload script is added to HTML as it is served, so the files on disk stay exactly
what `digest build` writes. Tabs learn of rebuilds over Server-Sent Events: the URLs that
changed (a tab reloads only if its own page did; a stylesheet is swapped in place), or the
errors of a broken edit, shown in an overlay while the last good site keeps being served.
Requests wait while a build writes (a read-write lock shared with the Builder), so a
half-written site is never served.
"""

from __future__ import annotations

import errno
import json
import logging
import mimetypes
import queue
import secrets
import select
import signal
import socket
import socketserver
import sys
import threading
import time
import webbrowser
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote

from generator.build import Builder
from generator.config import load_config
from generator.errors import DigestError, UsageError
from generator.watch import ChangeInbox, Outcome, RebuildLoop, Watcher

log = logging.getLogger(__name__)

DEV_PREFIX = "/__digest__/"
SCRIPT_URL, EVENTS_URL, STATUS_URL = (DEV_PREFIX + n for n in ("livereload.js", "events", "status"))
MAX_STREAMS = 100  # open event streams; one per tab
PING_SECONDS = 15.0
PORT_TRIES = 20
HISTORY = 200  # builds whose changed URLs a reconnecting tab can catch up on
CONTENT_TYPES = {  # fixed here: mimetypes' answers vary with the system's tables
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".webp": "image/webp",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
}
FALLBACK_404 = b"<!doctype html><title>Not found</title><body><h1>Not found</h1></body>"


class ReadWriteLock:
    """Requests read at once; a build's write (`with lock:`) waits for them and holds new ones."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writers = 0  # writing or waiting to write: new readers queue behind them
        self._writing = False

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._writers)
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    def __enter__(self) -> None:
        with self._cond:
            self._writers += 1
            self._cond.wait_for(lambda: not self._readers and not self._writing)
            self._writing = True

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._writing = False
            self._writers -= 1
            self._cond.notify_all()


class _Stream:
    """One tab's event stream: messages queued for its handler thread to send."""

    def __init__(self) -> None:
        self.queue: queue.Queue[bytes | None] = queue.Queue(maxsize=64)
        self.closed = False

    def put(self, message: bytes | None) -> bool:
        try:
            self.queue.put_nowait(message)
            return True
        except queue.Full:  # a tab that stopped reading is dropped, not waited for
            self.closed = True
            return False


class LiveSite:
    """What request threads share with the rebuild loop: output, build number, errors, tabs."""

    def __init__(self, out: Path, base_path: str = "/") -> None:
        self.out = out
        self.base_path = base_path
        self.rw = ReadWriteLock()
        self.instance = secrets.token_hex(4)  # a restarted server is a new instance
        self._lock = threading.Lock()
        self._build = 0
        self._history: deque[tuple[int, list[str]]] = deque(maxlen=HISTORY)
        self.errors: list[str] = []
        self._streams: set[_Stream] = set()

    def version(self) -> str:
        with self._lock:
            return f"{self.instance}:{self._build}"

    def record_good(self, urls: list[str]) -> None:
        """A good build: clear the errors and tell every tab what changed."""
        with self._lock:
            self._build += 1
            self._history.append((self._build, urls))
            self.errors = []
            self._broadcast("changed", {"urls": urls})

    def record_failed(self, lines: list[str]) -> None:
        """A broken edit: every tab shows the errors; the last good site stays."""
        with self._lock:
            self.errors = lines
            self._broadcast("error", {"errors": lines})

    def status(self) -> dict[str, Any]:
        with self._lock:
            return {"build": f"{self.instance}:{self._build}", "errors": list(self.errors)}

    def open_stream(self, since: str) -> _Stream | None:
        """Register a tab; queue what it missed since `since` and the current state."""
        with self._lock:
            if len(self._streams) >= MAX_STREAMS:
                return None
            stream = _Stream()
            missed = self._missed(since)
            if missed:
                stream.put(self._message("changed", {"urls": missed}))
            if self.errors:
                stream.put(self._message("error", {"errors": self.errors}))
            else:
                stream.put(self._message("ok", {}))
            self._streams.add(stream)
            return stream

    def close_stream(self, stream: _Stream) -> None:
        with self._lock:
            self._streams.discard(stream)

    def stream_count(self) -> int:
        with self._lock:
            return len(self._streams)

    def close_all(self) -> None:
        """End every stream so their threads return (on shutdown)."""
        with self._lock:
            for stream in self._streams:
                stream.closed = True
                stream.put(None)
            self._streams.clear()

    def _missed(self, since: str) -> list[str]:
        """URLs changed after the build a tab last saw; ["*"] when that is unknowable."""
        if not since:
            return []
        instance, _, number = since.partition(":")
        if instance != self.instance or not number.isdigit():
            return ["*"]
        seen = int(number)
        if seen >= self._build:
            return []
        if not self._history or self._history[0][0] > seen + 1:
            return ["*"]
        urls = {url for build, changed in self._history if build > seen for url in changed}
        return sorted(urls)

    def _broadcast(self, event: str, data: dict[str, Any]) -> None:
        message = self._message(event, data)
        for stream in list(self._streams):
            if not stream.put(message):
                self._streams.discard(stream)

    def _message(self, event: str, data: dict[str, Any]) -> bytes:
        payload = json.dumps(data, ensure_ascii=False)
        return f"id: {self.instance}:{self._build}\nevent: {event}\ndata: {payload}\n\n".encode()


class _Answer(Exception):
    """A request answered before any file is read: a refusal or a redirect."""

    def __init__(self, status: int, reason: str, location: str | None = None) -> None:
        super().__init__(reason)
        self.status, self.reason, self.location = status, reason, location


def request_target(raw: str, base_path: str = "/") -> tuple[str, bool]:
    """The output-relative path a request names and whether it ends in `/`; never escapes."""
    path = raw.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith("/"):
        raise _Answer(400, "the path must start with /")
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError as exc:
        raise _Answer(400, "the path is not UTF-8") from exc
    if "\x00" in decoded or "\\" in decoded:
        raise _Answer(400, "the path holds a NUL byte or a backslash")
    parts = decoded.split("/")
    if any(part in (".", "..") for part in parts):
        raise _Answer(400, "the path may not climb with . or ..")
    clean, trailing = "/".join(p for p in parts if p), decoded.endswith("/")
    base = base_path.strip("/")
    if base:
        if (clean == base and not trailing) or not clean:
            raise _Answer(301, "moved", base_path)
        if clean != base and not clean.startswith(base + "/"):
            raise _Answer(404, "outside the site's base path")
        clean = clean[len(base) :].lstrip("/")
    return clean, trailing


def locate(out: Path, rel: str, trailing: bool) -> Path | None:
    """The real file inside `out` that `rel` names; None when missing or outside."""
    if any(part.startswith(".") for part in rel.split("/") if part):
        return None  # the manifest, a deploy repository's .git: not the site
    try:
        real_out = out.resolve(strict=True)
        real = (out / rel).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not real.is_relative_to(real_out):
        return None  # a symlink pointing out of the output folder
    if real.is_dir():
        if rel and not trailing:
            raise _Answer(301, "moved", quote(rel) + "/")  # relative to the base path
        return locate(out, f"{rel}/index.html" if rel else "index.html", False)
    return real if real.is_file() and not trailing else None


def inject_script(html: bytes, version: str) -> bytes:
    """Add the reload script before the last `</body>` (or at the end)."""
    tag = f'<script src="{SCRIPT_URL}" data-digest-build="{version}" defer></script>'.encode()
    at = html.lower().rfind(b"</body>")
    return html + tag if at < 0 else html[:at] + tag + html[at:]


def content_type(path: Path) -> str:
    known = CONTENT_TYPES.get(path.suffix.lower())
    return known or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _script() -> bytes:
    return resources.files("generator").joinpath("livereload.js").read_bytes()


class _Handler(BaseHTTPRequestHandler):
    """Serve the output, the reload script, the event stream and the build status."""

    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "digest-serve"

    def setup(self) -> None:
        self.timeout = self.server.request_timeout  # an idle client cannot hold a thread
        super().setup()
        # Headers and body go out as two writes; without this, Nagle's algorithm and the
        # client's delayed ACK hold the body back ~40 ms on a kept-alive connection.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._dispatch(head=False)

    def do_HEAD(self) -> None:
        self._dispatch(head=True)

    def _dispatch(self, *, head: bool) -> None:
        path, _, query = self.path.partition("?")
        if path == SCRIPT_URL:
            self._send(200, CONTENT_TYPES[".js"], _script(), head)
        elif path == STATUS_URL:
            body = json.dumps(self.server.site.status()).encode()
            self._send(200, CONTENT_TYPES[".json"], body, head)
        elif path == EVENTS_URL and not head:
            since = self.headers.get("Last-Event-ID") or parse_qs(query).get("since", [""])[0]
            self._stream_events(since)
        else:
            self._serve_file(head)

    def _serve_file(self, head: bool) -> None:
        site = self.server.site
        query = self.path.partition("?")[2]
        try:
            rel, trailing = request_target(self.path, site.base_path)
            with site.rw.reading():
                found = locate(site.out, rel, trailing)
                status, path = (200, found) if found else (404, locate(site.out, "404.html", False))
                body = _read(path) if path else None
                version = site.version()
        except _Answer as answer:
            self._answer(answer, site.base_path, query, head)
            return
        if body is None:
            status, path, body = 404, Path("404.html"), FALLBACK_404
        assert path is not None
        kind = content_type(path)
        if kind.startswith("text/html"):
            body = inject_script(body, version)
        self._send(status, kind, body, head)

    def _answer(self, answer: _Answer, base_path: str, query: str, head: bool) -> None:
        if answer.location is None:
            self._send(answer.status, CONTENT_TYPES[".txt"], f"{answer.reason}\n".encode(), head)
            return
        location = answer.location
        if not location.startswith("/"):  # locate() answers relative to the base path
            location = base_path + location
        self.send_response(answer.status)
        self.send_header("Location", location + (f"?{query}" if query else ""))
        self.send_header("Content-Length", "0")
        self.send_header("Cache-Control", "no-store")  # a folder may become a file later
        self.end_headers()

    def _send(self, status: int, kind: str, body: bytes, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _stream_events(self, since: str) -> None:
        site = self.server.site
        stream = site.open_stream(since)
        if stream is None:
            self._send(503, CONTENT_TYPES[".txt"], b"too many live-reload connections\n", False)
            return
        self.close_connection = True
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"retry: 1000\n\n")
            self._pump(stream)
        except (OSError, ValueError):
            log.debug("an event stream closed", exc_info=True)
        finally:
            site.close_stream(stream)

    def _pump(self, stream: _Stream) -> None:
        """Send queued events; check each second whether the tab went away."""
        last = time.monotonic()
        while not stream.closed:
            try:
                message = stream.queue.get(timeout=1.0)
            except queue.Empty:
                if _peer_closed(self.connection):
                    return
                if time.monotonic() - last < PING_SECONDS:
                    continue
                message = b": ping\n\n"
            if message is None:
                return
            self.wfile.write(message)
            last = time.monotonic()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)


class _Server(ThreadingHTTPServer):
    """A threaded server whose request threads never keep the process alive."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], site: LiveSite, request_timeout: float) -> None:
        self.site = site
        self.request_timeout = request_timeout
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer looks the host name up (getfqdn), which can stall on a slow resolver.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            log.debug("client %s went away: %s", client_address, exc)
        else:
            log.error("error while answering %s", client_address, exc_info=True)


def bind_server(
    host: str, port: int, site: LiveSite, request_timeout: float = 10.0
) -> tuple[_Server, str | None]:
    """Listen on `port`, or the next free one after it; say so when it moved."""
    candidates = [port] if port == 0 else range(port, min(port + PORT_TRIES, 65536))
    for candidate in candidates:
        try:
            server = _Server((host, candidate), site, request_timeout)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                continue
            raise UsageError(f"cannot listen on {host}:{candidate}: {exc.strerror}") from exc
        moved = server.server_address[1] != port and port != 0
        note = f"port {port} is in use; using {server.server_address[1]} instead" if moved else None
        return server, note
    last = port + PORT_TRIES - 1
    raise UsageError(f"ports {port} to {last} are all in use; pick another with --port")


class DevServer:
    """The live preview: builder, watcher, rebuild loop and HTTP server, run together."""

    def __init__(
        self,
        root: Path,
        output: Path | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        request_timeout: float = 10.0,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self.root, self.host, self.port = root, host, port
        self.request_timeout = request_timeout
        self.say = say or _print
        self.site = LiveSite(_output_folder(root, output))
        # The cache is saved once, on close, rather than after every keystroke.
        self.builder = Builder(
            root, output, drafts=True, in_place=True, write_lock=self.site.rw, autosave=False
        )
        self.inbox = ChangeInbox()
        self.watcher = Watcher(root, self.inbox)
        self.loop = RebuildLoop(self.builder, root, self._report, inbox=self.inbox)
        self.loop.output, self.loop.on_batch = self.site.out, self.watcher.refresh
        self.httpd: _Server | None = None
        self._serving: threading.Thread | None = None
        self._warnings: list[str] = []

    @property
    def url(self) -> str:
        shown = "localhost" if self.host in ("", "0.0.0.0", "::") else self.host
        shown = f"[{shown}]" if ":" in shown else shown
        return f"http://{shown}:{self.port}{self.site.base_path}"

    def start(self) -> DevServer:
        """Bind, watch, build once, then serve and rebuild in background threads."""
        self.httpd, note = bind_server(self.host, self.port, self.site, self.request_timeout)
        self.port = self.httpd.server_address[1]
        if note:
            self.say(note)
        self.watcher.start()  # before the first build, so no edit falls between the two
        if self.watcher.fallback_reason:
            self.say(f"native file watching failed ({self.watcher.fallback_reason}); polling")
        self.loop.build_once([])
        self._serving = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
        )
        self._serving.start()
        self.loop.start()
        return self

    def close(self) -> None:
        """Stop watching, building and serving; end every open event stream; save the cache."""
        self.watcher.stop()
        if self.loop.stop():  # not while a build still runs: it may be mid-way
            self.builder.save()
        self.site.close_all()
        if self.httpd is not None:
            if self._serving is not None:
                self.httpd.shutdown()
            self.httpd.server_close()

    def __enter__(self) -> DevServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _report(self, outcome: Outcome) -> None:
        """Tell the tabs and the terminal how a rebuild went."""
        trigger = _trigger(outcome.paths)
        if not outcome.ok:
            lines = [str(error.under(self.root)) for error in outcome.errors]
            self.site.record_failed(lines)
            count = f"{len(lines)} problem{'s' * (len(lines) != 1)}"
            self.say(f"{trigger}: {count}; still serving the last good build")
            for line in lines:
                self.say(f"  {line}")
            return
        result = outcome.result
        out = result.out or self.site.out
        if (out, result.config.base_path) != (self.site.out, self.site.base_path):
            with self.site.rw:  # a config edit moved the output or the base path
                self.site.out = self.loop.output = out
                self.site.base_path = result.config.base_path
        self.site.record_good(result.changed_urls())
        self.say(f"{trigger}: {_summary(result)} in {outcome.seconds * 1000:.0f} ms")
        if result.warnings != self._warnings:
            self._warnings = list(result.warnings)
            for warning in result.warnings:
                self.say(f"  warning: {warning}")


def serve_site(
    root: Path,
    output: Path | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    open_browser: bool = False,
    stop: threading.Event | None = None,
    on_ready: Callable[[DevServer], None] | None = None,
) -> int:
    """The `digest serve` command: serve with live reload until Ctrl-C (or `stop` is set)."""
    stop = stop or threading.Event()
    dev = DevServer(root, output, host=host, port=port)
    restore = _stop_on_sigterm(stop)
    try:
        dev.start()
        _print(f"Serving {root} at {dev.url} (drafts included); press Ctrl-C to stop")
        if host not in ("127.0.0.1", "localhost", "::1"):
            _print(f"note: {host} may be reachable from other machines")
        if open_browser:
            webbrowser.open(dev.url)
        if on_ready is not None:
            on_ready(dev)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        dev.close()
        restore()
    _print("stopped")
    return 0


def _stop_on_sigterm(stop: threading.Event) -> Callable[[], None]:
    """Let SIGTERM end the server as cleanly as Ctrl-C does (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    return lambda: signal.signal(signal.SIGTERM, previous)


def _output_folder(root: Path, output: Path | None) -> Path:
    """Where the site will be written, even when the config is broken."""
    if output is not None:
        return output
    try:
        return root / load_config(root).output
    except DigestError:
        return root / "site"


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:  # removed by a build between locate() and here
        return None


def _peer_closed(sock: socket.socket) -> bool:
    """True when the client hung up (readable, yet nothing to read)."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


def _trigger(paths: list[str]) -> str:
    if not paths:
        return "first build"
    return paths[0] + (f" and {len(paths) - 1} more" if len(paths) > 1 else "")


def _summary(result: Any) -> str:
    stats = result.write
    if result.nothing_changed or stats is None:
        return f"nothing changed ({result.pages} files)"
    removed = f", {stats.removed} removed" if stats.removed else ""
    written = f"{stats.written} file{'s' * (stats.written != 1)} written"
    return f"{written}, {stats.unchanged} unchanged{removed}"


def _print(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)
