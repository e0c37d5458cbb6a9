"""accounts.credentials: users, API tokens and pairing codes, stored only as hashes."""
from __future__ import annotations

from sqlalchemy import select, update

from telltale.accounts.credentials import (
    create_user,
    find_user,
    issue_api_token,
    issue_pairing_code,
    redeem_pairing_code,
    user_for_token,
    utcnow,
)
from telltale.store.models import ApiToken, PairingCode


def test_it_finds_a_user_by_email_in_any_case(services):
    with services.sessions.begin() as session:
        made = create_user(session, " Ana@Example.TEST ")
        assert made.email == "ana@example.test"
        assert find_user(session, "ANA@example.test").id == made.id
        assert find_user(session, "bo@example.test") is None


def test_it_stores_tokens_and_codes_only_as_hashes(services):
    with services.sessions.begin() as session:
        user = create_user(session, "ana@example.test")
        token = issue_api_token(session, user, label="cli")
        code = issue_pairing_code(session, user, 900)
        session.flush()
        stored = [*session.scalars(select(ApiToken.token_hash)), *session.scalars(select(PairingCode.code_hash))]
    assert token.startswith("tt_") and len(token) > 40
    assert all(len(value) == 64 and value not in (token, code) for value in stored)


def test_it_notes_when_a_token_was_last_used(services):
    with services.sessions.begin() as session:
        user = create_user(session, "ana@example.test")
        token = issue_api_token(session, user)
    with services.sessions.begin() as session:
        assert user_for_token(session, token).id == user.id
    with services.sessions.begin() as session:
        assert session.scalar(select(ApiToken.last_used_at)) is not None


def test_it_refuses_a_revoked_or_unprefixed_token(services):
    with services.sessions.begin() as session:
        user = create_user(session, "ana@example.test")
        token = issue_api_token(session, user)
    with services.sessions.begin() as session:
        assert user_for_token(session, token.removeprefix("tt_")) is None
        session.execute(update(ApiToken).values(revoked_at=utcnow()))
        assert user_for_token(session, token) is None


def test_pairing_codes_are_easy_to_read_aloud(services):
    with services.sessions.begin() as session:
        user = create_user(session, "ana@example.test")
        codes = [issue_pairing_code(session, user, 900) for _ in range(20)]
    for code in codes:
        assert len(code) == 11 and code[5] == "-"
        assert not set(code.replace("-", "")) & set("01OIL")


def test_a_pairing_code_is_redeemed_once_in_any_spelling(services):
    with services.sessions.begin() as session:
        user = create_user(session, "ana@example.test")
        code = issue_pairing_code(session, user, 900)
    with services.sessions.begin() as session:
        assert redeem_pairing_code(session, f" {code.lower().replace('-', ' ')} ").id == user.id
    with services.sessions.begin() as session:
        assert redeem_pairing_code(session, code) is None


def test_a_pairing_code_expires_after_its_ttl(services):
    with services.sessions.begin() as session:
        user = create_user(session, "ana@example.test")
        code = issue_pairing_code(session, user, -1)
    with services.sessions.begin() as session:
        assert redeem_pairing_code(session, code) is None
        assert session.scalar(select(PairingCode.used_at)) is None
