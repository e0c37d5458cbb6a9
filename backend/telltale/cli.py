"""The `telltale` command."""
from __future__ import annotations

import json
import sys

import click

from .config import Settings, load_settings
from .errors import ConfigError
from .receipts.cli import receipt


def settings_or_exit(**overrides) -> Settings:
    try:
        return load_settings(**overrides)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Self-hosted email open and click tracking."""


main.add_command(receipt)


@main.command()
@click.option("--bind", help="HOST:PORT to listen on (default: TELLTALE_BIND or 127.0.0.1:8000)")
@click.option("--workers", type=click.IntRange(1, 64), help="web processes (default: TELLTALE_WEB_WORKERS or 1)")
def serve(bind: str | None, workers: int | None) -> None:
    """Run the web server (pixel, links, API)."""
    # Before anything else: the master may import the app's modules for its workers to share (server.py),
    # and what they create at import (locks, the socket module's functions) must be gevent's already.
    from gevent import monkey

    monkey.patch_all()
    from .server import TelltaleServer

    overrides = {k: v for k, v in {"bind": bind, "web_workers": workers}.items() if v is not None}
    TelltaleServer(settings_or_exit(**overrides)).run()


@main.command()
@click.option("--burst", is_flag=True, help="stop once the queue is empty")
def worker(burst: bool) -> None:
    """Run an rq worker that stores hits."""
    from .services import build_services
    from .worker.runner import run_worker

    run_worker(build_services(settings_or_exit()), burst=burst)


@main.command()
def run() -> None:
    """Start everything on this machine: Redis if none answers, the database, web and worker."""
    from .supervisor import run_locally

    sys.exit(run_locally())


@main.command("prepare-run", hidden=True)
def prepare_run() -> None:
    """`run`'s first step, in a process of its own: print the plan the supervisor follows."""
    from .startup import prepare

    click.echo(prepare(settings_or_exit()))


@main.group()
def user() -> None:
    """Manage users."""


@user.command("create")
@click.argument("email")
@click.option("--json", "as_json", is_flag=True, help="print {token, pairing_code} as JSON")
def user_create(email: str, as_json: bool) -> None:
    """Create a user; print an API token and a pairing code for the extension."""
    from .accounts.credentials import create_user, find_user, issue_api_token, issue_pairing_code

    settings = settings_or_exit()
    with _session(settings) as session:
        if find_user(session, email) is not None:
            raise click.ClickException(f"a user {email!r} exists already; use 'telltale user pair {email}'")
        created = create_user(session, email)
        token = issue_api_token(session, created, label="cli")
        code = issue_pairing_code(session, created, settings.pairing_ttl_seconds)
    if as_json:
        click.echo(json.dumps({"token": token, "pairing_code": code}))
    else:
        click.echo(f"API token:    {token}\nPairing code: {code} (works once, for {settings.pairing_ttl_seconds // 60} minutes)")


@user.command("pair")
@click.argument("email")
def user_pair(email: str) -> None:
    """Print a fresh pairing code for an existing user."""
    from .accounts.credentials import find_user, issue_pairing_code

    settings = settings_or_exit()
    with _session(settings) as session:
        found = find_user(session, email)
        if found is None:
            raise click.ClickException(f"no user {email!r}; create one with 'telltale user create {email}'")
        click.echo(issue_pairing_code(session, found, settings.pairing_ttl_seconds))


@user.command("login")
@click.argument("email")
def user_login(email: str) -> None:
    """Print a one-time link that signs the user in to the dashboard (valid 15 minutes)."""
    import redis

    from .accounts.credentials import find_user
    from .dashboard.signin import LoginLinks
    from .keyring import load_or_create_keys

    settings = settings_or_exit()
    with _session(settings) as session:
        found = find_user(session, email)
        if found is None:
            raise click.ClickException(f"no user {email!r}; create one with 'telltale user create {email}'")
        user_id = found.id
    # The client connects only when a link is spent, in the web process: printing one needs no Redis.
    links = LoginLinks(load_or_create_keys(settings.keys_file), redis.Redis.from_url(settings.redis_url),
                       settings.public_url)
    click.echo(links.url(user_id))


@user.command("delete")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def user_delete(email: str, yes: bool) -> None:
    """Delete a user and all their data: messages, events, tokens, linked mailboxes (revoked at the
    provider), push subscriptions and live event history."""
    from .accounts.credentials import find_user
    from .accounts.deletion import delete_user
    from .services import build_services

    settings = settings_or_exit()
    with _session(settings) as session:
        found = find_user(session, email)
        if found is None:
            raise click.ClickException(f"no user {email!r}")
        user_id = found.id
    if not yes:
        click.confirm(f"Delete {email} and all their data? This cannot be undone", abort=True)
    svc = build_services(settings)
    try:
        done = delete_user(svc, user_id)
    finally:
        svc.close()
    for said in done.mailboxes:
        click.echo(said)
    click.echo(f"deleted {email}: {done.messages} messages, {done.events} events")


@main.command()
def purge() -> None:
    """Purge now what is past its retention (the worker does this every hour)."""
    from .services import build_services
    from .worker.retention import purge as purge_now

    svc = build_services(settings_or_exit())
    try:
        done = purge_now(svc, budget=float("inf"))
    finally:
        svc.close()
    click.echo(f"deleted {done.messages} messages and {done.events} events; cut {done.event_addresses} stored and "
               f"{done.waiting_addresses} waiting addresses")


@main.group()
def spool() -> None:
    """The hits written to disk while Redis was unreachable."""


@spool.command("replay")
def spool_replay() -> None:
    """Move spooled hits into Redis and ask a worker to store them."""
    from .app import create_app
    from .worker.runner import sweep

    svc = create_app(settings_or_exit()).extensions["telltale"]
    before = len(svc.spool.pending_files())
    sweep(svc)
    left = len(svc.spool.pending_files())
    svc.close()
    if left:
        raise click.ClickException(f"{left} spool file(s) remain: is Redis reachable at {svc.settings.redis_url}?")
    click.echo(f"replayed {before} spool file(s)")


@main.command()
def classify() -> None:
    """Judge hits given as JSON lines on stdin; print one JSON line each (the worker's own code).

    \b
    In:  {"kind": "open"|"click", "ua": ..., "ip": ..., "method": "GET", "headers": {...},
          "seconds_after_send": 30, "opened": true|false (whether anyone opened it before)}
    Headers are read as the tracking URLs read them (names in any case; only the ones kept).
    Out: {"source": ..., "reason": ..., "client": ..., "device": ..., "os": ..., "country": ..., ...}
    """
    from datetime import UTC, datetime

    from . import countries
    from .classify.judge import load_judge
    from .inspect_hits import inspect_line
    from .live.events import place

    settings = settings_or_exit()
    judge, country_names = load_judge(settings.home, settings.geoip_db), countries.names()
    for number, text in enumerate(sys.stdin, start=1):
        if not text.strip():
            continue
        try:
            line = json.loads(text)
            if not isinstance(line, dict):
                raise ValueError("each line must be a JSON object")
            answer = inspect_line(judge, line, datetime.now(UTC))
            answer["place"] = place(answer, country_names)
        except (ValueError, TypeError) as exc:
            answer = {"error": f"line {number}: {exc}"}
        click.echo(json.dumps(answer, ensure_ascii=False))
    judge.close()


@main.group()
def rules() -> None:
    """The network lists the classifier uses."""


@rules.command("refresh")
def rules_refresh() -> None:
    """Download Apple's Private Relay egress list and a current ASN table into the instance folder (restart workers after)."""
    from . import asn_refresh, private_relay

    settings = settings_or_exit()
    summary = {}
    for name, refresh in (("private_relay", private_relay.refresh), ("asn", asn_refresh.refresh)):
        try:
            summary[name] = refresh(settings.home)
        except private_relay.RefreshFailed as exc:
            summary[name] = {"error": str(exc)}
    click.echo(json.dumps(summary))
    if any("error" in part for part in summary.values()):
        raise SystemExit(1)


@rules.command("show")
def rules_show() -> None:
    """Say which network lists and ASN table the classifier uses, and from when."""
    from .classify import asn, networks

    settings = settings_or_exit()
    for path in networks.paths_for_home(settings.home):
        for entry in networks.entries(path):
            count = len(entry.get("cidrs", []))
            systems = f" + AS{', AS'.join(map(str, entry['asn']))}" if entry.get("asn") else ""
            click.echo(f"{entry['name']}: {entry['source']}, {count} ranges{systems}, {entry['date']} ({path.name})")
    click.echo(f"ASN table: {asn.for_home(settings.home).about}")


@rules.command("lookup")
@click.argument("address")
def rules_lookup(address: str) -> None:
    """Say which listed network and autonomous system an address belongs to."""
    from .classify import asn, networks

    settings = settings_or_exit()
    network = networks.for_home(settings.home).lookup(address)
    system = asn.for_home(settings.home).lookup(address)
    click.echo(json.dumps({"address": address, "network": network.name if network else None,
                           "source": network.source if network else None,
                           "asn": system.number if system else None, "org": system.org if system else None}))


@main.group()
def db() -> None:
    """The database."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema."""
    from .store.migrate import upgrade

    upgrade(settings_or_exit().database_url)
    click.echo("database is up to date")


@main.group()
def keys() -> None:
    """The secret keys that sign tracking URLs."""


@keys.command("rotate")
@click.option("--vault", is_flag=True, help="rotate the keys that encrypt linked accounts' tokens instead")
@click.option("--content", is_flag=True, help="rotate the keys that seal protected messages' bodies instead")
def keys_rotate(vault: bool, content: bool) -> None:
    """Add a new signing key; URLs signed with older keys keep working."""
    from .keyring import load_or_create_keys, rotate_keys

    settings = settings_or_exit()
    if content:
        from .protected.sealing import rotate_content_keys

        rotate_content_keys(settings.content_keys_file)
        count = len(load_or_create_keys(settings.content_keys_file))
        click.echo(f"{settings.content_keys_file} now holds {count} keys; bodies are sealed with the newest from the "
                   "next restart, and older ones keep opening")
        return
    if vault:
        from .accounts.vault import rotate_vault

        rotate_vault(settings.vault_keys_file)
        count = len(load_or_create_keys(settings.vault_keys_file))
        click.echo(f"{settings.vault_keys_file} now holds {count} keys; tokens are encrypted with the newest from the "
                   "next restart, and older ones keep opening")
        return
    count = len(rotate_keys(settings.keys_file))
    click.echo(f"{settings.keys_file} now holds {count} keys; restart web processes to sign with the newest")


def _session(settings: Settings):
    from .store.db import transaction

    return transaction(settings.database_url)
