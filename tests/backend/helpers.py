"""Small helpers shared by the backend tests: a user with a token, a registered message."""
from __future__ import annotations

from telltale.accounts.credentials import create_user, issue_api_token, issue_pairing_code


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
