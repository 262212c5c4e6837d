"""Issue 12, item 5: administration through ``/api/v1/admin`` (SQLite and PostgreSQL).

Users of the shared session database are never changed here: every test creates its own users
(unique logins) through the API and acts on those.
"""

from __future__ import annotations

import base64
from uuid import uuid4

from cur_desktop.server import admin
from tests.server.conftest import API, Api, password_of


def _login(prefix: str) -> str:
    return f"{prefix}.{uuid4().hex[:8]}"


def _create(api: Api, by: str, login: str, role: str, region: str | None) -> dict[str, object]:
    response = api.client.post(
        f"{API}/admin/users",
        headers=api.headers(by),
        json={"login": login, "password": password_of(login), "role": role, "region_code": region},
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_only_admins_reach_the_admin_endpoints(api: Api) -> None:
    for login in ("tul.op", "tul.sup", "analyst"):
        response = api.client.get(f"{API}/admin/users", headers=api.headers(login))
        assert response.status_code == 403, (login, response.text)
        assert response.json()["detail"] == "Только для администраторов"
    assert api.client.get(f"{API}/admin/users").status_code == 401


def test_disable_ends_the_session_at_once_and_enable_lets_the_user_back(api: Api) -> None:
    login = _login("op")
    _create(api, "admin", login, "operator", "RU-TUL")
    assert api.client.get(f"{API}/auth/me", headers=api.headers(login)).status_code == 200

    disabled = api.client.post(
        f"{API}/admin/users/{login}/active", headers=api.headers("admin"), json={"active": False}
    )
    assert disabled.status_code == 200
    assert disabled.json()["active"] is False
    assert api.client.get(f"{API}/auth/me", headers=api.headers(login)).status_code == 401
    refused = api.client.post(
        f"{API}/auth/login", json={"login": login, "password": password_of(login)}
    )
    assert refused.status_code == 401

    enabled = api.client.post(
        f"{API}/admin/users/{login}/active", headers=api.headers("admin"), json={"active": True}
    )
    assert enabled.json()["active"] is True
    again = api.client.post(
        f"{API}/auth/login", json={"login": login, "password": password_of(login)}
    )
    assert again.status_code == 200


def test_reset_password_and_change_role_are_audited_without_the_password(api: Api) -> None:
    login = _login("op")
    _create(api, "admin", login, "operator", "RU-TUL")
    new_password = "новый-пароль-" + uuid4().hex[:6]
    reset = api.client.post(
        f"{API}/admin/users/{login}/password",
        headers=api.headers("admin"),
        json={"password": new_password},
    )
    assert reset.status_code == 200
    old = api.client.post(
        f"{API}/auth/login", json={"login": login, "password": password_of(login)}
    )
    assert old.status_code == 401
    new = api.client.post(f"{API}/auth/login", json={"login": login, "password": new_password})
    assert new.status_code == 200

    role = api.client.post(
        f"{API}/admin/users/{login}/role",
        headers=api.headers("admin"),
        json={"role": "supervisor", "region_code": "RU-SAM"},
    )
    assert role.json()["role"] == "supervisor"
    assert role.json()["region_code"] == "RU-SAM"

    audit = api.client.get(f"{API}/admin/audit", headers=api.headers("admin"), params={"limit": 50})
    mine = [e for e in audit.json()["entries"] if e["target"] == login]
    assert [e["action"] for e in mine] == ["user.change_role", "user.reset_password", "user.create"]
    assert all(e["actor"] == "api:admin" for e in mine)
    assert mine[0]["details"]["before"] == {"role": "operator", "region_code": "RU-TUL"}
    assert new_password not in audit.text
    assert password_of(login) not in audit.text


def test_a_regional_admin_sees_and_changes_only_its_region(api: Api) -> None:
    regional = _login("adm.tul")
    _create(api, "admin", regional, "admin", "RU-TUL")
    stranger = _login("sam")
    _create(api, "admin", stranger, "operator", "RU-SAM")

    users = api.client.get(f"{API}/admin/users", headers=api.headers(regional)).json()["users"]
    assert users
    assert {u["region_code"] for u in users} == {"RU-TUL"}
    for path, body in (
        (f"/admin/users/{stranger}/active", {"active": False}),
        (f"/admin/users/{stranger}/password", {"password": "длинный-пароль"}),
    ):
        response = api.client.post(f"{API}{path}", headers=api.headers(regional), json=body)
        assert response.status_code == 404, response.text
        assert response.json()["detail"] == f"Пользователь {stranger} не найден"
    # the same answer as for a login that exists nowhere
    nobody = api.client.post(
        f"{API}/admin/users/nobody-{uuid4().hex[:6]}/active",
        headers=api.headers(regional),
        json={"active": False},
    )
    assert nobody.status_code == 404
    moved = api.client.post(
        f"{API}/admin/users/{_create(api, regional, _login('op'), 'operator', 'RU-TUL')['login']}"
        "/role",
        headers=api.headers(regional),
        json={"role": "operator", "region_code": "RU-SAM"},
    )
    assert moved.status_code == 409
    audit = api.client.get(f"{API}/admin/audit", headers=api.headers(regional)).json()["entries"]
    assert audit
    assert {e["region_code"] for e in audit} == {"RU-TUL"}


def test_bad_admin_requests_get_clear_4xx(api: Api) -> None:
    headers = api.headers("admin")
    short = api.client.post(
        f"{API}/admin/users",
        headers=headers,
        json={
            "login": _login("x"),
            "password": "short",
            "role": "operator",
            "region_code": "RU-TUL",
        },
    )
    assert short.status_code == 422
    no_region = api.client.post(
        f"{API}/admin/users",
        headers=headers,
        json={"login": _login("x"), "password": "достаточно-длинный", "role": "operator"},
    )
    assert no_region.status_code == 409
    assert "нужен код региона" in no_region.json()["detail"]
    unknown_region = api.client.post(
        f"{API}/admin/users",
        headers=headers,
        json={
            "login": _login("x"),
            "password": "достаточно-длинный",
            "role": "operator",
            "region_code": "RU-ZZZ",
        },
    )
    assert unknown_region.status_code == 409
    assert "Неизвестный код региона" in unknown_region.json()["detail"]
    not_base64 = api.client.post(
        f"{API}/admin/reference/RU-TUL/import",
        headers=headers,
        json={"municipalities_base64": "%%%", "dry_run": True},
    )
    assert not_base64.status_code == 409


def test_the_last_federal_admin_cannot_be_disabled(api: Api) -> None:
    with api.db.write() as session:
        others = [
            u
            for u in admin.list_users(session, admin.AdminScope("test"))
            if u.role.value == "admin" and u.region_code is None and u.login != "admin"
        ]
    if others:  # another test created a federal admin: the rule is then not at stake
        return
    response = api.client.post(
        f"{API}/admin/users/admin/active", headers=api.headers("admin"), json={"active": False}
    )
    assert response.status_code == 409
    assert "последнего администратора" in response.json()["detail"]


def test_reference_import_dry_run_then_apply_reaches_the_region_in_pull(api: Api) -> None:
    municipalities = (
        "\ufeffid;name;population\nTUL-X1;Город Новомосковск;120 000\nTUL-X2;Ефремов;36000\n"
    )
    executors = "id;name;municipality_id\nEX-X1;Управляющая компания «Наш дом»;TUL-X1\n"
    body = {
        "municipalities_base64": base64.b64encode(municipalities.encode()).decode(),
        "executors_base64": base64.b64encode(executors.encode("cp1251")).decode(),
    }
    dry = api.client.post(
        f"{API}/admin/reference/RU-TUL/import",
        headers=api.headers("admin"),
        json={**body, "dry_run": True},
    ).json()
    assert (dry["ok"], dry["applied"], dry["added"], dry["changed"]) == (True, False, 3, 0)
    assert "Windows-1251" in dry["report"]
    assert not [c for c in api.pull_all("tul.op") if c["entity"] == "municipality"]

    applied = api.client.post(
        f"{API}/admin/reference/RU-TUL/import",
        headers=api.headers("admin"),
        json={**body, "dry_run": False},
    ).json()
    assert applied["applied"] is True
    pulled = {c["id"]: c["data"] for c in api.pull_all("tul.op") if c["entity"] != "incident"}
    assert pulled["TUL-X1"]["population"] == 120_000
    assert pulled["EX-X1"]["name"] == "Управляющая компания «Наш дом»"
    assert not [c for c in api.pull_all("sam.op") if c["entity"] == "municipality"]

    changed = municipalities.replace("Ефремов;36000", "Город Ефремов;35500")
    again = api.client.post(
        f"{API}/admin/reference/RU-TUL/import",
        headers=api.headers("admin"),
        json={
            "municipalities_base64": base64.b64encode(changed.encode()).decode(),
            "dry_run": True,
        },
    ).json()
    assert (again["added"], again["changed"], again["unchanged"]) == (0, 1, 1)
    assert "'Ефремов' → 'Город Ефремов'" in again["report"]


def test_reference_import_with_errors_writes_nothing(api: Api) -> None:
    bad = (
        "id,name,population\n"
        "TUL-Y1,Алексин,много\n"  # not a number
        "TUL-Y2,,100\n"  # no name
        "TUL-Y3,Белёв,100\n"
        "TUL-Y3,Белёв-2,100\n"  # repeated id
    )
    executors = "id;name;municipality_id\nEX-Y1;Администрация;TUL-NONE\n"
    answer = api.client.post(
        f"{API}/admin/reference/RU-TUL/import",
        headers=api.headers("admin"),
        json={
            "municipalities_base64": base64.b64encode(bad.encode()).decode(),
            "executors_base64": base64.b64encode(executors.encode()).decode(),
            "dry_run": False,
        },
    ).json()
    assert answer["ok"] is False
    assert answer["applied"] is False
    assert answer["errors"] == [
        "муниципалитеты, строка 2: население не число от 0 до 50000000",
        "муниципалитеты, строка 3: пустое название (name)",
        "муниципалитеты, строка 5: id TUL-Y3 повторяется",
        "исполнители, файл: исполнитель EX-Y1: нет муниципалитета TUL-NONE",
    ]
    assert not [c for c in api.pull_all("tul.op") if c["entity"] in ("municipality", "executor")]


def test_an_id_of_another_region_is_refused_without_naming_it(api: Api) -> None:
    sam = "id;name;population\nSAM-Z1;Тольятти;690000\n"
    api.client.post(
        f"{API}/admin/reference/RU-SAM/import",
        headers=api.headers("admin"),
        json={"municipalities_base64": base64.b64encode(sam.encode()).decode(), "dry_run": False},
    )
    answer = api.client.post(
        f"{API}/admin/reference/RU-TUL/import",
        headers=api.headers("admin"),
        json={"municipalities_base64": base64.b64encode(sam.encode()).decode(), "dry_run": True},
    ).json()
    assert answer["errors"] == ["муниципалитеты, файл: id SAM-Z1 уже занят: выберите другой"]
    assert "RU-SAM" not in answer["report"]
    assert "Тольятти" not in answer["report"]
