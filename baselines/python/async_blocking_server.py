"""The seed's async server with a sync downstream call: aiohttp, `time.sleep` in the handler.

`GET /` calls `time.sleep(delay)` inside the `async def` handler, which blocks the one event
loop: while one request waits, nothing else runs, neither other handlers nor accepting
connections nor reading requests. So it serves one request per delay like the sync server,
while it accepts far more connections (backlog 128, keep-alive), all of which queue behind
the blocked loop: every client waits for everyone ahead of it. That is the seed's
observation 3: more latency than the sync server (whose backlog of 5 turns most clients
away instead of queueing them).
"""

import sys
import time

from aiohttp import web

import aiohttp_common
import common

VARIANT = "async_blocking_server"
DESCRIPTION = """\
The seed's "async + sync downstream" server: aiohttp on one asyncio event loop, where the
async GET / handler waits with a blocking time.sleep(delay) before answering
"Hello, World!".

It demonstrates the classic mistake: a blocking call inside an async handler stalls the
whole event loop, so requests are served one at a time (about 1/delay per second) while
every open connection queues behind them, and latency grows with the number of clients.
HTTP/1.1 keep-alive, backlog 128 (run_app's defaults), default asyncio loop, no access log.

Routes: GET / (after the delay), GET /health (at once, but only when the loop is free),
other paths 404, other methods 405. SIGINT/SIGTERM: finish requests in flight (up to 5 s),
exit 0.
"""


def make_app(delay):
    async def hello(_request):
        time.sleep(delay)  # the simulated downstream call, blocking the event loop
        return web.Response(text=common.HELLO)

    return aiohttp_common.make_app(hello)


def main(argv=None):
    args = common.parse_args(VARIANT, 9002, DESCRIPTION, argv)
    host, port = args.addr
    app = make_app(args.delay_ms / 1000)
    what = f"aiohttp, one event loop, blocking time.sleep {args.delay_ms} ms"
    return aiohttp_common.serve(VARIANT, app, host, port, what)


if __name__ == "__main__":
    sys.exit(main())
