"""Evidence upload speed on loopback: MB/s of the resumable upload for several chunk sizes.

A real ``cur-server`` process (SQLite) on a free loopback port; an operator's workstation
attaches a file of ``--size`` MiB (JPEG magic, random body) to an answer and its upload is timed
alone (``EvidenceSync.upload_pending``: read the chunk in a thread, PATCH it, the server writes
and fsyncs it, the client records the acknowledged offset; the server's SHA-256 check of the
whole file at the end included). Baseline measured in the same run: downloading the same
complete file from the same server (``GET /uploads/{id}/content``), i.e. plain HTTP on loopback
without the upload protocol. Medians of ``--repeat`` uploads per chunk size.

    .venv/bin/python bench/upload_bench.py [--size 20] [--repeat 3] [--chunks 256,1024,4096]

Target (ours, set for this issue): at the default chunk size (1 MiB), at least 20 MB/s on
loopback (a 20 MB photo in about a second), and at least 1/4 of the download baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cur_desktop.domain.enums import AnswerKind
from cur_desktop.services import Workstation
from cur_desktop.sync.evidence_upload import DEFAULT_CHUNK_BYTES
from tests.helpers.live import PASSWORD, REGION, USERS, ingest
from tests.helpers.server_process import running_server

MIB = 1024 * 1024


async def _measure(
    base_url: str, folder: Path, incident_id: str, *, source: Path, chunks: list[int], repeat: int
) -> tuple[dict[int, list[float]], list[float]]:
    station = await Workstation.open(folder / "profile", poll_interval=3600.0)
    uploads: dict[int, list[float]] = {c: [] for c in chunks}
    downloads: list[float] = []
    try:
        await station.login(base_url, "ivanova", PASSWORD)
        await station.sync_now()
        evidence = station.evidence_sync
        assert evidence is not None
        for _ in range(repeat):
            for chunk in chunks:
                await station.attach_file(incident_id, source)
                await station.send_answer(
                    incident_id, AnswerKind.SOLUTION, "Работы выполнены 3 марта, фото прилагаем."
                )
                evidence.chunk_size = chunk
                started = time.perf_counter()
                await evidence.upload_pending()
                uploads[chunk].append(time.perf_counter() - started)
        await station.sync_now()  # pushes the answers, lists the attachments
        first = (await station.attachments(incident_id))[0]
        for _ in range(repeat):
            started = time.perf_counter()
            response = await evidence.transport.request(
                "GET", f"/api/v1/uploads/{first.id}/content"
            )
            downloads.append(time.perf_counter() - started)
            assert len(response.content) == first.size
    finally:
        await station.close()
    return uploads, downloads


def main(argv: Sequence[str] | None = None) -> int:
    """Run and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20, help="file size in MiB (at most 20)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--chunks", default="256,1024,4096", help="chunk sizes in KiB")
    args = parser.parse_args(argv)
    size = min(args.size, 20) * MIB
    chunks = [int(c) * 1024 for c in args.chunks.split(",")]
    with tempfile.TemporaryDirectory(prefix="upload_bench-") as tmp:
        folder = Path(tmp)
        source = folder / "photo.jpg"
        source.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(size - 4))
        with running_server(folder / "server", users=USERS) as server:
            (incident_id,) = ingest(server, "boss", REGION, 1)
            uploads, downloads = asyncio.run(
                _measure(
                    server.base_url,
                    folder,
                    incident_id,
                    source=source,
                    chunks=chunks,
                    repeat=args.repeat,
                )
            )
    megabytes = size / 1e6
    baseline = megabytes / statistics.median(downloads)
    print(f"file {size / MIB:.0f} MiB, {args.repeat} runs each, medians (loopback, SQLite server)")
    print(f"baseline: download of the same file        {baseline:8.1f} MB/s")
    for chunk in chunks:
        rate = megabytes / statistics.median(uploads[chunk])
        mark = "  <- default" if chunk == DEFAULT_CHUNK_BYTES else ""
        print(
            f"upload, chunk {chunk // 1024:5d} KiB: {rate:8.1f} MB/s "
            f"({rate / baseline:.2f} of the baseline){mark}"
        )
    print("target: >= 20 MB/s at the default chunk (1024 KiB) and >= 0.25 of the baseline")
    print(f"(machine load at the end: {os.getloadavg()[0]:.1f}; 2 cores shared with other work)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
