"""The resumable evidence upload API: happy path, offsets, checksum, limits, types, scope."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx

from tests.server.conftest import API, Api

# A real JPEG start (SOI + APP0 "JFIF") and a PNG signature, then filler.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 40  # 10,251 bytes
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 500
EXE = b"MZ\x90\x00" + b"\x00" * 500


def _declare(api: Api, login: str, incident_id: str, data: bytes, **over: Any) -> httpx.Response:
    body = {
        "id": str(uuid4()),
        "incident_id": incident_id,
        "file_name": "фото двора.jpg",
        "content_type": "image/jpeg",
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        **over,
    }
    return api.client.post(f"{API}/uploads", headers=api.headers(login), json=body)


def _chunk(api: Api, login: str, upload_id: str, offset: int, data: bytes) -> httpx.Response:
    headers = {**api.headers(login), "Upload-Offset": str(offset)}
    headers["Content-Type"] = "application/octet-stream"
    return api.client.patch(f"{API}/uploads/{upload_id}", headers=headers, content=data)


def test_upload_in_chunks_completes_and_is_listed_and_readable(api: Api, tmp_path: Path) -> None:
    incident = api.create_incident("tul.op")
    created = _declare(api, "tul.op", incident, JPEG)
    assert created.status_code == 201, created.text
    upload_id = created.json()["id"]
    assert created.json() == {"id": upload_id, "offset": 0, "size": 10_251, "complete": False}
    first = _chunk(api, "tul.op", upload_id, 0, JPEG[:4096])
    assert first.status_code == 200, first.text
    assert first.json()["offset"] == 4096
    status = api.client.get(f"{API}/uploads/{upload_id}", headers=api.headers("tul.op"))
    assert status.json() == {"id": upload_id, "offset": 4096, "size": 10_251, "complete": False}
    second = _chunk(api, "tul.op", upload_id, 4096, JPEG[4096:])
    assert second.status_code == 200, second.text
    assert second.json()["complete"] is True
    stored = tmp_path / "attachments" / upload_id[:2] / upload_id
    assert stored.read_bytes() == JPEG
    content = api.client.get(f"{API}/uploads/{upload_id}/content", headers=api.headers("tul.op2"))
    assert content.content == JPEG
    assert content.headers["content-type"] == "image/jpeg"
    page = api.client.get(f"{API}/attachments", headers=api.headers("tul.sup")).json()
    assert [a["id"] for a in page["attachments"]] == [upload_id]
    assert page["attachments"][0]["file_name"] == "фото двора.jpg"
    assert page["attachments"][0]["author"] == "tul.op"
    later = api.client.get(
        f"{API}/attachments", headers=api.headers("tul.sup"), params={"after": page["next_after"]}
    )
    assert later.json()["attachments"] == []
    again = _declare(api, "tul.op", incident, JPEG, id=upload_id)
    assert again.status_code == 200
    assert again.json()["complete"] is True


def test_a_chunk_at_the_wrong_offset_is_refused_with_the_servers_offset(api: Api) -> None:
    incident = api.create_incident("tul.op")
    upload_id = _declare(api, "tul.op", incident, JPEG).json()["id"]
    assert _chunk(api, "tul.op", upload_id, 0, JPEG[:1000]).status_code == 200
    behind = _chunk(api, "tul.op", upload_id, 500, JPEG[500:2000])
    ahead = _chunk(api, "tul.op", upload_id, 3000, JPEG[3000:4000])
    for refused in (behind, ahead):
        assert refused.status_code == 409
        assert refused.json()["offset"] == 1000
        assert "1000" in refused.json()["detail"]
    resumed = _chunk(api, "tul.op", upload_id, 1000, JPEG[1000:])
    assert resumed.json()["complete"] is True


def test_a_wrong_sha256_discards_the_bytes_and_the_upload_starts_over(
    api: Api, tmp_path: Path
) -> None:
    incident = api.create_incident("tul.op")
    other = JPEG[:-1] + b"\x00"
    upload_id = _declare(api, "tul.op", incident, JPEG).json()["id"]
    assert _chunk(api, "tul.op", upload_id, 0, other[:5000]).status_code == 200
    refused = _chunk(api, "tul.op", upload_id, 5000, other[5000:])
    assert refused.status_code == 422
    assert "SHA-256" in refused.json()["detail"]
    assert refused.json()["offset"] == 0
    status = api.client.get(f"{API}/uploads/{upload_id}", headers=api.headers("tul.op"))
    assert status.json()["offset"] == 0
    assert not (tmp_path / "attachments" / upload_id[:2] / upload_id).exists()
    assert _chunk(api, "tul.op", upload_id, 0, JPEG[:5000]).json()["offset"] == 5000
    assert _chunk(api, "tul.op", upload_id, 5000, JPEG[5000:]).json()["complete"] is True
    stored = tmp_path / "attachments" / upload_id[:2] / upload_id
    assert stored.read_bytes() == JPEG


def test_oversize_declarations_and_chunks_are_refused(api: Api) -> None:
    incident = api.create_incident("tul.op")
    too_big = _declare(api, "tul.op", incident, JPEG, size=20 * 1024 * 1024 + 1)
    assert too_big.status_code == 422
    upload_id = _declare(api, "tul.op", incident, PNG, content_type="image/png").json()["id"]
    past_end = _chunk(api, "tul.op", upload_id, 0, PNG + b"extra")
    assert past_end.status_code == 413
    assert past_end.json()["offset"] == 0


def test_the_type_is_decided_by_the_bytes_not_by_the_declaration(api: Api) -> None:
    incident = api.create_incident("tul.op")
    fake = _declare(api, "tul.op", incident, EXE)  # declared image/jpeg, bytes of an .exe
    refused = _chunk(api, "tul.op", fake.json()["id"], 0, EXE)
    assert refused.status_code == 415
    assert "JPEG, PNG" in refused.json()["detail"]
    png_as_jpeg = _declare(api, "tul.op", incident, PNG)
    mismatch = _chunk(api, "tul.op", png_as_jpeg.json()["id"], 0, PNG)
    assert mismatch.status_code == 415
    assert "image/png" in mismatch.json()["detail"]
    word = _declare(api, "tul.op", incident, PNG, content_type="application/msword")
    assert word.status_code == 422


def test_another_regions_upload_is_answered_as_missing(api: Api) -> None:
    incident = api.create_incident("tul.op")
    upload_id = _declare(api, "tul.op", incident, JPEG).json()["id"]
    _chunk(api, "tul.op", upload_id, 0, JPEG)
    missing = str(uuid4())
    for path in (f"/uploads/{upload_id}", f"/uploads/{upload_id}/content"):
        foreign = api.client.get(f"{API}{path}", headers=api.headers("sam.op"))
        unknown = api.client.get(
            f"{API}{path.replace(upload_id, missing)}", headers=api.headers("sam.op")
        )
        assert foreign.status_code == unknown.status_code == 404
        assert foreign.json() == unknown.json()
    patch = _chunk(api, "sam.op", upload_id, 0, JPEG)
    assert patch.status_code == 404
    on_foreign_incident = _declare(api, "sam.op", incident, JPEG)
    assert on_foreign_incident.status_code == 404
    listed = api.client.get(f"{API}/attachments", headers=api.headers("sam.sup")).json()
    assert listed["attachments"] == []
    analyst = api.client.get(f"{API}/attachments", headers=api.headers("analyst")).json()
    assert [a["id"] for a in analyst["attachments"]] == [upload_id]


def test_garbage_gets_4xx_never_5xx(api: Api) -> None:
    incident = api.create_incident("tul.op")
    upload_id = _declare(api, "tul.op", incident, JPEG).json()["id"]
    headers = api.headers("tul.op")
    answers = [
        api.client.post(f"{API}/uploads", headers=headers, content=b"\xff\x00not json"),
        api.client.post(f"{API}/uploads", headers=headers, json={"id": "x"}),
        _declare(api, "tul.op", incident, JPEG, sha256="zz"),
        _declare(api, "tul.op", incident, JPEG, size=0),
        _declare(api, "tul.op", "not-a-uuid", JPEG),
        api.client.patch(f"{API}/uploads/{upload_id}", headers=headers, content=JPEG),
        api.client.patch(
            f"{API}/uploads/{upload_id}", headers={**headers, "Upload-Offset": "-5"}, content=b"x"
        ),
        api.client.patch(
            f"{API}/uploads/{upload_id}", headers={**headers, "Upload-Offset": "abc"}, content=b"x"
        ),
        _chunk(api, "tul.op", upload_id, 0, b"\xff"),
        api.client.get(f"{API}/uploads/nonsense", headers=headers),
        api.client.get(f"{API}/attachments", headers=headers, params={"after": "-1"}),
        api.client.patch(f"{API}/uploads/{upload_id}", content=b"x"),
    ]
    codes = [a.status_code for a in answers]
    assert all(400 <= code < 500 for code in codes), codes
    taken = _declare(api, "tul.op", incident, PNG, id=upload_id, content_type="image/png")
    assert taken.status_code == 409
