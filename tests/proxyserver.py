"""A forward proxy on 127.0.0.1 for the tests: plain http forwarded, https tunnelled.

``forward_proxy(names)`` serves on a random port until its ``with`` block ends. It
resolves target host names through ``names`` only (``{"www.rand.org": "127.0.0.1"}``),
as a proxy that does the DNS for its clients, and logs what it was asked:
``requests`` holds each forwarded request's absolute URL, ``tunnels`` each
CONNECT's ``host:port``. Forwarded requests are rewritten to origin form and
sent on one connection to their target per client connection; harvest's requests
have no body, and nothing else is spoken. Every thread stops with the server.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

TIMEOUT_S = 10.0


@dataclass
class Proxy:
    port: int
    names: Mapping[str, str]
    requests: list[str] = field(default_factory=list)
    tunnels: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class _Handler(socketserver.StreamRequestHandler):
    proxy: Proxy

    def handle(self) -> None:
        self.connection.settimeout(TIMEOUT_S)
        upstream: socket.socket | None = None
        try:
            while True:
                head = self._head()
                if not head:
                    return
                method, target, version = head[0].split(" ", 2)
                if method == "CONNECT":
                    self._tunnel(target)
                    return
                parts = urlsplit(target)
                with self.proxy.lock:
                    self.proxy.requests.append(target)
                if upstream is None:
                    upstream = self._connect(parts.hostname or "", parts.port or 80)
                    threading.Thread(
                        target=_pump, args=(upstream, self.connection), daemon=True
                    ).start()
                path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                kept = [line for line in head[1:] if not line.lower().startswith("proxy-")]
                upstream.sendall(
                    "\r\n".join([f"{method} {path} {version}", *kept, "", ""]).encode("latin-1")
                )
        except OSError:
            return
        finally:
            if upstream is not None:
                upstream.close()

    def _head(self) -> list[str]:
        lines = []
        while True:
            line = self.rfile.readline(65537)
            if not line:
                return []
            text = line.decode("latin-1").rstrip("\r\n")
            if not text:
                return lines
            lines.append(text)

    def _connect(self, host: str, port: int) -> socket.socket:
        address = self.proxy.names.get(host.lower())
        if address is None:
            raise OSError(f"the test proxy knows no address for {host}")
        return socket.create_connection((address, port), timeout=TIMEOUT_S)

    def _tunnel(self, target: str) -> None:
        host, _, port = target.rpartition(":")
        with self.proxy.lock:
            self.proxy.tunnels.append(target)
        try:
            upstream = self._connect(host.strip("[]"), int(port))
        except OSError:
            self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.wfile.flush()
        back = threading.Thread(target=_pump, args=(upstream, self.connection), daemon=True)
        back.start()
        _pump(self.connection, upstream)
        back.join(TIMEOUT_S)
        upstream.close()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    """Copy bytes until either side closes."""
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


@contextmanager
def forward_proxy(names: Mapping[str, str]) -> Iterator[Proxy]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    proxy = Proxy(server.server_address[1], dict(names))
    server.RequestHandlerClass = type("Handler", (_Handler,), {"proxy": proxy})
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
