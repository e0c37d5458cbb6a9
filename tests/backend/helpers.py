"""Small helpers shared by the backend tests: a user with a token, a registered message, a dashboard sign-in."""
from __future__ import annotations

import re

from sqlalchemy import select

from telltale.accounts.credentials import create_user, issue_api_token, issue_pairing_code
from telltale.store.models import User


def make_user(services, email: str = "ana@example.test") -> tuple[dict, str]:
    """Create a user; return the Authorization header of its API token and a pairing code."""
    with services.sessions.begin() as session:
        user = create_user(session, email)
        token = issue_api_token(session, user)
        code = issue_pairing_code(session, user, 900)
    return {"Authorization": f"Bearer {token}"}, code


def register(client, auth: dict, **fields) -> dict:
    body = {"subject": "Q3 quote", "recipients": ["bo@example.test"], "links": ["https://example.com/a?x=1&y=2"]}
    body.update(fields)
    response = client.post("/api/v1/messages", json=body, headers=auth)
    assert response.status_code == 201, response.json
    return response.json


def path_of(url: str) -> str:
    """The path of a URL Telltale issued, for the Flask test client."""
    return "/" + url.split("/", 3)[3]


def user_id(services, email: str) -> int:
    with services.sessions() as db:
        return db.scalar(select(User.id).where(User.email == email))


def csrf_of(page: bytes) -> str:
    """The CSRF token of the first form on a dashboard page."""
    return re.search(rb'name="csrf_token" value="([^"]+)"', page)[1].decode()


def sign_in(client, services, links, email: str = "ana@example.test") -> None:
    """Sign `client` in to the dashboard as `email` the way a person does: open a one-time link, press the button."""
    url = path_of(links.url(user_id(services, email)))
    form = client.get(url)
    assert form.status_code == 200
    response = client.post(url, data={"csrf_token": csrf_of(form.data)})
    assert response.status_code == 303, response.data
