"""Teams on the dashboard: invitations by link, what managers see and do not see, and leaving."""
from __future__ import annotations

import re

import pytest

from .helpers import csrf_of, make_user, path_of, register, sign_in


@pytest.fixture
def people(app, services):
    """Ana (who will own the team), Bo and Cy, each with an API token and a browser of their own."""
    clients = {}
    for name in ("ana", "bo", "cy"):
        auth, _ = make_user(services, f"{name}@example.test")
        clients[name] = (auth, app.test_client())
    return clients


def browser(people, services, name):
    auth, client = people[name]
    links = client.application.extensions["telltale.dashboard.links"]
    sign_in(client, services, links, f"{name}@example.test")
    return client


def post(client, path, **data):
    token = csrf_of(client.get("/app/messages").data)
    return client.post(path, data={"csrf_token": token, **data})


def create_team(client, name="Sales"):
    assert post(client, "/app/team", name=name).status_code == 303


def invitation(client, role="member") -> str:
    page = post(client, "/app/team/invites", role=role)
    assert page.status_code == 200
    return path_of(re.search(rb'readonly value="([^"]+)"', page.data)[1].decode())


def join(client, link):
    token = csrf_of(client.get(link).data)
    return client.post(link, data={"csrf_token": token})


def test_an_owner_invites_by_link_and_the_link_works_once(people, services):
    ana, bo, cy = (browser(people, services, n) for n in ("ana", "bo", "cy"))
    create_team(ana)
    link = invitation(ana)
    assert b"You are invited to <strong>Sales</strong> as a member" in bo.get(link).data
    assert join(bo, link).status_code == 303
    assert join(cy, link).status_code == 404  # spent
    page = ana.get("/app/team").data.decode()
    assert "bo@example.test" in page and "cy@example.test" not in page


def test_a_manager_sees_figures_never_subjects_or_recipients_unless_shared(people, services):
    ana, bo = browser(people, services, "ana"), browser(people, services, "bo")
    bo_auth, _ = people["bo"]
    message = register(bo, bo_auth, subject="Secret pricing", recipients=["client@example.test"])
    bo.get(path_of(message["pixel_url"]))
    create_team(ana)
    join(bo, invitation(ana))

    team_page = ana.get("/app/team").data.decode()
    assert "What the team&#39;s managers can see" in team_page or "What the team's managers can see" in team_page
    row = re.search(r"<th scope=\"row\">bo@example.test</th>(.*?)</tr>", team_page, re.S)[1]
    assert re.findall(r'<td class="num">([^<]+)</td>', row)[0] == "1"  # sent
    assert "Secret pricing" not in team_page and "client@example.test" not in team_page
    bo_id = re.search(r"/app/team/members/(\d+)/remove", team_page)[1]
    assert ana.get(f"/app/team/members/{bo_id}").status_code == 403

    assert post(bo, "/app/team/sharing", value="on").status_code == 303
    shared = ana.get(f"/app/team/members/{bo_id}")
    assert shared.status_code == 200 and b"Secret pricing" in shared.data and b"client@example.test" in shared.data
    post(bo, "/app/team/sharing", value="off")
    assert ana.get(f"/app/team/members/{bo_id}").status_code == 403


def test_a_member_sees_only_their_own_figures_and_cannot_manage(people, services):
    ana, bo, cy = (browser(people, services, n) for n in ("ana", "bo", "cy"))
    create_team(ana)
    join(bo, invitation(ana))
    join(cy, invitation(ana))
    page = bo.get("/app/team").data.decode()
    assert "bo@example.test" in page and "cy@example.test" not in page
    assert post(bo, "/app/team/invites", role="member").status_code == 403
    ana_id = re.search(r"/app/team/members/(\d+)/remove", ana.get("/app/team").data.decode())[1]
    assert post(bo, f"/app/team/members/{ana_id}/remove").status_code == 403


def test_membership_is_revocable_by_the_manager_and_by_the_member(people, services):
    ana, bo, cy = (browser(people, services, n) for n in ("ana", "bo", "cy"))
    create_team(ana)
    join(bo, invitation(ana))
    join(cy, invitation(ana, "manager"))
    page = ana.get("/app/team").data.decode()
    bo_id = re.search(r'/app/team/members/(\d+)/remove">\s*<input[^>]+>\s*<button type="submit" aria-label="Remove bo',
                      page)[1]
    assert post(cy, f"/app/team/members/{bo_id}/remove").status_code == 303  # a manager may
    assert b"You are not in a team" in bo.get("/app/team").data
    assert post(cy, "/app/team/leave").status_code == 303
    assert b"You are not in a team" in cy.get("/app/team").data
    assert "cy@example.test" not in ana.get("/app/team").data.decode()


def test_an_invitation_can_be_revoked_before_it_is_used(people, services):
    ana, bo = browser(people, services, "ana"), browser(people, services, "bo")
    create_team(ana)
    link = invitation(ana)
    invite_id = re.search(r"/app/team/invites/(\d+)/revoke", ana.get("/app/team").data.decode())[1]
    assert post(ana, f"/app/team/invites/{invite_id}/revoke").status_code == 303
    assert join(bo, link).status_code == 404


def test_the_owner_leaving_ends_the_team_for_everyone(people, services):
    ana, bo = browser(people, services, "ana"), browser(people, services, "bo")
    create_team(ana)
    join(bo, invitation(ana))
    assert post(ana, "/app/team/leave").status_code == 303
    assert b"You are not in a team" in bo.get("/app/team").data


def test_one_team_at_a_time(people, services):
    ana, bo = browser(people, services, "ana"), browser(people, services, "bo")
    create_team(ana)
    create_team(bo, "Support")
    assert join(bo, invitation(ana)).status_code == 409
    assert post(ana, "/app/team", name="Another").status_code == 409
