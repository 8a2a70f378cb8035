"""The live preview's HTTP side: which file a request names, and how it is answered.

Only files inside the output folder are served (no `..`, encoded or not, no symlink out
of it); HTML gets the reload script added on the way out; the event stream and status
are answered from the LiveSite the server holds. Only requests addressed to this machine
by a name no one else can re-point are answered (see `host_allowed`).
"""

from __future__ import annotations

import errno
import ipaddress
import json
import logging
import mimetypes
import queue
import select
import socket
import socketserver
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, unquote

from generator.errors import UsageError

if TYPE_CHECKING:
    from generator.preview.live import EventStream, LiveSite

log = logging.getLogger(__name__)

DEV_PREFIX = "/__digest__/"
SCRIPT_URL, EVENTS_URL, STATUS_URL, MARKS_URL = (
    DEV_PREFIX + n for n in ("livereload.js", "events", "status", "marks.css")
)
PING_SECONDS = 15.0
PORT_TRIES = 20
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


class Answer(Exception):
    """A request answered before any file is read: a refusal or a redirect."""

    def __init__(self, status: int, reason: str, location: str | None = None) -> None:
        super().__init__(reason)
        self.status, self.reason, self.location = status, reason, location


def request_target(raw: str, base_path: str = "/") -> tuple[str, bool]:
    """The output-relative path a request names and whether it ends in `/`; never escapes."""
    path = raw.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith("/"):
        raise Answer(400, "the path must start with /")
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError as exc:
        raise Answer(400, "the path is not UTF-8") from exc
    if "\x00" in decoded or "\\" in decoded:
        raise Answer(400, "the path holds a NUL byte or a backslash")
    parts = decoded.split("/")
    if any(part in (".", "..") for part in parts):
        raise Answer(400, "the path may not climb with . or ..")
    clean, trailing = "/".join(p for p in parts if p), decoded.endswith("/")
    base = base_path.strip("/")
    if base:
        if (clean == base and not trailing) or not clean:
            raise Answer(301, "moved", base_path)
        if clean != base and not clean.startswith(base + "/"):
            raise Answer(404, "outside the site's base path")
        clean = clean[len(base) :].lstrip("/")
    return clean, trailing


def host_allowed(host: str | None, bound: str) -> bool:
    """Whether a request's Host header names this server in a way a stranger cannot fake.

    A web page the editor visits can have its own name re-pointed at 127.0.0.1 (DNS
    rebinding) and then read the preview as its own origin: drafts, status, events. Its
    requests carry its name in Host. So only these names are answered, with any port:
    `localhost` and `*.localhost` (browsers resolve them to this machine themselves),
    IP addresses (there is no name to re-point), and the host `serve` was bound to.
    No Host at all is an HTTP/1.0 client, never a browser.
    """
    if host is None:
        return True
    name, port = _split_host(host.strip().lower())
    if name is None or (port and not port.isdigit()):
        return False
    name = name.rstrip(".")  # `localhost.` is the same name, fully qualified
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        pass
    return bool(name) and name == bound.strip().lower().strip("[]").rstrip(".")


def _split_host(host: str) -> tuple[str | None, str]:
    """`name:port` or `[v6]:port` into name and port; None for a malformed value."""
    if host.startswith("["):
        end = host.find("]")
        rest = host[end + 1 :] if end > 0 else "?"
        if rest and not rest.startswith(":"):
            return None, ""
        return host[1:end], rest[1:]
    name, colon, port = host.partition(":")
    if colon and not port:
        return None, ""
    return name, port


def page_key(url: str) -> str:
    """A page's URL path as tabs and builds both name it: decoded, no `index.html`."""
    path = unquote(url.split("?", 1)[0].split("#", 1)[0])
    return path[: -len("index.html")] if path.endswith("/index.html") else path


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
            raise Answer(301, "moved", quote(rel) + "/")  # relative to the base path
        return locate(out, f"{rel}/index.html" if rel else "index.html", False)
    return real if real.is_file() and not trailing else None


def inject_script(html: bytes, version: str) -> bytes:
    """Add the reload script, and the stylesheet that tags links to drafts and scheduled
    entries (marks.py), before the last `</body>` (or at the end)."""
    tag = (
        f'<script src="{SCRIPT_URL}" data-digest-build="{version}" defer></script>'
        f'<link rel="stylesheet" href="{MARKS_URL}">'
    ).encode()
    at = html.lower().rfind(b"</body>")
    return html + tag if at < 0 else html[:at] + tag + html[at:]


def content_type(path: Path) -> str:
    known = CONTENT_TYPES.get(path.suffix.lower())
    return known or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _script() -> bytes:
    return resources.files("generator.preview").joinpath("livereload.js").read_bytes()


class _Handler(BaseHTTPRequestHandler):
    """Serve the output, the reload script, the event stream and the build status."""

    server: PreviewHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "digest-serve"

    def setup(self) -> None:
        super().setup()
        # An idle client cannot hold a thread (the class's `timeout` is one for all servers).
        self.connection.settimeout(self.server.request_timeout)
        # Headers and body go out as two writes; without this, Nagle's algorithm and the
        # client's delayed ACK hold the body back ~40 ms on a kept-alive connection.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._dispatch(head=False)

    def do_HEAD(self) -> None:
        self._dispatch(head=True)

    def _dispatch(self, *, head: bool) -> None:
        hosts = self.headers.get_all("Host") or []
        host = hosts[0] if hosts else None
        if len(hosts) > 1 or not host_allowed(host, self.server.bound_host):
            self.close_connection = True
            refusal = (
                b"digest serve answers only requests to localhost, an IP address or the "
                b"name given with --host\n"
            )
            self._send(403, CONTENT_TYPES[".txt"], refusal, head)
            return
        path, _, query = self.path.partition("?")
        if path == SCRIPT_URL:
            self._send(200, CONTENT_TYPES[".js"], _script(), head)
        elif path == STATUS_URL:
            body = json.dumps(self.server.site.status()).encode()
            self._send(200, CONTENT_TYPES[".json"], body, head)
        elif path == MARKS_URL:
            self._send(200, CONTENT_TYPES[".css"], self.server.site.marks_css().encode(), head)
        elif path == EVENTS_URL and not head:
            params = parse_qs(query)
            since = self.headers.get("Last-Event-ID") or params.get("since", [""])[0]
            self._stream_events(since, params.get("page", [""])[0])
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
        except Answer as answer:
            self._answer(answer, site.base_path, query, head)
            return
        if body is None:
            status, path, body = 404, Path("404.html"), FALLBACK_404
        assert path is not None
        kind = content_type(path)
        if kind.startswith("text/html"):
            body = site.dress(body, page_key(self.path) if status == 200 else "", version)
        self._send(status, kind, body, head)

    def _answer(self, answer: Answer, base_path: str, query: str, head: bool) -> None:
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

    def _stream_events(self, since: str, page: str) -> None:
        site = self.server.site
        stream = site.open_stream(since, page)
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

    def _pump(self, stream: EventStream) -> None:
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


class PreviewHTTPServer(ThreadingHTTPServer):
    """A threaded server whose request threads never keep the process alive."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], site: LiveSite, request_timeout: float) -> None:
        self.site = site
        self.request_timeout = request_timeout
        self.bound_host = address[0]  # the one name, besides loopback, requests may use
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
) -> tuple[PreviewHTTPServer, str | None]:
    """Listen on `port`, or the next free one after it; say so when it moved."""
    candidates = [port] if port == 0 else range(port, min(port + PORT_TRIES, 65536))
    for candidate in candidates:
        try:
            server = PreviewHTTPServer((host, candidate), site, request_timeout)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                continue
            raise UsageError(f"cannot listen on {host}:{candidate}: {exc.strerror}") from exc
        moved = server.server_address[1] != port and port != 0
        note = f"port {port} is in use; using {server.server_address[1]} instead" if moved else None
        return server, note
    last = port + PORT_TRIES - 1
    raise UsageError(f"ports {port} to {last} are all in use; pick another with --port")


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
