"""Issue 24, item 9: killing the worker (SIGKILL, as the OOM killer would) does not orphan
RQ's scheduler, the child process the worker forks: it stops with the worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from redis import Redis

from resilience.config import PROJECT_ROOT, Settings


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited


@pytest.mark.worker
def test_killing_the_worker_ends_its_scheduler(
    app,  # type: ignore[no-untyped-def]
    redis_conn: Redis,
    settings: Settings,
) -> None:
    environment = os.environ | {
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "RESILIENCE_SECRET_KEY": "test",
        "RESILIENCE_VAR_DIR": str(settings.var_dir),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "workers.worker", "--name", "issue24-kill"],
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    scheduler: int | None = None
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and scheduler is None:
            children = [c for c in _children(worker.pid) if _alive(c)]
            scheduler = children[0] if children else None
            time.sleep(0.2)
        assert scheduler is not None, "the worker started no scheduler process"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _alive(scheduler):
            time.sleep(0.2)
        assert not _alive(scheduler), "the scheduler outlived its worker"
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
        if scheduler is not None and _alive(scheduler):
            os.kill(scheduler, signal.SIGKILL)


def test_the_web_server_has_no_shared_control_socket() -> None:
    """Issue 24, item 10: gunicorn's control socket defaults to one path per user, shared
    by every instance on the host; `make run` starts ours without one."""
    script = (PROJECT_ROOT / "scripts" / "run.sh").read_text()
    command = script[script.index(".venv/bin/gunicorn") :].split("&", 1)[0]
    assert "--no-control-socket" in command
    gunicorn = PROJECT_ROOT / ".venv" / "bin" / "gunicorn"
    usage = subprocess.run(
        [str(gunicorn), "--help"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert "--no-control-socket" in usage
