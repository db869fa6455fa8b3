"""Running the embedded gateway: uvicorn (uvloop + httptools) in a thread for tests and verify, or blocking
for `llmgw-migrate gateway`."""

from __future__ import annotations

import contextlib
import importlib.util
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

from llmgw_migrate.config.plan import Plan
from llmgw_migrate.gateway.settings import GatewaySettings


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def raise_fd_limit() -> int:
    """Lift the soft open-files limit to the hard one (every connection holds a descriptor); returns it."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return 0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
    return int(soft) if soft != resource.RLIM_INFINITY else 1 << 20


def connection_limits(settings: GatewaySettings) -> Any:
    """The settings' connection cap, lowered to what the open-files limit leaves after the upstream pool."""
    from llmgw_migrate.gateway.connections import ConnectionLimits

    room = raise_fd_limit() - settings.pool_size - 64
    cap = max(1, min(settings.max_connections, room)) if room > 0 else settings.max_connections
    return ConnectionLimits(settings.header_timeout, settings.body_timeout, cap)


def _http_protocol(settings: GatewaySettings | None) -> Any:
    if not importlib.util.find_spec("httptools"):  # pragma: no cover - uvicorn[standard] brings it
        return "h11"
    if settings is None:
        return "httptools"
    from llmgw_migrate.gateway.connections import guarded_protocol

    return guarded_protocol(connection_limits(settings))


def uvicorn_config(
    app: Any, host: str, port: int, log_level: str = "warning", settings: GatewaySettings | None = None
) -> Any:
    """uvicorn's settings for the gateway; with `settings`, its read timeouts and connection cap apply."""
    import uvicorn

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
        http=_http_protocol(settings),
        lifespan="on",
        access_log=False,
        log_level=log_level,
        backlog=2048,
        timeout_keep_alive=30,
        timeout_graceful_shutdown=5,  # Ctrl-C must not wait for a long stream to finish
        server_header=False,
        date_header=False,
    )


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@contextlib.contextmanager
def serve_in_thread(
    plan: Plan | None,
    settings: GatewaySettings,
    host: str = "127.0.0.1",
    port: int = 0,
    key_policy: Any = None,
) -> Iterator[str]:
    """Run the gateway in a background thread; yields its base URL (no /v1) and stops it on exit."""
    import uvicorn

    from llmgw_migrate.gateway.app import create_app

    app = create_app(plan, settings, key_policy=key_policy)
    sock = _bind(host, port)
    bound_port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn_config(app, host, bound_port, settings=settings))
    errors: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # surfaced to the caller below
            errors.append(exc)

    thread = threading.Thread(target=run, name="llmgw-gateway", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    if not server.started:
        server.should_exit = True
        thread.join(10)
        sock.close()
        raise RuntimeError(f"the embedded gateway did not start: {errors[0] if errors else 'timeout'}")
    try:
        yield _url(host, bound_port)
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


def serve(
    plan: Plan | None,
    settings: GatewaySettings,
    host: str = "127.0.0.1",
    port: int = 4001,
    *,
    on_ready: Any = None,
    key_policy: Any = None,
) -> None:
    """Run in the foreground until interrupted (the CLI). `on_ready(url)` is called once listening."""
    import uvicorn

    from llmgw_migrate.gateway.app import create_app

    app = create_app(plan, settings, key_policy=key_policy)
    sock = _bind(host, port)
    bound_port = sock.getsockname()[1]
    config = uvicorn_config(app, host, bound_port, settings=settings)

    class _Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if on_ready is not None and self.started:
                on_ready(_url(host, bound_port))

    try:
        _Server(config).run(sockets=[sock])
    finally:
        sock.close()
