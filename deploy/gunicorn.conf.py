"""gunicorn's settings for SafetyPlan: ``gunicorn -c deploy/gunicorn.conf.py 'safetyplan:create_app()'``.

See docs/operations.md, "Running several app servers". Where to listen and how many workers are set on the command
line (``-b``, ``-w``) or in the environment (``GUNICORN_CMD_ARGS``, ``WEB_CONCURRENCY``), per server.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

#: Threads in each worker: a request waiting on the database leaves the others free.
worker_class = "gthread"
threads = 4
#: A worker that has not answered for this long is restarted (a save takes well under a second).
timeout = 60
#: Longer than nginx keeps an idle connection to a server (60 s), so that nginx never sends a request down a
#: connection gunicorn is closing (a POST sent that way is not tried again on another server).
keepalive = 75
#: Workers are restarted now and then, a little apart, so that memory cannot creep.
max_requests = 20000
max_requests_jitter = 2000
#: No control socket (gunicorn 27 puts one in the user's home by default, which the systemd unit makes read-only):
#: reload and stop go through signals (systemctl reload, stop).
control_socket_disable = True


def _metrics_directory() -> Path | None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return Path(directory) if directory else None


def on_starting(_server: Any) -> None:
    """Start the metrics from nothing: counts left by a server that stopped would be counted again."""
    directory = _metrics_directory()
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
        for left in directory.glob("*.db"):
            left.unlink()


def child_exit(_server: Any, worker: Any) -> None:
    """A worker that has gone no longer counts towards the gauges of live workers (connections in use)."""
    if _metrics_directory() is not None:
        # Imported here because it reads PROMETHEUS_MULTIPROC_DIR when first imported, which only workers need.
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
