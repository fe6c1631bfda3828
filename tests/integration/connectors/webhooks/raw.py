"""HTTP over a bare socket, for requests no HTTP client will send: header bytes that are not ASCII or not
UTF-8 at all, bodies that trickle in."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit


def request_bytes(url: str, headers: list[tuple[bytes, bytes]], body: bytes, *, length: int | None = None) -> bytes:
    """A whole `POST` request to `url`: request line, headers (as given, byte for byte) and body."""
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lines = [f"POST {path} HTTP/1.1".encode(), f"Host: {parts.netloc}".encode(), b"Connection: close"]
    lines.append(f"Content-Length: {len(body) if length is None else length}".encode())
    lines += [name + b": " + value for name, value in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


async def raw_post(url: str, headers: list[tuple[bytes, bytes]], body: bytes) -> tuple[int, Any]:
    """Send the request in one write; the status and the JSON answer (None when it has none)."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        writer.write(request_bytes(url, headers, body))
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 30)
    finally:
        writer.close()
    head, _, payload = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    try:
        return status, json.loads(payload)
    except ValueError:
        return status, None
