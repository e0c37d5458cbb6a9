"""Named queries for teams: membership, invitations by link, and each member's aggregate figures."""
from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from hashlib import sha256

from sqlalchemy import and_, case, delete, func, select
from sqlalchemy.orm import Session

from ..counting import counted
from .models import Event, Message, Team, TeamInvite, TeamMember, User

ROLES = ("owner", "manager", "member")
MANAGING = frozenset({"owner", "manager"})
INVITE_DAYS = 7


@dataclass
class Figures:
    """One member's sending over a period: counted events only, as everywhere in the app."""

    sent: int = 0
    opened: int = 0
    clicked: int = 0
    replied: int = 0
    reading: dict[int, int] = field(default_factory=dict)  # reading step -> counted opens

    def rate(self, part: int) -> float | None:
        return part / self.sent if self.sent else None


def membership(session: Session, user_id: int) -> tuple[Team, TeamMember] | None:
    row = session.execute(select(Team, TeamMember).join(TeamMember, TeamMember.team_id == Team.id)
                          .where(TeamMember.user_id == user_id)).first()
    return (row[0], row[1]) if row else None


def create_team(session: Session, owner_id: int, name: str) -> Team:
    now = datetime.now(UTC)
    team = Team(name=name, owner_id=owner_id, created_at=now)
    session.add(team)
    session.flush()
    session.add(TeamMember(team_id=team.id, user_id=owner_id, role="owner", shares_messages=False, joined_at=now))
    return team


def invite(session: Session, team_id: int, role: str) -> str:
    """A new invitation's secret, valid INVITE_DAYS; only its digest is stored."""
    secret = secrets.token_urlsafe(24)
    now = datetime.now(UTC)
    session.add(TeamInvite(team_id=team_id, digest=_digest(secret), role=role, created_at=now,
                           expires_at=now + timedelta(days=INVITE_DAYS)))
    return secret


def find_invite(session: Session, secret: str) -> tuple[TeamInvite, Team] | None:
    row = session.execute(select(TeamInvite, Team).join(Team, Team.id == TeamInvite.team_id)
                          .where(TeamInvite.digest == _digest(secret),
                                 TeamInvite.expires_at > datetime.now(UTC))).first()
    return (row[0], row[1]) if row else None


def accept(session: Session, invitation: TeamInvite, user_id: int) -> TeamMember:
    """Make `user_id` a member in the invitation's role, and spend the invitation."""
    member = TeamMember(team_id=invitation.team_id, user_id=user_id, role=invitation.role, shares_messages=False,
                        joined_at=datetime.now(UTC))
    session.add(member)
    session.delete(invitation)
    return member


def pending_invites(session: Session, team_id: int) -> list[TeamInvite]:
    return list(session.scalars(select(TeamInvite).where(TeamInvite.team_id == team_id,
                                                         TeamInvite.expires_at > datetime.now(UTC))
                                .order_by(TeamInvite.id)))


def revoke_invite(session: Session, team_id: int, invite_id: int) -> bool:
    return session.execute(delete(TeamInvite).where(TeamInvite.team_id == team_id,
                                                    TeamInvite.id == invite_id)).rowcount > 0


def members(session: Session, team_id: int) -> list[tuple[TeamMember, str]]:
    """Each member with their address, owner first, then by address."""
    rows = session.execute(select(TeamMember, User.email).join(User, User.id == TeamMember.user_id)
                           .where(TeamMember.team_id == team_id)
                           .order_by(case((TeamMember.role == "owner", 0), else_=1), User.email))
    return [(member, email) for member, email in rows]


def remove_member(session: Session, team_id: int, user_id: int) -> bool:
    """Take a member out of the team; the owner stays (they delete the team instead)."""
    return session.execute(delete(TeamMember).where(TeamMember.team_id == team_id, TeamMember.user_id == user_id,
                                                    TeamMember.role != "owner")).rowcount > 0


def delete_team(session: Session, team_id: int) -> None:
    # Members and invitations go first: a SQLite opened without foreign keys must not keep them.
    session.execute(delete(TeamInvite).where(TeamInvite.team_id == team_id))
    session.execute(delete(TeamMember).where(TeamMember.team_id == team_id))
    session.execute(delete(Team).where(Team.id == team_id))


def figures(session: Session, user_ids: Sequence[int], since: datetime, until: datetime) -> dict[int, Figures]:
    """Each user's tracked messages sent in [since, until) and how they fared, in two grouped queries."""
    result = {user_id: Figures() for user_id in user_ids}
    in_period = and_(Message.user_id.in_(list(user_ids)), Message.tracking.is_(True),
                     Message.sent_at >= since, Message.sent_at < until)
    rows = session.execute(
        select(Message.user_id, func.count(), _share(Message.opens > 0), _share(Message.clicks > 0),
               _share(Message.replies > 0)).where(in_period).group_by(Message.user_id))
    for user_id, sent, opened, clicked, replied in rows:
        result[user_id] = Figures(sent, opened or 0, clicked or 0, replied or 0)
    reading = session.execute(
        select(Message.user_id, Event.reading_step, func.count())
        .join(Event, Event.message_id == Message.id)
        .where(in_period, Event.kind == "open", counted(Event.source, Event.repeat), Event.reading_step.is_not(None))
        .group_by(Message.user_id, Event.reading_step))
    for user_id, step, count in reading:
        result[user_id].reading[step] = count
    return result


def _share(condition):
    return func.sum(case((condition, 1), else_=0))


def _digest(secret: str) -> str:
    return sha256(secret.encode("utf-8")).hexdigest()
