"""rq jobs for the email digest: find the users whose digest is due, and send one user's digest."""
from __future__ import annotations

from datetime import UTC, datetime

from ..notify.digest import PERIODS, send_if_due
from ..queue import enqueue_digest
from ..services import Services, services
from ..store.digests import due_user_ids

CHECKED_KEY = "telltale:digest:checked"
CHECK_EVERY = 60
ENQUEUED_KEY = "telltale:digest:enqueued:{user_id}"
# Outlasts a digest job's retries (about 13 minutes), so a digest still retrying is not enqueued
# again; once it expires, a digest that ran out of retries gets a fresh job.
ENQUEUED_TTL = 15 * 60


def send_digest(user_id: int) -> bool:
    """rq job: send the user's digest if it is still due; a failed send raises for rq to retry."""
    return send_if_due(services(), user_id, datetime.now(UTC))


def check_due_digests(svc: Services) -> int:
    """Enqueue due digests at most once a minute across all workers; return how many."""
    if svc.settings.smtp_url is None:
        return 0
    if not svc.redis.set(CHECKED_KEY, b"1", nx=True, ex=CHECK_EVERY):
        return 0
    return enqueue_due_digests(svc)


def enqueue_due_digests(svc: Services) -> int:
    """Enqueue a digest job for each user whose digest is due and has no job waiting; return how many."""
    if svc.settings.smtp_url is None:
        return 0
    with svc.sessions() as session:
        due = due_user_ids(session, datetime.now(UTC), PERIODS)
    enqueued = 0
    for user_id in due:
        # SET NX: two workers sweeping at once enqueue each user's digest once.
        if svc.redis.set(ENQUEUED_KEY.format(user_id=user_id), b"1", nx=True, ex=ENQUEUED_TTL):
            enqueue_digest(svc.redis, svc.settings.queue_name, user_id)
            enqueued += 1
    return enqueued
