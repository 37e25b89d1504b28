"""A loopback Socket Mode endpoint: the WebSocket that ``apps.connections.open`` hands out, as Slack serves
it (RFC 6455 handshake, then a ``hello`` message; pings are answered)."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def _frame(opcode: int, payload: bytes) -> bytes:
    head = bytes([0x80 | opcode])
    if len(payload) < 126:
        return head + bytes([len(payload)]) + payload
    return head + bytes([126]) + struct.pack("!H", len(payload)) + payload


def _read_exact(conn: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


class SocketModeEndpoint:
    """Accepts WebSocket connections on 127.0.0.1; ``url`` goes into the loopback Slack's ``socket_url``."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.connections = 0
        self._open: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, name="loopback-socket-mode", daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._listener.getsockname()[1]}/link/?ticket=loopback"

    def __enter__(self) -> SocketModeEndpoint:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._listener.close()
        for conn in self._open:
            conn.close()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self._open.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                request += chunk
            headers = dict(line.split(": ", 1) for line in request.decode().split("\r\n")[1:] if ": " in line)
            accept = base64.b64encode(hashlib.sha1(headers["Sec-WebSocket-Key"].encode() + _GUID).digest())  # noqa: S324 - RFC 6455 says SHA-1
            conn.sendall(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
            )
            self.connections += 1
            hello = {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0NOTEBOOK"}}
            conn.sendall(_frame(0x1, json.dumps(hello).encode()))
            while True:
                first, second = _read_exact(conn, 2)
                length = second & 0x7F
                if length == 126:
                    length = struct.unpack("!H", _read_exact(conn, 2))[0]
                elif length == 127:
                    length = struct.unpack("!Q", _read_exact(conn, 8))[0]
                mask = _read_exact(conn, 4) if second & 0x80 else b"\0\0\0\0"
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(_read_exact(conn, length)))
                opcode = first & 0x0F
                if opcode == 0x9:
                    conn.sendall(_frame(0xA, payload))
                elif opcode == 0x8:
                    return
        except (OSError, ConnectionError, KeyError):
            return
        finally:
            conn.close()
