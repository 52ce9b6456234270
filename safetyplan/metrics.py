"""Metrics for Prometheus: what an operator watches to see that the service is well, never anything about a person.

Requests and their durations are counted by route pattern (never the path, which holds record ids), method and
status. Plan saves and save conflicts are counted when they happen; the database pools' use is kept as connections
are checked out and in. What the outbox still has to send and what the audit spool holds are read when the metrics
are asked for, by readings the app factory adds (the layers that know them sit above this module).

Under gunicorn, each worker counts for itself: set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory, the same
for every worker of one server, and the page adds the workers up (docs/operations.md, "Metrics").
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, SessionTransaction

from safetyplan.db import database, session, within

#: The label of a request that matched no route (a 404 for an unknown path).
NO_ROUTE = "(no route)"
#: The methods counted by name; any other is counted as "other".
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
#: Where the workers of one gunicorn server keep their counts (prometheus_client reads it when it is imported).
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
#: In app.extensions: the readings the metrics page takes when it is asked for.
READINGS = "safetyplan.metric_readings"
READING_UP = "safetyplan_metrics_reading_up"
#: On a session's info: the counters to add to once its transaction commits.
_AFTER_COMMIT = "safetyplan.metrics.after_commit"

REQUESTS = Counter(
    "safetyplan_http_requests", "Requests answered, by route pattern, method and status.", ["route", "method", "status"]
)
REQUEST_SECONDS = Histogram(
    "safetyplan_http_request_duration_seconds",
    "How long requests took to answer, by route pattern and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
PLAN_SAVES = Counter("safetyplan_plan_saves", "Revisions of plans saved (counted once their transaction commits).")
PLAN_CONFLICTS = Counter(
    "safetyplan_plan_save_conflicts", "Saves of a plan refused because someone else had saved it since it was opened."
)
CONNECTIONS_IN_USE = Gauge(
    "safetyplan_database_connections_in_use",
    "Connections checked out of this server's pools, by database (primary or replica).",
    ["database"],
    multiprocess_mode="livesum",
)
CONNECTIONS_OPEN = Gauge(
    "safetyplan_database_connections_open",
    "Connections this server's pools hold open, in use or idle, by database (primary or replica).",
    ["database"],
    multiprocess_mode="livesum",
)


@dataclass(frozen=True)
class Reading:
    """A gauge read when the metrics page is asked for: a fact about the database or this server's disk rather than
    about one process (what waits to be sent, what the audit spool holds). ``values`` gives each set of label values
    its value."""

    name: str
    documentation: str
    labels: tuple[str, ...]
    values: Callable[[], Mapping[tuple[str, ...], float]]


def init_app(app: Flask, readings: Iterable[Reading]) -> None:
    """Keep the gauges of the app's database pools, and the readings for the metrics page."""
    with app.app_context():
        found = database()
    watch_pool(found.engine, "primary")
    if found.replica is not None:
        watch_pool(found.replica, "replica")
    app.extensions[READINGS] = tuple(readings)


def observe_request(answered: Mapping[str, Any]) -> None:
    """Count one answered request, from what the request log learnt about it (safetyplan/web/logs.py)."""
    route = answered.get("route") or NO_ROUTE
    method = str(answered.get("method") or "")
    if method not in METHODS:
        method = "other"  # a client may send any word as a method: each would be a new series
    REQUESTS.labels(route=route, method=method, status=str(answered.get("status") or "")).inc()
    REQUEST_SECONDS.labels(route=route, method=method).observe(float(answered.get("duration_ms") or 0) / 1000)


def count_after_commit(db_session: Session, counter: Counter) -> None:
    """Add one to ``counter`` when ``db_session``'s transaction commits; nothing if it, or the savepoint the count
    was made in, is rolled back."""
    root = db_session.get_transaction() or db_session.begin()  # begun now, so that a rollback with no SQL yet counts
    made_in = db_session.get_nested_transaction() or root
    db_session.info.setdefault(_AFTER_COMMIT, []).append((counter, made_in))


@event.listens_for(Session, "after_commit")
def _count_committed(db_session: Session) -> None:
    if db_session.in_nested_transaction():
        return  # a savepoint released: the outer transaction may still be rolled back
    for counter, _made_in in db_session.info.pop(_AFTER_COMMIT, ()):
        counter.inc()


@event.listens_for(Session, "after_transaction_end")
def _forget_ended(db_session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        db_session.info.pop(_AFTER_COMMIT, None)  # closed without a commit: nothing to count


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(db_session: Session, rolled_back: SessionTransaction) -> None:
    counts: list[tuple[Counter, SessionTransaction]] = db_session.info.get(_AFTER_COMMIT, [])
    counts[:] = [(counter, made_in) for counter, made_in in counts if not within(made_in, rolled_back)]


def watch_pool(engine: Engine, database: str) -> None:
    """Keep the pool gauges of ``engine`` (``primary`` or ``replica``) as its connections come and go."""
    in_use = CONNECTIONS_IN_USE.labels(database=database)
    open_ = CONNECTIONS_OPEN.labels(database=database)
    event.listen(engine, "connect", lambda *_: open_.inc())
    event.listen(engine, "close", lambda *_: open_.dec())
    event.listen(engine, "close_detached", lambda *_: open_.dec())
    event.listen(engine, "checkout", lambda *_: in_use.inc())
    event.listen(engine, "checkin", lambda *_: in_use.dec())


def token_matches(configured: str | None, authorization: str | None) -> bool:
    """Whether an ``Authorization: Bearer`` header carries the configured metrics token (compared in constant time)."""
    if not configured or not authorization:
        return False
    scheme, _, presented = authorization.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), configured.encode())


class _Scrape(Collector):
    """Everything counted (by this process, or by every worker when under gunicorn), then each reading.

    A reading that fails (the database is down, the spool cannot be read) is left out and ``READING_UP`` says so:
    the rest of the page still answers when something is wrong, which is when it matters most.
    """

    def __init__(self, readings: Iterable[Reading]) -> None:
        self.readings = tuple(readings)

    def collect(self) -> Iterable[Metric]:
        directory = os.environ.get(MULTIPROCESS_DIR)
        counted: Collector = MultiProcessCollector(None, path=directory) if directory else REGISTRY  # type: ignore[no-untyped-call]
        yield from counted.collect()
        up = GaugeMetricFamily(
            READING_UP, "Whether each reading of the metrics page worked (1) or not (0).", labels=["reading"]
        )
        for reading in self.readings:
            try:
                values = reading.values()
            except Exception:  # noqa: BLE001 - whatever failed, the page answers without this reading
                session.rollback()  # readings only read: end a transaction the failure left unusable
                up.add_metric([reading.name], 0)
                continue
            family = GaugeMetricFamily(reading.name, reading.documentation, labels=list(reading.labels))
            for key, value in values.items():
                family.add_metric(list(key), value)
            yield family
            up.add_metric([reading.name], 1)
        yield up


def exposition(readings: Iterable[Reading]) -> tuple[bytes, str]:
    """The metrics page, in Prometheus's text format, and its content type."""
    return generate_latest(_Scrape(readings)), CONTENT_TYPE_LATEST
