"""The seed's sync server: the standard library's `http.server`, one request at a time.

`GET /` sleeps with `time.sleep(delay)` (the simulated downstream call) and answers
`Hello, World!`; `GET /health` answers `OK` at once. Standard library only.

What the seed measured, and why (the defaults below are kept on purpose, because they
explain its numbers):

* Plain `HTTPServer`, not `ThreadingHTTPServer`: `serve_forever` accepts one connection,
  handles it to the end, then accepts the next. With a 10 ms wait the best possible is
  about 100 requests/s whatever the number of clients; the others wait in the kernel.
* `BaseHTTPRequestHandler.protocol_version` stays `"HTTP/1.0"`: the server closes the
  connection after every response, so each request costs a new TCP connection (wrk
  reconnects each time).
* `HTTPServer.request_queue_size` stays 5, the `listen()` backlog: of 100 connecting
  clients only about six can wait for `accept`; the kernel drops or refuses the others'
  connects, depending on the OS (Linux drops the SYN and the client retries it after 1 s,
  hence a latency tail near 1 s; systems that reset instead give socket errors, a likely
  source of the seed's read errors).
* Per-request logging is the one default we change: `http.server` writes a line per
  request to stderr, which would measure the terminal as much as the server.
"""

import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import common

VARIANT = "sync_server"
DESCRIPTION = """\
The seed's sync server: Python's standard http.server (plain HTTPServer, one request at
a time), where GET / waits with time.sleep(delay) before answering "Hello, World!".

It demonstrates a server with one handler thread and a blocking wait: throughput is
capped near 1/delay requests/s (about 100/s at 10 ms) however many clients connect, and
latency grows with the queue. HTTP/1.0 (a new connection per request) and a listen
backlog of 5 are the standard library's defaults, kept as the seed had them.

Routes: GET / (after the delay), GET /health (at once), other paths 404, other methods
405. SIGINT/SIGTERM: finish the request in hand, exit 0.
"""


class Handler(BaseHTTPRequestHandler):
    # protocol_version is left at the stdlib default "HTTP/1.0" (see the module docstring).

    def do_GET(self):
        self._route(with_body=True)

    def do_HEAD(self):
        self._route(with_body=False)

    def _method_not_allowed(self):
        if self._path() in ("/", "/health"):
            self._reply(405, "Method Not Allowed", with_body=True, allow="GET, HEAD")
        else:
            self._reply(404, "Not Found", with_body=True)

    def __getattr__(self, name):
        # http.server looks for do_<METHOD> and answers 501 when there is none; every
        # method other than GET and HEAD gets the contract's 405 (or 404) instead.
        if name.startswith("do_"):
            return self._method_not_allowed
        raise AttributeError(name)

    def _path(self):
        return self.path.split("?", 1)[0]

    def _route(self, with_body):
        path = self._path()
        if path == "/":
            time.sleep(self.server.delay)  # the simulated downstream call, blocking
            self._reply(200, common.HELLO, with_body)
        elif path == "/health":
            self._reply(200, common.HEALTHY, with_body)
        else:
            self._reply(404, "Not Found", with_body)

    def _reply(self, status, text, with_body, allow=None):
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", common.CONTENT_TYPE)
        self.send_header("Content-Length", str(len(body)))
        if allow:
            self.send_header("Allow", allow)
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 (the stdlib's parameter name)
        """Silenced: no per-request logging (it would distort the measurement)."""


class Server(HTTPServer):
    # request_queue_size stays the stdlib default, 5 (see the module docstring).

    def __init__(self, address, delay):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.delay = delay
        super().__init__(address, Handler)

    def handle_error(self, request, client_address):
        """Clients that hang up mid-answer (wrk does at the end of a run) are not news."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def main(argv=None):
    args = common.parse_args(VARIANT, 9000, DESCRIPTION, argv)
    host, port = args.addr
    common.raise_open_file_limit()
    try:
        server = Server((host, port), args.delay_ms / 1000)
    except OSError as error:
        common.say(VARIANT, common.describe_bind_error(host, port, error))
        return common.EXIT_START_FAILED

    stopping = threading.Event()

    def on_signal(signum, _frame):
        # shutdown() waits for serve_forever to return, so it must run on another thread;
        # serve_forever finishes the request in hand first.
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    bound_host, bound_port = server.server_address[:2]
    common.say(
        VARIANT,
        f"listening on http://{common.show_addr(bound_host, bound_port)} "
        f"(http.server, one request at a time, time.sleep {args.delay_ms} ms)",
    )
    try:
        server.serve_forever()
    finally:
        server.server_close()
    common.say(VARIANT, "stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
