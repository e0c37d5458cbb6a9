"""GET and PATCH /api/v1/settings: the caller's notification preferences."""
from __future__ import annotations

from .schemas import QuietHours, SettingsOut, SettingsPatch


def show(call) -> tuple[SettingsOut, int]:
    return _out(call.user), 200


def change(call) -> tuple[SettingsOut, int]:
    patch: SettingsPatch = call.body
    user = call.user
    for name in patch.model_fields_set:
        if name == "quiet_hours":
            hours = patch.quiet_hours
            user.quiet_start, user.quiet_end = (hours.start, hours.end) if hours else (None, None)
        elif getattr(patch, name) is not None:
            # Only quiet hours can be switched off with null; the others always have a value.
            setattr(user, name, getattr(patch, name))
    if patch.timezone is not None:
        user.timezone_set = True
    call.session.flush()
    return _out(user), 200


def _out(user) -> SettingsOut:
    quiet = QuietHours(start=user.quiet_start, end=user.quiet_end) if user.quiet_start else None
    return SettingsOut(
        email=user.email,
        timezone=user.timezone,
        timezone_set=user.timezone_set,
        reopen_quiet_minutes=user.reopen_quiet_minutes,
        quiet_hours=quiet,
        digest=user.digest,
        popups_after_reply=user.popups_after_reply,
    )
