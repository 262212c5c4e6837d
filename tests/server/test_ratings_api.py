"""GET /api/v1/ratings: the federal rating across regions, and what each role may see.

The data, counted by hand (each region's own local month):

* RU-TUL: February one answer after 3 h 41 min; March one after 3 h 03 min and one unanswered
  → mean 3 ч 03 мин, change −38 мин (the seed), processing 50,0 %;
* RU-SAM: March two answers after 1 h each → 1 ч 00 мин, 100,0 %, no February (no change);
* RU-KAM: received 28 Feb 15:30 UTC = 1 March 03:30 in Камчатка → its March; answered after
  2 h → 100,0 %;
* RU-NEN (41 400 residents): 567 unanswered March incidents → 13,7 per 1 000 (the seed).

National mean: March (183 + 60 + 60 + 120) / 4 = 105,75 min → 106; February 221; −115.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from sqlalchemy import text

from cur_desktop.server import ratings
from cur_desktop.server.tables import Incident
from tests.server.conftest import API, Api

_seq = count(10_000_000)


def _incident(region: str, received: datetime, answer_after: timedelta | None) -> Incident:
    n = next(_seq)
    return Incident(
        id=f"00000000-0000-4000-8000-{n:012d}",
        source="vk",
        external_id=f"rating-{n}",
        link="",
        author="",
        text="Ямы на дороге",
        received_at=received,
        region_code=region,
        priority="normal",
        status="closed" if answer_after is not None else "new",
        first_answer_at=None if answer_after is None else received + answer_after,
        version=1,
        updated_at=received,
        seq=n,
    )


def _seed(api: Api) -> None:
    march = datetime(2026, 3, 10, 9, tzinfo=UTC)
    rows = [
        _incident("RU-TUL", datetime(2026, 2, 10, 9, tzinfo=UTC), timedelta(hours=3, minutes=41)),
        _incident("RU-TUL", march, timedelta(hours=3, minutes=3)),
        _incident("RU-TUL", march, None),
        _incident("RU-SAM", march, timedelta(hours=1)),
        _incident("RU-SAM", march, timedelta(hours=1)),
        _incident("RU-KAM", datetime(2026, 2, 28, 15, 30, tzinfo=UTC), timedelta(hours=2)),
        *(_incident("RU-NEN", march, None) for _ in range(567)),
    ]
    with api.db.write() as session:
        session.add_all(rows)


def test_analyst_sees_the_whole_table_with_places(api: Api) -> None:
    _seed(api)
    response = api.client.get(
        f"{API}/ratings", params={"month": "2026-03"}, headers=api.headers("analyst")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["whole_table"] is True
    assert body["regions_ranked"] == 4
    rows = {r["region_code"]: r for r in body["rows"]}
    assert set(rows) == {"RU-TUL", "RU-SAM", "RU-KAM", "RU-NEN"}
    tula = rows["RU-TUL"]
    assert (tula["mean_first_answer_min"], tula["previous_mean_first_answer_min"]) == (183, 221)
    assert tula["mean_change_min"] == -38
    assert tula["processing_share"] == 50.0
    assert tula["place_change"] == 1
    assert rows["RU-SAM"]["mean_change_min"] is None
    assert rows["RU-KAM"]["registered"] == 1  # its own local March
    assert rows["RU-NEN"]["per_thousand"] == 13.7
    assert rows["RU-NEN"]["place_per_thousand"] == 1
    places = {code: r["place_processing"] for code, r in rows.items()}
    assert places == {"RU-SAM": 1, "RU-KAM": 1, "RU-TUL": 3, "RU-NEN": 4}
    assert {code: r["place_mean"] for code, r in rows.items() if r["place_mean"]} == {
        "RU-SAM": 1,
        "RU-KAM": 2,
        "RU-TUL": 3,
    }
    assert body["national_mean_first_answer_min"] == 106
    assert body["national_previous_mean_first_answer_min"] == 221
    assert body["national_mean_change_min"] == -115


def test_a_regional_user_sees_only_their_region_and_its_place(api: Api) -> None:
    _seed(api)
    for login in ("tul.sup", "tul.op"):
        response = api.client.get(
            f"{API}/ratings", params={"month": "2026-03"}, headers=api.headers(login)
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["whole_table"] is False
        assert [r["region_code"] for r in body["rows"]] == ["RU-TUL"]
        assert body["rows"][0]["place_processing"] == 3
        assert body["regions_ranked"] == 4
        for other in ("RU-SAM", "RU-KAM", "RU-NEN", "Самар", "Камчат", "Ненец"):
            assert other not in response.text


def test_refusals(api: Api) -> None:
    assert api.client.get(f"{API}/ratings", params={"month": "2026-03"}).status_code == 401
    for bad in ("2026-13", "март", "2026-3", ""):
        response = api.client.get(
            f"{API}/ratings", params={"month": bad}, headers=api.headers("analyst")
        )
        assert response.status_code == 422, (bad, response.text)
    empty = api.client.get(
        f"{API}/ratings", params={"month": "2020-01"}, headers=api.headers("analyst")
    )
    assert empty.status_code == 200
    assert empty.json()["rows"] == []


def test_ratings_run_without_jit_on_postgres(api: Api) -> None:
    """At national volume JIT compilation cost ~3.9 s of a 0.6 s statement (docs/SCALING.md)."""
    if not api.db.is_postgres:
        pytest.skip("JIT is a PostgreSQL setting")
    with api.db.snapshot() as session:
        ratings.compute(session, "2026-03", datetime(2026, 4, 1, tzinfo=UTC))
        assert session.execute(text("SHOW jit")).scalar_one() == "off"
    with api.db.snapshot() as session:  # SET LOCAL: the next transaction is back to the default
        assert session.execute(text("SHOW jit")).scalar_one() == "on"
