"""The seed's async server with an async downstream call: aiohttp, `await asyncio.sleep`.

`GET /` awaits `asyncio.sleep(delay)` (the simulated downstream call) and answers
`Hello, World!`; `GET /health` answers `OK` at once. While one request waits, the single
event loop serves the others: many requests wait at the same time, so throughput is
bounded by the connections in flight divided by the delay (Little's law), not by the one
thread. This is the seed's observation 1, and its observation 2's answer: the latency is
the delay plus the loop's time per request, with no queueing behind other requests' waits.
"""

import asyncio
import sys

from aiohttp import web

import aiohttp_common
import common

VARIANT = "async_server"
DESCRIPTION = """\
The seed's async server: aiohttp on one asyncio event loop, where GET / waits with
`await asyncio.sleep(delay)` before answering "Hello, World!".

It demonstrates a non-blocking wait: while a request waits, the loop serves others, so
requests wait concurrently and throughput is bounded by connections / delay (Little's
law) or by the loop's CPU, not by 1/delay. HTTP/1.1 keep-alive, backlog 128 (run_app's
defaults), default asyncio loop, no access log.

Routes: GET / (after the delay), GET /health (at once), other paths 404, other methods
405. SIGINT/SIGTERM: finish requests in flight (up to 5 s), exit 0.
"""


def make_app(delay):
    async def hello(_request):
        await asyncio.sleep(delay)  # the simulated downstream call, non-blocking
        return web.Response(text=common.HELLO)

    return aiohttp_common.make_app(hello)


def main(argv=None):
    args = common.parse_args(VARIANT, 9001, DESCRIPTION, argv)
    host, port = args.addr
    app = make_app(args.delay_ms / 1000)
    what = f"aiohttp, one event loop, await asyncio.sleep {args.delay_ms} ms"
    return aiohttp_common.serve(VARIANT, app, host, port, what)


if __name__ == "__main__":
    sys.exit(main())
