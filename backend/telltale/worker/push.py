"""rq job: the popups publish decided, sent to their users' phones (Web Push and Apprise).

A job of its own, enqueued after the events are published: a slow or dead push service holds up
this job by at most its timeout per channel, and never the drain that stores hits.
"""
from __future__ import annotations

from datetime import UTC, datetime

from ..notify import channels
from ..notify.notice import Notice
from ..services import services


def send_pushes(notices: list[dict]) -> int:
    """Send each notice to every channel of its user; return how many sends the services took."""
    svc = services()
    batch = [Notice(**notice) for notice in notices]
    with svc.sessions() as session:
        found = channels.load(session, svc.vault, {notice.user_id for notice in batch})
    if not found:
        return 0
    with channels.Sender(svc.settings, svc.vapid()) as sender:
        outcomes = channels.deliver(sender, found, batch)
    with svc.sessions.begin() as session:
        channels.record(session, outcomes, datetime.now(UTC))
    return sum(outcome.result.status == "sent" for outcome in outcomes)
