#!/usr/bin/env python3
"""examples/judge/scripted_judge.py on asyncio instead of threads.

The same protocol (`POST /v1/chat/completions`, `GET /stats` answering
{"requests": N}) and the same verdicts (it imports `verdict` from
scripted_judge.py), with the delay slept by `asyncio.sleep` on one event
loop instead of one OS thread per connection. ThreadingHTTPServer spends a
thread, a `time.sleep` and the GIL on every request; at 32+ calls in flight
on a 2-core machine that costs more than the 20 ms being simulated. This
stub keeps up, so a benchmark measures the client and not the server.

    python3 bench/judge/fast_judge.py --port 8765 --delay-ms 20

Minimal HTTP/1.1: keep-alive, Content-Length or chunked request bodies.
Standard library only.
"""

import argparse
import asyncio
import importlib.util
import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "scripted_judge", ROOT / "examples" / "judge" / "scripted_judge.py")
_scripted = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_scripted)
verdict = _scripted.verdict

REQUESTS = 0
DELAY = 0.0
REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found"}


def response(code, obj, keep_alive):
    body = json.dumps(obj).encode()
    head = (f"HTTP/1.1 {code} {REASONS.get(code, 'Error')}\r\n"
            f"content-type: application/json\r\n"
            f"content-length: {len(body)}\r\n"
            f"connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n")
    return head.encode() + body


async def read_body(reader, headers):
    if headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                # Trailers, up to the blank line.
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
    length = int(headers.get("content-length", "0") or 0)
    return await reader.readexactly(length) if length else b""


async def handle(reader, writer):
    global REQUESTS
    try:
        while True:
            line = await reader.readline()
            if not line:
                return
            line = line.strip()
            if not line:
                continue
            method, path, version = line.decode("latin-1").split(" ", 2)
            headers = {}
            while True:
                h = await reader.readline()
                if h in (b"\r\n", b"\n", b""):
                    break
                k, _, v = h.decode("latin-1").partition(":")
                headers[k.strip().lower()] = v.strip()
            body = await read_body(reader, headers)
            keep_alive = headers.get("connection", "").lower() != "close" and version == "HTTP/1.1"
            if method == "GET" and path == "/stats":
                out = response(200, {"requests": REQUESTS}, keep_alive)
            elif method == "POST":
                try:
                    req = json.loads(body or b"{}")
                except ValueError:
                    writer.write(response(400, {"error": "bad json"}, False))
                    await writer.drain()
                    return
                REQUESTS += 1
                if DELAY:
                    await asyncio.sleep(DELAY)
                fmt = req.get("response_format") or {}
                name = (fmt.get("json_schema") or {}).get("name", "")
                content = json.dumps(verdict(req.get("messages", []), name))
                out = response(200, {
                    "id": "chatcmpl-scripted",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": req.get("model", "scripted"),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": content}}],
                    "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
                }, keep_alive)
            else:
                out = response(404, {"error": "not found"}, keep_alive)
            writer.write(out)
            await writer.drain()
            if not keep_alive:
                return
    except (ConnectionError, asyncio.IncompleteReadError, ValueError):
        return
    finally:
        writer.close()


async def serve(host, port):
    server = await asyncio.start_server(handle, host, port, backlog=4096)
    print(f"fast scripted judge on http://{host}:{port}/v1", flush=True)
    async with server:
        await server.serve_forever()


def main():
    global DELAY
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--delay-ms", type=float, default=0.0)
    args = ap.parse_args()
    DELAY = args.delay_ms / 1000
    try:
        asyncio.run(serve(args.host, args.port))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
