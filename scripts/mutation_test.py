"""Mutation testing of ``cur_desktop/domain/`` and the shared mutation rules (outside the suite).

Each mutant changes ONE operator or constant of one module (flip a comparison, swap ``and`` /
``or``, ``+`` / ``-``, ``*`` / ``/``, drop a ``not`` or a unary minus, negate an ``if`` /
``while`` / conditional-expression test, change an integer or float constant by one, flip a
boolean), then that module's own tests run against it in a subprocess (``pytest -x``). A mutant
is *killed* when the tests fail (or error, or run past the time limit), *survived* otherwise.
Strings, docstrings, annotations, logging calls and ``__all__`` are never mutated.

Why not mutmut or cosmic-ray: mutmut 3 rewrites every function into trampolines inside a copy
of the tree and runs the whole suite first to map tests, and cosmic-ray needs a session
database and a worker setup; the issue asks for a sampled run (80 mutants per module) on a
machine shared by four people, and a small AST mutator with a fixed seed that runs only each
module's tests, in a temporary copy of the checkout (the work tree is never touched), gives a
reproducible figure with a known cost.

Survivors that cannot change behaviour (equivalent mutants) are listed, each with the reason,
in ``scripts/mutation_equivalents.txt`` (``module:line: original -> mutant  # why``); the score
is ``killed / (mutants - equivalent)``.

    .venv/bin/python scripts/mutation_test.py                 # every module, 80 mutants each
    .venv/bin/python scripts/mutation_test.py --per-module 0  # every mutant
    .venv/bin/python scripts/mutation_test.py --only cur_desktop/domain/metrics.py
    .venv/bin/python scripts/mutation_test.py --recheck bench/mutation-report.json

The report (JSON, with every survivor's line) goes to ``bench/mutation-report.json``.
"""

from __future__ import annotations

import argparse
import ast
import copy
import importlib
import json
import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger("mutation_test")

ROOT = Path(__file__).resolve().parent.parent

UNIT = "tests/unit/"
TARGETS: dict[str, tuple[str, ...]] = {
    "cur_desktop/domain/calendar.py": (
        UNIT + "test_calendar.py",
        UNIT + "test_limits_in_days.py",
        UNIT + "test_deadline_edges.py",
        # test_calendar_properties.py (hypothesis, 200 examples a property) is left out: it
        # alone takes longer than all the others, on a machine shared by four
    ),
    "cur_desktop/domain/deadlines.py": (
        UNIT + "test_deadlines.py",
        UNIT + "test_deadline_edges.py",
        UNIT + "test_limits_in_days.py",
    ),
    "cur_desktop/domain/metrics.py": (UNIT + "test_metrics.py", UNIT + "test_periods.py"),
    "cur_desktop/domain/periods.py": (UNIT + "test_periods.py", UNIT + "test_metrics.py"),
    "cur_desktop/domain/sla.py": (
        UNIT + "test_deadlines.py",
        UNIT + "test_deadline_edges.py",
        UNIT + "test_limits_in_days.py",
        UNIT + "test_refdata.py",
    ),
    "cur_desktop/domain/status_machine.py": (UNIT + "test_status_machine.py",),
    "cur_desktop/domain/entities.py": (UNIT + "test_status_machine.py",),
    "cur_desktop/domain/enums.py": (
        UNIT + "test_status_machine.py",
        "tests/server/test_mutations.py",
        "tests/server/test_mutation_edges.py",
    ),
    "cur_desktop/domain/reference_types.py": (UNIT + "test_refdata.py",),
    "cur_desktop/contract/mutations.py": (
        "tests/server/test_mutations.py",
        "tests/server/test_mutation_edges.py",
    ),
}

MOVED = {
    "cur_desktop/mutations.py": "cur_desktop/contract/mutations.py",
    "cur_desktop/domain/reference.py": "cur_desktop/domain/reference_types.py",
}
"""Modules moved since a report was written (same content): a recheck follows them."""

_COMPARE_SWAP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
_BINOP_SWAP: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult,
    ast.Mod: ast.FloorDiv,
}


@dataclass(frozen=True, slots=True)
class Site:
    """One mutant: the ``index``-th node of ``ast.walk`` and what to do to it."""

    module: str
    index: int
    kind: str
    line: int
    original: str
    mutant: str

    @property
    def key(self) -> str:
        """How the equivalents file names a mutant."""
        return f"{self.module}:{self.line}: {self.original} -> {self.mutant}"


@dataclass(slots=True)
class Result:
    """What the tests said about one mutant."""

    site: Site
    outcome: str  # killed / survived / timeout
    seconds: float


def _skipped_nodes(tree: ast.Module) -> set[int]:
    """ids of nodes never mutated: annotations, docstrings, logging, f-strings, ``__all__``."""
    skipped: set[int] = set()

    def skip(node: ast.AST | None) -> None:
        if node is not None:
            skipped.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, ast.arg | ast.AnnAssign):
            skip(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            skip(node.returns)
        elif isinstance(node, ast.JoinedStr):
            skip(node)
        elif isinstance(node, ast.Call):
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id in {"log", "logger", "logging"}
            ):
                skip(node)
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            skip(node)
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            skip(body[0])
    return skipped


def _variants(node: ast.AST) -> Iterator[tuple[str, str]]:
    """(kind, description of the mutant) for every mutation that applies to ``node``."""
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in _COMPARE_SWAP:
                yield f"compare:{i}", _COMPARE_SWAP[type(op)].__name__
    elif isinstance(node, ast.BinOp) and type(node.op) in _BINOP_SWAP:
        yield "binop", _BINOP_SWAP[type(node.op)].__name__
    elif isinstance(node, ast.BoolOp):
        yield "boolop", "Or" if isinstance(node.op, ast.And) else "And"
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub):
        yield "unary", "drop " + type(node.op).__name__
    elif isinstance(node, ast.If | ast.While | ast.IfExp):
        yield "negate", "not (...)"
    elif isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):
            yield "const", repr(not value)
        elif isinstance(value, int):
            yield "const", repr(value + 1)
        elif isinstance(value, float):
            yield "const", repr(value + 1.0)


def _apply(node: ast.AST, kind: str) -> None:
    if kind.startswith("compare:"):
        assert isinstance(node, ast.Compare)
        i = int(kind.split(":")[1])
        node.ops[i] = _COMPARE_SWAP[type(node.ops[i])]()
    elif kind == "binop":
        assert isinstance(node, ast.BinOp)
        node.op = _BINOP_SWAP[type(node.op)]()
    elif kind == "boolop":
        assert isinstance(node, ast.BoolOp)
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif kind == "negate":
        assert isinstance(node, ast.If | ast.While | ast.IfExp)
        node.test = ast.UnaryOp(op=ast.Not(), operand=node.test)
    elif kind == "const":
        assert isinstance(node, ast.Constant)
        value = node.value
        if isinstance(value, bool):
            node.value = not value
        elif isinstance(value, int | float):
            node.value = value + 1
    else:
        raise ValueError(kind)


def _unary_mutant(tree: ast.Module, target: ast.UnaryOp) -> None:
    """Replace ``target`` by its operand wherever it sits in ``tree``."""

    class Drop(ast.NodeTransformer):
        def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
            self.generic_visit(node)
            return node.operand if node is target else node

    Drop().visit(tree)


def sites_of(module: str) -> list[Site]:
    """Every mutant of ``module`` (a path relative to the checkout), in a stable order."""
    source = (ROOT / module).read_text(encoding="utf-8")
    tree = ast.parse(source)
    skipped = _skipped_nodes(tree)
    # a constant given as a keyword (frozen=True, slots=True) is named by its keyword
    keyword_of = {
        id(node.value): node.arg for node in ast.walk(tree) if isinstance(node, ast.keyword)
    }
    found: list[Site] = []
    for index, node in enumerate(ast.walk(tree)):
        if id(node) in skipped:
            continue
        for kind, mutant in _variants(node):
            segment = ast.get_source_segment(source, node) or type(node).__name__
            first_line = segment.splitlines()[0] if segment else ""
            if id(node) in keyword_of:
                first_line = f"{keyword_of[id(node)]}={first_line}"
            found.append(
                Site(
                    module=module,
                    index=index,
                    kind=kind,
                    line=getattr(node, "lineno", 0),
                    original=first_line.strip()[:80],
                    mutant=mutant,
                )
            )
    return found


def mutated_source(site: Site, source: str | None = None) -> str:
    """``source`` (default: the module in the checkout) with ``site`` applied (``ast.unparse``)."""
    if source is None:
        source = (ROOT / site.module).read_text(encoding="utf-8")
    tree = ast.parse(source)
    tree = copy.deepcopy(tree)
    node = next(n for i, n in enumerate(ast.walk(tree)) if i == site.index)
    if site.kind == "unary":
        assert isinstance(node, ast.UnaryOp)
        _unary_mutant(tree, node)
    else:
        _apply(node, site.kind)
    return ast.unparse(ast.fix_missing_locations(tree))


def _copy_checkout(into: Path) -> None:
    for name in ("cur_desktop", "tests", "resources"):
        shutil.copytree(
            ROOT / name, into / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    shutil.copy2(ROOT / "pyproject.toml", into / "pyproject.toml")


# Never a pytest plugin (pytest, hypothesis, anyio and what imports it, such as fastapi):
# pytest would refuse to rewrite an already imported plugin.
_PREWARM = (
    "pydantic",
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "holidays",
    "PySide6.QtCore",
    "PySide6.QtGui",
    "PySide6.QtWidgets",
    "PySide6.QtTest",
)


def _prewarm(work: Path) -> None:
    """Import the third-party libraries once in this process (never ``cur_desktop``).

    Each mutant then runs in a fork of this process: the child imports the project afresh from
    the temporary checkout (with the mutated file) and runs pytest there, without paying
    for Python start-up and the heavy libraries again.
    """
    sys.dont_write_bytecode = True
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in _PREWARM:
            try:
                importlib.import_module(name)
            except ImportError:
                log.debug("cannot prewarm %s", name)
        holidays = importlib.import_module("holidays")
        holidays.country_holidays("RU", years=range(2024, 2030))
    assert not any(name.startswith("cur_desktop") for name in sys.modules)
    sys.path.insert(0, str(work))
    os.chdir(work)


def _run_forked(tests: tuple[str, ...], timeout: float) -> tuple[str, float]:
    """Run pytest on ``tests`` in a forked child; kill it past ``timeout`` seconds."""
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: quiet, run, exit with pytest's code
        code = 1
        try:
            if not os.environ.get("MUTATION_TEST_VERBOSE"):
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                os.dup2(devnull, 2)
            pytest = importlib.import_module("pytest")
            code = int(pytest.main(["-x", "-q", "-p", "no:cacheprovider", *tests]))
        except BaseException:  # the child must always exit
            traceback = importlib.import_module("traceback")

            traceback.print_exc()
        finally:
            os._exit(code)
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            return ("survived" if code == 0 else "killed"), time.monotonic() - started
        if time.monotonic() - started > timeout:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "timeout", time.monotonic() - started
        time.sleep(0.02)


def _run_tests(work: Path, tests: tuple[str, ...], timeout: float) -> tuple[str, float]:
    if _FORK:
        return _run_forked(tests, timeout)
    env = dict(os.environ, PYTHONPATH=str(work), QT_QPA_PLATFORM="offscreen")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
    started = time.monotonic()
    try:
        done = subprocess.run(
            command, cwd=work, env=env, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return "timeout", time.monotonic() - started
    outcome = "survived" if done.returncode == 0 else "killed"
    return outcome, time.monotonic() - started


_FORK = hasattr(os, "fork")


def _equivalents() -> dict[str, str]:
    path = ROOT / "scripts" / "mutation_equivalents.txt"
    if not path.exists():
        return {}
    result: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        key, _, why = raw.partition("  # ")
        result[key.strip()] = why.strip()
    return result


def run(sites: list[Site], timeout_factor: float) -> list[Result]:
    """Run the tests of each site's module against the mutant, in a temporary checkout."""
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="cur-mutants-") as tmp:
        work = Path(tmp)
        _copy_checkout(work)
        here = Path.cwd()
        if _FORK:
            _prewarm(work)
        by_module: dict[str, list[Site]] = {}
        for site in sites:
            by_module.setdefault(site.module, []).append(site)
        for module, module_sites in by_module.items():
            tests = TARGETS[module]
            outcome, baseline = _run_tests(work, tests, timeout=600)
            if outcome != "survived":
                raise SystemExit(f"the tests of {module} fail without a mutant: fix them first")
            limit = max(15.0, baseline * timeout_factor)
            original = (work / module).read_text(encoding="utf-8")
            print(f"{module}: {len(module_sites)} mutants, tests take {baseline:.1f} s", flush=True)
            try:
                for number, site in enumerate(module_sites, start=1):
                    # from the copy's clean text: the work tree may change during a long run
                    mutant = mutated_source(site, original)
                    (work / module).write_text(mutant, encoding="utf-8")
                    outcome, seconds = _run_tests(work, tests, timeout=limit)
                    results.append(Result(site, outcome, seconds))
                    mark = "." if outcome != "survived" else "S"
                    print(mark, end="" if number % 80 else "\n", flush=True)
            finally:
                (work / module).write_text(original, encoding="utf-8")
            print(flush=True)
        os.chdir(here)
    return results


def report(results: list[Result], path: Path) -> float:
    """Print the figures per module and overall; write the JSON report; return the score."""
    equivalents = _equivalents()
    rows = []
    total_killed = total_effective = 0
    for module in dict.fromkeys(r.site.module for r in results):
        mine = [r for r in results if r.site.module == module]
        killed = sum(r.outcome != "survived" for r in mine)
        equivalent = [r for r in mine if r.outcome == "survived" and r.site.key in equivalents]
        effective = len(mine) - len(equivalent)
        total_killed += killed
        total_effective += effective
        score = 100.0 * killed / effective if effective else 100.0
        rows.append(
            {
                "module": module,
                "mutants": len(mine),
                "killed": killed,
                "equivalent": len(equivalent),
                "score": round(score, 1),
                "survivors": [
                    asdict(r.site)
                    for r in mine
                    if r.outcome == "survived" and r.site.key not in equivalents
                ],
                "equivalent_survivors": [
                    {"key": r.site.key, "why": equivalents[r.site.key]} for r in equivalent
                ],
            }
        )
        print(
            f"{module:42} {len(mine):4} mutants {killed:4} killed "
            f"{len(equivalent):3} equivalent  {score:5.1f} % of non-equivalent killed"
        )
    overall = 100.0 * total_killed / total_effective if total_effective else 100.0
    print(f"{'overall':42} {overall:5.1f} % of non-equivalent mutants killed (target 95 %)")
    for row in rows:
        for site in row["survivors"]:
            print(
                f"  SURVIVED {site['module']}:{site['line']}: {site['original']} -> "
                f"{site['mutant']}"
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "overall": round(overall, 1),
                "modules": rows,
                "results": [
                    {**asdict(r.site), "outcome": r.outcome, "seconds": round(r.seconds, 2)}
                    for r in results
                ],
            },
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    return overall


def _load(path: Path) -> list[Result]:
    """The results of an earlier report, described by today's sites (modules may have moved)."""
    earlier = json.loads(path.read_text(encoding="utf-8"))
    current: dict[str, dict[tuple[int, str], Site]] = {}
    results = []
    for r in earlier["results"]:
        module = MOVED.get(r["module"], r["module"])
        if module not in current:
            current[module] = {(x.index, x.kind): x for x in sites_of(module)}
        # today's description of the same mutant (same walk index and kind)
        site = current[module][(r["index"], r["kind"])]
        results.append(Result(site, r["outcome"], r["seconds"]))
    return results


def main() -> None:
    """Command line; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-module", type=int, default=80, help="sample size (0: all)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", action="append", help="a module path (repeatable)")
    parser.add_argument("--timeout-factor", type=float, default=2.0)
    parser.add_argument("--report", type=Path, default=ROOT / "bench" / "mutation-report.json")
    parser.add_argument(
        "--merge",
        type=Path,
        nargs="+",
        help="report the union of earlier reports (later ones win for the same mutant)",
    )
    parser.add_argument(
        "--recheck",
        type=Path,
        help="run again only the survivors of an earlier report (after adding tests)",
    )
    args = parser.parse_args()
    if args.merge:
        merged: dict[tuple[str, int, str], Result] = {}
        for path in args.merge:
            for r in _load(path):
                merged[(r.site.module, r.site.index, r.site.kind)] = r
        results = list(merged.values())
    elif args.recheck is not None:
        previous = _load(args.recheck)
        again = run([r.site for r in previous if r.outcome == "survived"], args.timeout_factor)
        fresh = {r.site: r for r in again}
        results = [fresh.get(r.site, r) for r in previous]
    else:
        modules = args.only or list(TARGETS)
        rng = random.Random(args.seed)
        sites: list[Site] = []
        for module in modules:
            every = sites_of(module)
            chosen = every
            if args.per_module and len(every) > args.per_module:
                chosen = sorted(rng.sample(every, args.per_module), key=every.index)
            sites.extend(chosen)
        results = run(sites, args.timeout_factor)
    overall = report(results, args.report)
    sys.exit(0 if overall >= 95.0 else 1)


if __name__ == "__main__":
    main()
