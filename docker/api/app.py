"""Tiny stand-in API service for the reference stack: GET /health -> {"status": "ok"}.

Python standard library only; listens on 0.0.0.0:$PORT (default 8000) and exits cleanly
on SIGTERM/SIGINT (it runs as PID 1, which gets no default signal handling).
"""

import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == "/health":
            self._reply(200, {"status": "ok"})
        else:
            self._reply(404, {"error": "not found", "path": self.path})

    def _reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt: str, *args) -> None:
        if not self.path.startswith("/health"):  # keep health checks out of the logs
            sys.stderr.write("api: " + (fmt % args) + "\n")


def main() -> None:
    port = int(os.environ.get("PORT", "8000"))
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: sys.exit(0))
    sys.stderr.write(f"api: listening on :{port}\n")
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
