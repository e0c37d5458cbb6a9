"""Best time to send: when people open, by weekday and hour of the reader's own clock."""
from __future__ import annotations

import math
from dataclasses import dataclass

from flask import render_template
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from ..services import services
from ..store import reports
from ..store.models import User
from .signin import signed_in
from .zones import local_time, user_zone

# Below this, one week's habits or one busy recipient would make the "best" hour: 20 opens over
# 168 cells is already thin, and fewer says nothing a reader should plan around.
MIN_OPENS = 20
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HOURS = range(24)
SHADES = 4  # shading classes heat-1 .. heat-4; heat-0 is an empty cell
BUSIEST = 3


@dataclass(frozen=True)
class Heatmap:
    counts: dict[tuple[int, int], int]  # (weekday, hour) -> people's counted opens; Monday is 0
    zone: str  # the zone of opens that name none

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def enough(self) -> bool:
        return self.total >= MIN_OPENS

    def rows(self) -> list[tuple[str, list[tuple[int, int]]]]:
        """Per weekday, each hour's count and its shade (0: none, SHADES: the busiest)."""
        top = max(self.counts.values(), default=0)
        return [(name, [self._cell(day, hour, top) for hour in HOURS]) for day, name in enumerate(WEEKDAYS)]

    def busiest(self) -> list[tuple[str, int, int]]:
        """The busiest weekday-hours as (weekday, hour, opens), busiest first."""
        ranked = sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))[:BUSIEST]
        return [(WEEKDAYS[day], hour, count) for (day, hour), count in ranked if count]

    def _cell(self, day: int, hour: int, top: int) -> tuple[int, int]:
        count = self.counts.get((day, hour), 0)
        return count, math.ceil(SHADES * count / top) if count else 0


def heatmap_of(db: Session, user: User, scope: ColumnElement[bool] | None = None) -> Heatmap:
    """The user's heatmap, or one recipient's when `scope` picks their opens (`reports.opens_of`)."""
    zone = user_zone(user)
    local = local_time(reports.open_zones(db, user.id, scope), zone)
    return Heatmap(reports.open_heatmap(db, user.id, local, scope), zone.key)


@signed_in
def index(user: User):
    with services().sessions() as db:
        heatmap = heatmap_of(db, user)
    return render_template("dashboard/best_time.html", user=user, heatmap=heatmap, minimum=MIN_OPENS)
