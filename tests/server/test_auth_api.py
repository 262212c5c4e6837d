"""Login, token expiry, logout and /auth/me over the HTTP API."""

from __future__ import annotations

from datetime import timedelta

from tests.server.conftest import API, Api, password_of


def test_login_returns_a_token_that_identifies_the_user(api: Api) -> None:
    response = api.client.post(
        f"{API}/auth/login", json={"login": "tul.sup", "password": password_of("tul.sup")}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["login"], body["role"], body["region_code"]) == ("tul.sup", "supervisor", "RU-TUL")
    me = api.client.get(
        f"{API}/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.json() == {"login": "tul.sup", "role": "supervisor", "region_code": "RU-TUL"}


def test_wrong_password_and_unknown_login_are_refused_alike(api: Api) -> None:
    wrong = api.client.post(f"{API}/auth/login", json={"login": "tul.op", "password": "нет"})
    unknown = api.client.post(f"{API}/auth/login", json={"login": "nobody", "password": "нет"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert "Неверный логин или пароль" in wrong.json()["detail"]


def test_requests_without_or_with_a_bad_token_get_401(api: Api) -> None:
    assert api.client.get(f"{API}/auth/me").status_code == 401
    bad = api.client.get(f"{API}/auth/me", headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"] == "Bearer"
    assert api.client.get(f"{API}/sync/pull").status_code == 401


def test_token_expires_after_twelve_hours(api: Api) -> None:
    # A token issued now on this test's clock: the shared token cache may hold one that an
    # earlier test issued at a later instant of its own clock (seen as a flaky 200 here).
    login = api.client.post(
        f"{API}/auth/login", json={"login": "tul.op", "password": password_of("tul.op")}
    )
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    api.clock.advance(timedelta(hours=11, minutes=59))
    assert api.client.get(f"{API}/auth/me", headers=headers).status_code == 200
    api.clock.advance(timedelta(minutes=2))
    expired = api.client.get(f"{API}/auth/me", headers=headers)
    assert expired.status_code == 401
    assert "истёк" in expired.json()["detail"]


def test_logout_revokes_only_that_token(api: Api) -> None:
    credentials = {"login": "tul.op2", "password": password_of("tul.op2")}
    first_token = api.client.post(f"{API}/auth/login", json=credentials).json()["access_token"]
    second_token = api.client.post(f"{API}/auth/login", json=credentials).json()["access_token"]
    first = {"Authorization": f"Bearer {first_token}"}
    response = api.client.post(f"{API}/auth/logout", headers=first)
    assert response.json() == {"revoked": True}
    assert api.client.get(f"{API}/auth/me", headers=first).status_code == 401
    second = {"Authorization": f"Bearer {second_token}"}
    assert api.client.get(f"{API}/auth/me", headers=second).status_code == 200


def test_health_needs_no_token(api: Api) -> None:
    response = api.client.get(f"{API}/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
