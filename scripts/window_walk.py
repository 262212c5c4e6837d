"""A long operator walk through the real window (run under Xvfb by ``scripts/window_walk.sh``).

Starts ``cur-desktop --demo`` (faulthandler on, stderr to ``window.log``), and for
``--minutes`` drives it with xdotool like a busy operator: saved views (Ctrl+1..6), searches
typed into the search box (Ctrl+F, Russian words), moves in the list (Down/Up, PageDown),
opens incidents (Return), takes one (Ctrl+T), the Сроки and Статистика tabs and back, one step
every couple of seconds, while the demo keeps feeding posts and syncing. A screenshot of the
screen every minute; the window's and the embedded server's RSS every 10 s from /proc.

At the end the window is closed (SIGTERM, as the close button; ``--kill`` sends SIGKILL
instead, to check the server does not outlive a crashed window) and the script reports: was the
window alive the whole time, its exit code, any faulthandler output in the log, RSS start →
end, and whether the demo server process is left running. ``summary.json`` in ``--out``.
Exit status 0 only if the window lived, exited cleanly (or was killed on purpose) and the
server went away.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

SEARCH_WORDS = ["дорога", "свет", "мусор", "отопление", "двор", "вода", "школа", "яма"]
SERVER_MARK = "cur_desktop.server.commands"


def sh(*args: str, check: bool = False) -> str:
    """Run a command, return its stdout (errors ignored unless ``check``)."""
    done = subprocess.run(args, capture_output=True, text=True, check=check)
    return done.stdout


def rss_kb(pid: int) -> int | None:
    """VmRSS of ``pid`` in kB (None if gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def own_server(window_pid: int) -> int | None:
    """The demo server started by the window (its child ``... cur_desktop.server.commands serve``).

    Only the window's own child: other people's servers on the machine are none of our business.
    """
    for pid in sh("pgrep", "-P", str(window_pid), "-f", f"{SERVER_MARK} serve").split():
        return int(pid)
    return None


def running(pid: int) -> bool:
    """Is ``pid`` a live process (an unreaped zombie counts as stopped)?"""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def find_window(pid: int, timeout: float) -> str | None:
    """The X window id of the main window of ``pid``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ids = sh("xdotool", "search", "--onlyvisible", "--pid", str(pid), "--name", ".").split()
        for wid in ids:
            geometry = sh("xdotool", "getwindowgeometry", wid)
            if "Geometry:" in geometry:
                width = int(geometry.split("Geometry:")[1].split("x")[0])
                if width > 500:
                    return wid
        time.sleep(1)
    return None


class Walker:
    """The operator's hands: keys and clicks into the window."""

    def __init__(
        self, wid: str, rng: random.Random, tab_y: int, tab_xs: list[int], out: Path
    ) -> None:
        self.wid = wid
        self.rng = rng
        self.tab_y = tab_y  # the tab bar: Входящие / Сроки / Статистика (x centres)
        self.tab_xs = tab_xs
        self.out = out
        self.tab_shots: dict[int, int] = {}

    def focus(self) -> None:
        sh("xdotool", "windowfocus", "--sync", self.wid)

    def key(self, *keys: str) -> None:
        self.focus()
        sh("xdotool", "key", "--clearmodifiers", "--delay", "60", *keys)

    def type(self, text: str) -> None:
        self.focus()
        sh("xdotool", "type", "--delay", "80", text)

    def click(self, x: int, y: int) -> None:
        sh("xdotool", "mousemove", "--sync", str(x), str(y), "click", "1")

    def step(self) -> str:
        """One random operator action; returns its name."""
        action = self.rng.choices(
            ["view", "search", "move", "open", "take", "tabs", "page"],
            weights=[4, 3, 5, 3, 1, 2, 2],
        )[0]
        if action == "view":
            self.key(f"ctrl+{self.rng.randint(1, 6)}")
        elif action == "search":
            self.key("ctrl+f")
            word = self.rng.choice(SEARCH_WORDS)
            self.type(word)
            time.sleep(1.5)
            if self.rng.random() < 0.6:
                self.key("ctrl+a", "BackSpace")
            self.key("Escape")
        elif action == "move":
            self.key(*(["Down"] * self.rng.randint(1, 5)), *(["Up"] * self.rng.randint(0, 2)))
        elif action == "page":
            self.key("Next")
            if self.rng.random() < 0.5:
                self.key("Prior")
        elif action == "open":
            self.key("Escape", "Down", "Return")
            time.sleep(2)
            self.key("Escape")
        elif action == "take":
            self.key("Escape", "Down", "ctrl+t")
        elif action == "tabs":
            tab = self.rng.choice([1, 2])
            self.click(self.tab_xs[tab], self.tab_y)
            time.sleep(self.rng.uniform(2, 4))
            taken = self.tab_shots.get(tab, 0)
            if taken < 2:  # the first two visits of each tab: a screenshot of it
                sh("import", "-window", "root", str(self.out / f"tab{tab}-{taken}.png"))
                self.tab_shots[tab] = taken + 1
            self.click(self.tab_xs[0], self.tab_y)
        return action


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=8.0)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--role", default="operator")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kill", action="store_true", help="end with SIGKILL, not SIGTERM")
    parser.add_argument("--step", type=float, default=2.5, help="seconds between actions")
    parser.add_argument("--tab-y", type=int, default=32, help="y of the tab bar")
    parser.add_argument("--tab-xs", default="44,120,200", help="x of the first three tabs")
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    env = {**os.environ, "PYTHONFAULTHANDLER": "1"}
    command = ["cur-desktop", "--demo"]
    if args.role != "operator":
        command += ["--role", args.role]
    log_file = (out / "window.log").open("wb")
    started = time.monotonic()
    window = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, env=env)
    print(f"window pid {window.pid}: {' '.join(command)}", flush=True)
    events: list[str] = []
    rss: list[dict[str, object]] = []
    wid = find_window(window.pid, 60)
    if wid is None:
        print("no window appeared in 60 s", flush=True)
    else:
        sh("xdotool", "windowmove", "--sync", wid, "0", "0")
        sh("xdotool", "windowsize", "--sync", wid, "1366", "768")
    tab_xs = [int(x) for x in args.tab_xs.split(",")]
    walker = Walker(wid or "", random.Random(args.seed), args.tab_y, tab_xs, out)
    time.sleep(20)  # demo seeding + first sync
    end = time.monotonic() + args.minutes * 60
    next_shot = time.monotonic()
    next_rss = time.monotonic()
    steps: dict[str, int] = {}
    shot_no = 0
    server_pid: int | None = None
    died_at: float | None = None
    while time.monotonic() < end:
        now = time.monotonic()
        if window.poll() is not None:
            died_at = now - started
            print(f"WINDOW DIED after {died_at:.0f} s, exit {window.returncode}", flush=True)
            break
        if server_pid is None:
            server_pid = own_server(window.pid)
        if now >= next_rss:
            sample = {
                "t": round(now - started),
                "window_kb": rss_kb(window.pid),
                "server_kb": rss_kb(server_pid) if server_pid else None,
                "load": Path("/proc/loadavg").read_text().split()[0],
            }
            rss.append(sample)
            next_rss += 10
        if now >= next_shot:
            path = out / f"shot-{shot_no:02d}.png"
            sh("import", "-window", "root", str(path))
            shot_no += 1
            next_shot += 60
        if wid:
            name = walker.step()
            steps[name] = steps.get(name, 0) + 1
        time.sleep(args.step * random.uniform(0.6, 1.4))

    alive_whole_time = window.poll() is None
    path = out / f"shot-{shot_no:02d}-end.png"
    sh("import", "-window", "root", str(path))
    if alive_whole_time:
        window.send_signal(signal.SIGKILL if args.kill else signal.SIGTERM)
    try:
        code = window.wait(timeout=60)
    except subprocess.TimeoutExpired:
        window.kill()
        code = window.wait()
        events.append("window did not close in 60 s after SIGTERM: killed")
    log_file.close()
    # the server gets a few seconds to notice its parent is gone
    left: list[int] = []
    for _ in range(40):
        left = [p for p in [server_pid] if p is not None and running(p)]
        if not left:
            break
        time.sleep(0.5)
    if left:
        parent = Path(f"/proc/{left[0]}/stat").read_text().rsplit(")", 1)[1].split()[1]
        events.append(f"server {left[0]} still running 20 s after the window, parent pid {parent}")
    log_text = (out / "window.log").read_text(errors="replace")
    fatal = [
        line
        for line in log_text.splitlines()
        if "Fatal Python error" in line or "Traceback" in line
    ]
    summary = {
        "command": command,
        "minutes": args.minutes,
        "role": args.role,
        "ended_with": "SIGKILL" if args.kill else "SIGTERM",
        "alive_whole_time": alive_whole_time,
        "died_at_s": died_at,
        "exit_code": code,
        "fatal_or_traceback_lines": fatal[:20],
        "rss_first": rss[0] if rss else None,
        "rss_last": rss[-1] if rss else None,
        "rss": rss,
        "steps": steps,
        "server_pid": server_pid,
        "server_left_running": left,
        "screenshots": sorted(str(p) for p in out.glob("*.png")),
        "events": events,
    }
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1))
    for pid in left:  # the window's own orphaned server: do not leave it behind
        os.kill(pid, signal.SIGKILL)
    short = {k: v for k, v in summary.items() if k not in ("rss", "screenshots")}
    print(json.dumps(short, ensure_ascii=False, indent=1), flush=True)
    expected_code = -signal.SIGKILL if args.kill else 0
    ok = alive_whole_time and code == expected_code and not left and not fatal
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
