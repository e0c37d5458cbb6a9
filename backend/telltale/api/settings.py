"""GET and PATCH /api/v1/settings: the caller's notification preferences."""
from __future__ import annotations

from ..retention import kept_since
from .errors import ApiError
from .schemas import QuietHours, SettingsOut, SettingsPatch

# What null switches off or back to the server's; the other settings always have a value.
NULLABLE = {"retention_days", "optout_wording"}


def show(call) -> tuple[SettingsOut, int]:
    return _out(call), 200


def change(call) -> tuple[SettingsOut, int]:
    patch: SettingsPatch = call.body
    user = call.user
    longest = call.services.settings.retention_days
    if patch.retention_days is not None and patch.retention_days > longest:
        raise ApiError(422, "too_long", f"this server keeps data for at most {longest} days", field="retention_days")
    for name in patch.model_fields_set:
        if name == "quiet_hours":
            hours = patch.quiet_hours
            user.quiet_start, user.quiet_end = (hours.start, hours.end) if hours else (None, None)
        elif getattr(patch, name) is not None or name in NULLABLE:
            setattr(user, name, getattr(patch, name))
    if patch.timezone is not None:
        user.timezone_set = True
    call.session.flush()
    return _out(call), 200


def _out(call) -> SettingsOut:
    user = call.user
    quiet = QuietHours(start=user.quiet_start, end=user.quiet_end) if user.quiet_start else None
    return SettingsOut(
        email=user.email,
        timezone=user.timezone,
        timezone_set=user.timezone_set,
        reopen_quiet_minutes=user.reopen_quiet_minutes,
        quiet_hours=quiet,
        digest=user.digest,
        popups_after_reply=user.popups_after_reply,
        retention_days=user.retention_days,
        retention_days_max=call.services.settings.retention_days,
        kept_since=kept_since(user, call.services.settings),
        optout_footer=user.optout_footer,
        optout_language=user.optout_language,
        optout_wording=user.optout_wording,
    )
