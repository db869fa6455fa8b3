"""Run a real LiteLLM proxy (`litellm[proxy]==1.108.7`) locally, offline, for parity tests and benchmarks.

The proxy lives in its own virtualenv (its dependency tree is large and must not leak into ours), made
once and reused: `ensure_litellm_venv()` returns its python. `LiteLLMProxy(config)` starts the proxy on
127.0.0.1 with a strong random master key, waits until `/health/liveliness` answers and stops the whole
process group on exit.

Offline: LiteLLM fetches its model cost map from GitHub at import time unless
`LITELLM_LOCAL_MODEL_COST_MAP=True`; the other variables set in `offline_env()` turn off the remaining
start-up calls (telemetry, the feedback box, the anthropic beta-header and model-list refreshes).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO

LITELLM_VERSION = "1.108.7"
LITELLM_REQUIREMENT = f"litellm[proxy]=={LITELLM_VERSION}"
_READY_MARKER = ".llmgw-ready"
# Versions that carried a credential stealer on PyPI: never run them, even if a venv holds one.
_COMPROMISED = {"1.82.7", "1.82.8"}


class LiteLLMError(RuntimeError):
    """The LiteLLM virtualenv could not be made or the proxy did not start."""


def default_venv_dir() -> Path:
    env = os.environ.get("LLMGW_LITELLM_VENV")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[2]
    if (repo / "pyproject.toml").is_file():
        return repo / ".venvs" / f"litellm-{LITELLM_VERSION}"
    # Installed from a wheel: there is no checkout to put it in, use the user cache.
    from llmgw_migrate.config.catalog import cache_dir

    return cache_dir() / "venvs" / f"litellm-{LITELLM_VERSION}"


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _installed_version(python: Path) -> str | None:
    try:
        out = subprocess.run(
            [str(python), "-c", "import importlib.metadata as m; print(m.version('litellm'))"],
            capture_output=True,
            text=True,
            timeout=120,
            env=offline_env(),
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


@contextlib.contextmanager
def _file_lock(path: Path):  # type: ignore[no-untyped-def]
    """An exclusive lock so parallel test workers create the venv once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        try:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        except ImportError:  # pragma: no cover - Windows: no lock, racing installs are merely slower
            pass
        yield


def ensure_litellm_venv(dir: Path | None = None) -> Path:
    """The python of a virtualenv holding `litellm[proxy]==1.108.7`, created on first use.

    Safe to call from several processes at once (a file lock serialises creation). Raises LiteLLMError
    with the tail of pip's output when the install fails.
    """
    venv = Path(dir) if dir is not None else default_venv_dir()
    python = _venv_python(venv)
    marker = venv / _READY_MARKER
    if marker.is_file() and python.exists():
        return python
    with _file_lock(venv.parent / f".{venv.name}.lock"):
        if marker.is_file() and python.exists():
            return python
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        version = _installed_version(python)
        if version != LITELLM_VERSION:
            proc = subprocess.run(
                [str(python), "-m", "pip", "install", "--quiet", LITELLM_REQUIREMENT],
                capture_output=True,
                text=True,
            )
            if proc.returncode != 0:
                tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])
                raise LiteLLMError(f"could not install {LITELLM_REQUIREMENT} into {venv}: {tail}")
            version = _installed_version(python)
        if version != LITELLM_VERSION or version in _COMPROMISED:
            raise LiteLLMError(f"{venv} holds litellm {version!r}, expected {LITELLM_VERSION}")
        marker.write_text(f"{LITELLM_REQUIREMENT}\n", encoding="utf-8")
    return python


def offline_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a LiteLLM process that must not reach the internet."""
    env = dict(os.environ if base is None else base)
    env.update(
        {
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS": "True",
            "LITELLM_LOCAL_POLICY_TEMPLATES": "True",
            "LITELLM_LOCAL_BLOG_POSTS": "True",
            "LITELLM_LOCAL_AUTOROUTER_PRESETS": "True",
            "LITELLM_TELEMETRY": "False",
            "LITELLM_DONT_SHOW_FEEDBACK_BOX": "True",
            "DISABLE_ADMIN_UI": "True",
            "LITELLM_MODE": "PRODUCTION",
            "LITELLM_LOG": "ERROR",
            "HF_HUB_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
    )
    # A stray DATABASE_URL would make the proxy try to run prisma migrations.
    env.pop("DATABASE_URL", None)
    return env


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class LiteLLMProxy:
    """A LiteLLM proxy subprocess on 127.0.0.1; use as a context manager.

    `master_key`: defaults to a fresh `sk-` + 48 random url-safe characters (recent LiteLLM refuses weak
    keys). It is passed as LITELLM_MASTER_KEY, so the config should not set `general_settings.master_key`
    to a literal (an `os.environ/LITELLM_MASTER_KEY` reference is fine). `env`: extra variables for the
    proxy (e.g. the provider keys the config references).
    """

    def __init__(
        self,
        config_path: str | Path,
        port: int = 0,
        master_key: str | None = None,
        *,
        python: Path | None = None,
        env: dict[str, str] | None = None,
        startup_timeout: float = 180.0,
        log_path: Path | None = None,
    ) -> None:
        self.config_path = Path(config_path).resolve()
        self.port = port or free_port()
        self.master_key = master_key or "sk-" + secrets.token_urlsafe(36)
        self.url = f"http://127.0.0.1:{self.port}"
        self._python = python
        self._extra_env = dict(env or {})
        self._startup_timeout = startup_timeout
        self._log_path = log_path
        self._log: IO[bytes] | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    # lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> LiteLLMProxy:
        if not self.config_path.is_file():
            raise LiteLLMError(f"{self.config_path}: LiteLLM config not found")
        python = self._python or ensure_litellm_venv()
        env = offline_env()
        env.update(self._extra_env)
        env["LITELLM_MASTER_KEY"] = self.master_key
        if self._log_path is None:
            fd, name = tempfile.mkstemp(prefix="litellm-proxy-", suffix=".log")
            os.close(fd)
            self._log_path = Path(name)
        self._log = open(self._log_path, "wb")  # closed in stop()
        # `litellm` is a console script beside the venv's python; running it by path keeps PATH irrelevant.
        script = python.parent / "litellm"
        cmd = [str(script)] if script.exists() else [str(python), "-m", "litellm.proxy.proxy_cli"]
        cmd += ["--config", str(self.config_path), "--host", "127.0.0.1", "--port", str(self.port)]
        self._proc = subprocess.Popen(
            cmd,
            cwd=str(self.config_path.parent),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: stop() takes the workers down too
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        import httpx

        deadline = time.monotonic() + self._startup_timeout
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while time.monotonic() < deadline:
                assert self._proc is not None
                if self._proc.poll() is not None:
                    raise LiteLLMError(
                        f"LiteLLM proxy exited with code {self._proc.returncode} during start-up: "
                        f"{self.log_tail()}"
                    )
                try:
                    if client.get(f"{self.url}/health/liveliness").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.25)
        raise LiteLLMError(f"LiteLLM proxy not ready after {self._startup_timeout:.0f}s: {self.log_tail()}")

    def log_tail(self, lines: int = 8) -> str:
        """The last lines of the proxy's output, with the master key masked."""
        if self._log_path is None or not self._log_path.exists():
            return ""
        text = self._log_path.read_text(encoding="utf-8", errors="replace")
        tail = " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])
        return tail.replace(self.master_key, "sk-***")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
                try:
                    os.killpg(proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    proc.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        if proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)  # stragglers (uvicorn workers) of the group
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> LiteLLMProxy:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:  # never show the key
        return f"LiteLLMProxy(url={self.url!r}, config={str(self.config_path)!r})"
