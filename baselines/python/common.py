"""Plumbing shared by the three Python baseline servers.

Like the Rust workspace's `server-common`, this holds only what is *not* the point of a
variant: the command line, parsing HOST:PORT, the one-line start-up and failure messages,
and the open-file limit. Each server's routes and the handler that waits stay in that
server's own file, where a reader can see them whole.

Standard library only, so that `sync_server.py` needs nothing from requirements.txt.
"""

import argparse
import errno
import resource
import socket
import sys

# The bodies, shared with the Rust servers' contract.
HELLO = "Hello, World!"
HEALTHY = "OK"
CONTENT_TYPE = "text/plain; charset=utf-8"

# Exit code of a failed start, the same as the Rust servers' `server_common::fail`.
EXIT_START_FAILED = 2


def parse_addr(text):
    """`HOST:PORT` (or `[V6]:PORT`) -> (host, port); raises argparse.ArgumentTypeError."""
    host, sep, port_text = text.rpartition(":")
    if not sep or not host:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        port = int(port_text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad port in {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range in {text!r}")
    return host, port


def parse_delay_ms(text):
    """A non-negative whole number of milliseconds."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of ms, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("the delay cannot be negative")
    return value


def parse_workers(text):
    """Only 1: accepted so a harness can pass the Rust servers' `--workers 1` to every variant."""
    if text != "1":
        raise argparse.ArgumentTypeError(
            "only 1 is supported: the seed's Python servers have one handler thread / one event "
            "loop; use the Rust servers to explore more workers"
        )
    return 1


def parse_args(prog, default_port, description, argv=None):
    parser = argparse.ArgumentParser(
        prog=prog,
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--addr",
        metavar="HOST:PORT",
        type=parse_addr,
        default=("127.0.0.1", default_port),
        help=f"where to listen (default 127.0.0.1:{default_port}, the seed's port; "
        "port 0 picks a free one, printed in the start-up line)",
    )
    parser.add_argument(
        "--delay-ms",
        metavar="N",
        type=parse_delay_ms,
        default=10,
        help="milliseconds each GET / waits before answering: the simulated downstream "
        "call (default 10, as in the seed; 0 answers at once)",
    )
    parser.add_argument(
        "--workers",
        metavar="1",
        type=parse_workers,
        default=1,
        help="accepted for symmetry with the Rust servers; only 1 is allowed",
    )
    return parser.parse_args(argv)


def show_addr(host, port):
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def say(variant, message):
    """One line on stderr, prefixed like the Rust servers' failure messages."""
    print(f"{variant}: {message}", file=sys.stderr, flush=True)


def describe_bind_error(host, port, error):
    """The one sentence a failed bind gives, worded like the Rust servers' `bind`."""
    where = show_addr(host, port)
    if error.errno == errno.EADDRINUSE:
        return (
            f"cannot listen on {where}: the address is already in use "
            "(another server there? pick a free port with --addr)"
        )
    if error.errno == errno.EADDRNOTAVAIL:
        return f"cannot listen on {where}: no such address on this machine"
    if error.errno == errno.EACCES:
        return f"cannot listen on {where}: permission denied (ports below 1024 need privileges)"
    if isinstance(error, socket.gaierror):
        return f"cannot listen on {where}: cannot resolve host {host!r} ({error.strerror})"
    return f"cannot listen on {where}: {error.strerror or error}"


def raise_open_file_limit():
    """Soft open-file limit up to the hard one, as the Rust servers do: each connection costs
    a file descriptor, and runs with 1,000 connections must not hit the usual 1,024. It
    changes nothing at the seed's 100 connections."""
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ValueError, OSError):
        pass
