"""A real RQ worker process for the tests that need one (marked `worker`)."""

from __future__ import annotations

import os
import subprocess
import sys

from resilience.config import PROJECT_ROOT, Settings


def run_worker(settings: Settings, **env: str) -> subprocess.CompletedProcess[str]:
    """A real worker process in burst mode: it works off the queue, then exits."""
    environment = os.environ | {
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "RESILIENCE_SECRET_KEY": "test",
        "RESILIENCE_VAR_DIR": str(settings.var_dir),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "workers.worker", "--burst"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
