"""Serving an aiohttp application the way `web.run_app` would, with the contract's extras.

`web.run_app` is what the seed's aiohttp servers most plausibly used; this does the same
with an explicit `AppRunner` so that it can (a) print one start-up line on stderr instead of
run_app's banner on stdout, (b) turn a busy port into one clear line and exit code 2, and
(c) stop on SIGINT and SIGTERM with exit 0. The settings that shape the numbers are
run_app's defaults, restated here: the default asyncio event loop (no uvloop), one loop,
a `listen()` backlog of 128, HTTP/1.1 keep-alive with a 75 s idle timeout.

Access logging is off (`access_log=None`): nothing per request.
"""

import asyncio
import signal

from aiohttp import web

import common

# run_app's defaults.
BACKLOG = 128
KEEPALIVE_TIMEOUT = 75.0
# How long requests in flight may take to finish after SIGINT/SIGTERM, as in the Rust servers.
SHUTDOWN_GRACE = 5.0


async def health(_request):
    return web.Response(text=common.HEALTHY)


def make_app(hello_handler):
    """`GET /` -> hello_handler, `GET /health` -> OK. aiohttp answers HEAD like GET, 405
    (with Allow) for other methods on these paths, and 404 for other paths."""
    app = web.Application()
    app.router.add_get("/", hello_handler)
    app.router.add_get("/health", health)
    return app


async def _serve(variant, app, host, port, what):
    runner = web.AppRunner(
        app,
        access_log=None,
        keepalive_timeout=KEEPALIVE_TIMEOUT,
        shutdown_timeout=SHUTDOWN_GRACE,
        handle_signals=False,
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=BACKLOG)
    try:
        await site.start()
    except OSError as error:
        await runner.cleanup()
        common.say(variant, common.describe_bind_error(host, port, error))
        return common.EXIT_START_FAILED

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    bound_host, bound_port = runner.addresses[0][:2]
    common.say(variant, f"listening on http://{common.show_addr(bound_host, bound_port)} ({what})")
    await stop.wait()
    await runner.cleanup()  # stop accepting, let requests in flight finish (bounded)
    common.say(variant, "stopped")
    return 0


def serve(variant, app, host, port, what):
    """Runs `app` until SIGINT/SIGTERM; returns the process's exit code."""
    common.raise_open_file_limit()
    return asyncio.run(_serve(variant, app, host, port, what))
