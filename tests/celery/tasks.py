"""Tasks for execmon's Celery test: successes, failures, retries, slow ones."""
import os
import time

from celery import Celery

BROKER = os.environ.get("CELERY_BROKER", "redis://127.0.0.1:6379/0")
app = Celery("tasks", broker=BROKER, backend=BROKER)
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_send_sent_event=True,      # task-sent, so runs are queued from the start
    result_extended=True,
    task_track_started=True,        # STARTED, so a running task can be revoked           # AsyncResult.retries for the comparison
    worker_prefetch_multiplier=1,
    broker_transport_options={"priority_steps": [0, 3, 6, 9]},
    worker_hijack_root_logger=False,
)


@app.task
def add(x, y):
    return x + y


@app.task
def boom():
    raise ValueError("boom!")


@app.task(bind=True, max_retries=3)
def flaky(self):
    """Fails on its first attempt, then succeeds."""
    if self.request.retries < 1:
        raise self.retry(exc=RuntimeError("flaky"), countdown=0.2)
    return "ok-after-retry"


@app.task(bind=True, max_retries=2)
def hopeless(self):
    """Retries twice, then fails for good."""
    raise self.retry(exc=RuntimeError("nope"), countdown=0.2)


@app.task
def slow(seconds):
    time.sleep(seconds)
    return "slow-done"
