"""A TCP proxy for fault injection: between the bot and a real server, it forwards, stalls (stops
forwarding without closing anything: the network goes silent), drops (closes every connection) and
resumes. Threads only; it binds 127.0.0.1 and forwards to one address given by the test."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time


class ChaosProxy:
    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.mode = "forward"  # forward | stall
        self._connections: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self.accepted = 0
        threading.Thread(target=self._accept, name="chaos-accept", daemon=True).start()

    # ---- control ----
    def stall(self) -> None:
        """Stop forwarding in both directions; connections stay open and new ones are accepted."""
        self.mode = "stall"

    def resume(self) -> None:
        self.mode = "forward"

    def drop(self) -> None:
        """Close every connection now (as a failover or a restart of the server would)."""
        with self._lock:
            connections, self._connections = self._connections, []
        for pair in connections:
            for sock in pair:
                _close(sock)

    def close(self) -> None:
        self._closed.set()
        self.drop()
        _close(self.listener)

    # ---- forwarding ----
    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._serve, args=(client,), name="chaos-conn", daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        while self.mode == "stall" and not self._closed.is_set():  # a silent network: nothing gets through
            time.sleep(0.05)
        try:
            server = socket.create_connection(self.target, timeout=5)
        except OSError:
            _close(client)
            return
        with self._lock:
            self._connections.append((client, server))
        self._pump(client, server)

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        peers = {client: server, server: client}
        try:
            while not self._closed.is_set():
                if self.mode == "stall":
                    time.sleep(0.05)
                    continue
                readable, _, _ = select.select(list(peers), [], [], 0.05)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except (OSError, ValueError):  # ValueError: drop() closed a socket while select() was given it
            return
        finally:
            _close(client)
            _close(server)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
