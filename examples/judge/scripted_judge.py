#!/usr/bin/env python3
"""A scripted stand-in for an LLM judge: an OpenAI-compatible
`POST /v1/chat/completions` server that always gives the best verdict.

It exists to audit judge specs without a model: a judge that says "yes" to
everything shows which exploits only the spec's own defences stop (plaudit's
guard against empty, punctuation-only and reasoning-opener responses,
format gates, length penalties). It reads what plaudit's judge prompts ask
for: a score on a scale ("from MIN (worst) to MAX (best)") gets MAX, a
criteria list (`c1: …`, `c2: …`) gets every criterion satisfied, a pairwise
comparison gets the response under judgment as the winner.

    python3 examples/judge/scripted_judge.py --port 8765 [--delay-ms 20]

`GET /stats` answers {"requests": N}. Standard library only.
"""

import argparse
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REQUESTS = 0
LOCK = threading.Lock()


def verdict(messages, schema_name):
    text = "\n".join(m.get("content", "") for m in messages if isinstance(m.get("content"), str))
    scale = re.search(r"from (-?[\d.]+) \(worst\) to (-?[\d.]+) \(best\)", text)
    if scale:
        return {"critique": "Excellent, complete and correct.", "score": float(scale.group(2))}
    ids = re.findall(r"^(c\d+)\b", text, flags=re.M)
    if ids or schema_name == "criteria":
        return {"criteria": [{"id": i, "reason": "Fully met.", "satisfied": True} for i in dict.fromkeys(ids)]}
    # Pairwise and anything else: the first answer a schema could want.
    return {"winner": "A", "reason": "A is better.", "critique": "Excellent.", "score": 10}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    delay = 0.0

    def log_message(self, *args):
        pass

    def _send(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/stats":
            self._send(200, {"requests": REQUESTS})
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self):
        global REQUESTS
        length = int(self.headers.get("content-length", 0))
        req = json.loads(self.rfile.read(length) or b"{}")
        with LOCK:
            REQUESTS += 1
        if self.delay:
            time.sleep(self.delay)
        fmt = req.get("response_format") or {}
        name = (fmt.get("json_schema") or {}).get("name", "")
        content = json.dumps(verdict(req.get("messages", []), name))
        self._send(200, {
            "id": "chatcmpl-scripted",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": req.get("model", "scripted"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
        })


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--delay-ms", type=float, default=0.0)
    args = ap.parse_args()
    Handler.delay = args.delay_ms / 1000
    class Server(ThreadingHTTPServer):
        # The default backlog of 5 drops connections when a client opens
        # dozens at once (a judge with max_concurrency = 32).
        request_queue_size = 256
        daemon_threads = True

    server = Server((args.host, args.port), Handler)
    print(f"scripted judge on http://{args.host}:{args.port}/v1", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
