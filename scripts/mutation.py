"""Mutation testing of the modules whose numbers users quote (``make mutation``; slow, so not part of ``make test``).

Each module is mutated by mutmut in a scratch copy of the project (``build/mutation/<name>/``, so the work tree is
never touched), and its mutants are run against that module's own fast test files only: mutmut first runs those
files once to learn which tests reach which function, then runs each mutant against the tests that reach it. One
module at a time; a module whose run passes ``--time-limit-min`` is interrupted and reported as partial.

Per module it prints the mutants, how many were killed (a test failed or timed out), how many survived, and the
score over the mutants that are not judged equivalent (``scripts/mutation_equivalents.toml``, each with its reason;
``docs/testing.md`` records the scores). The survivors' diffs go to ``build/mutation/<name>/survivors.diff``.

    python scripts/mutation.py [coverage ring_loop ...] [--max-children 1] [--time-limit-min 20] [--report]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BUILD = REPO / "build" / "mutation"
EQUIVALENTS = REPO / "scripts" / "mutation_equivalents.toml"
COPIED = ("geo", "web", "tests", "data", "migrations", "pyproject.toml")
IGNORED = shutil.ignore_patterns("__pycache__", ".hypothesis", ".pytest_cache", "*.pyc")
KILLED = {"killed", "timeout"}
NOT_RUN = {"not checked", "check was interrupted by user", "skipped"}  # any other status counts as surviving
TIMEOUT_MULTIPLIER = 3.0  # mutmut's default 15 lets a stuck tour heuristic burn minutes per mutant


@dataclass(frozen=True)
class Target:
    """A module to mutate and the fast test files that are its own."""

    module: str
    tests: tuple[str, ...]


TARGETS: dict[str, Target] = {
    "coverage": Target("geo/access/coverage.py", ("tests/test_coverage.py",)),
    "ring_loop": Target("geo/access/ring_loop.py", ("tests/test_ring_loop.py",)),
    "access_eval": Target("geo/access/evaluation.py", ("tests/test_access_eval.py", "tests/test_coverage.py")),
    "status": Target("geo/status/colours.py", ("tests/test_status.py",)),
    "achievement": Target("geo/status/achievement.py", ("tests/test_achievement.py",)),
    "tsp": Target("geo/tours/tsp.py", ("tests/test_tsp.py",)),
    "records": Target("geo/status/records.py", ("tests/test_records.py",)),
    "store": Target("geo/status/store.py", ("tests/test_store.py",)),
}


@dataclass(frozen=True)
class Score:
    """One module's outcome: mutants per status, and the survivors not judged equivalent."""

    name: str
    statuses: dict[str, str]
    equivalent: dict[str, str]
    interrupted: bool

    def count(self, *statuses: str) -> int:
        return sum(1 for status in self.statuses.values() if status in statuses)

    @property
    def live(self) -> list[str]:
        """Survivors (or mutants no test reached) not judged equivalent."""
        return sorted(m for m, s in self.statuses.items() if s not in KILLED | NOT_RUN and m not in self.equivalent)

    @property
    def score(self) -> float | None:
        """Killed share of the mutants run and not judged equivalent."""
        judged = self.count(*KILLED) + len(self.live)
        return None if judged == 0 else self.count(*KILLED) / judged

    def line(self) -> str:
        score = "n/a" if self.score is None else f"{self.score:.1%}"
        run = len(self.statuses) - self.count(*NOT_RUN)
        complete = run == len(self.statuses) and not self.interrupted
        partial = "" if complete else f", PARTIAL: {len(self.statuses) - run} not run"
        return (f"{self.name:12} {len(self.statuses):4} mutants, {self.count(*KILLED):4} killed, "
                f"{len(self.live):3} live survivors, {len(self.equivalent):3} equivalent: score {score}{partial}")


def prepare(name: str, target: Target) -> Path:
    """A fresh scratch copy of the project configured to mutate ``target`` only."""
    work = BUILD / name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for entry in COPIED:
        source = REPO / entry
        if source.is_dir():
            shutil.copytree(source, work / entry, ignore=IGNORED)
        else:
            shutil.copy2(source, work / entry)
    tests = "\n    ".join(target.tests)
    (work / "setup.cfg").write_text(
        f"[mutmut]\nsource_paths = geo\nonly_mutate = {target.module}\n"
        f"pytest_add_cli_args_test_selection =\n    {tests}\n"
        "pytest_add_cli_args = -p no:cacheprovider\nalso_copy =\n    web\n    data\n    migrations\n"
        # a mutant still running after 3 × its tests' CPU time (mutmut doubles it) is stuck: a timeout, so killed
        f"timeout_multiplier = {TIMEOUT_MULTIPLIER}\n", encoding="utf-8")
    return work


def run_mutmut(work: Path, *, max_children: int, time_limit_s: float) -> bool:
    """Run mutmut in ``work``; interrupt it after ``time_limit_s``. Returns whether it was interrupted."""
    mutmut = Path(sys.executable).with_name("mutmut")
    log = (work / "mutmut.log").open("w", encoding="utf-8")
    process = subprocess.Popen([str(mutmut), "run", "--max-children", str(max_children)], cwd=work, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        process.wait(timeout=time_limit_s)
        return False
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGINT)  # mutmut saves what it has on an interrupt
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        return True
    finally:
        log.close()


def statuses(work: Path) -> dict[str, str]:
    """Every mutant's status, from ``mutmut results --all``."""
    mutmut = Path(sys.executable).with_name("mutmut")
    out = subprocess.run([str(mutmut), "results", "--all", "true"], cwd=work, capture_output=True, text=True,
                         check=True).stdout
    pairs = (line.strip().rsplit(": ", 1) for line in out.splitlines() if ": " in line)
    return {mutant: status for mutant, status in pairs}


SHOW_DIFFS = """import sys
from mutmut.__main__ import find_mutant, get_diff_for_mutant
for name in sys.argv[1:]:
    print(f"# {name}")
    print(get_diff_for_mutant(name, path=find_mutant(name).path))
"""


def write_survivors(work: Path, mutants: list[str]) -> None:
    """The diffs of ``mutants`` into ``survivors.diff`` (one process: ``mutmut show`` would start one per mutant)."""
    with (work / "survivors.diff").open("w", encoding="utf-8") as out:
        subprocess.run([sys.executable, "-c", SHOW_DIFFS, *mutants], cwd=work, stdout=out, check=True)


def score_module(name: str, work: Path, equivalents: dict[str, str]) -> Score:
    """The module's score from the results mutmut left in ``work``; writes the live survivors' diffs."""
    found = statuses(work)
    judged = {m: why for m, why in equivalents.items() if found.get(m) not in KILLED | {None}}
    score = Score(name, found, judged, interrupted=(work / "interrupted").exists())
    write_survivors(work, score.live)
    print(score.line(), flush=True)
    stale = sorted(set(equivalents) - set(judged))
    if stale:
        print(f"  listed as equivalent but killed or gone (update {EQUIVALENTS.name}): {', '.join(stale)}")
    return score


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"modules to mutate, of {', '.join(TARGETS)} (default: all, one after another)")
    parser.add_argument("--max-children", type=int, default=1, help="mutants run at once (default 1)")
    parser.add_argument("--time-limit-min", type=float, default=20.0, help="per module (default 20)")
    parser.add_argument("--report", action="store_true", help="only score the last runs' results again")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(TARGETS))
    if unknown:
        parser.error(f"unknown module {', '.join(unknown)}; expected some of {', '.join(TARGETS)}")
    equivalents = tomllib.loads(EQUIVALENTS.read_text(encoding="utf-8")) if EQUIVALENTS.exists() else {}
    scores = []
    for name in args.names or TARGETS:
        work = BUILD / name
        if not args.report:
            work = prepare(name, TARGETS[name])
            print(f"{name}: mutating {TARGETS[name].module} against {', '.join(TARGETS[name].tests)}", flush=True)
            if run_mutmut(work, max_children=args.max_children, time_limit_s=args.time_limit_min * 60):
                (work / "interrupted").touch()
        if (work / "mutants").is_dir():
            scores.append(score_module(name, work, equivalents.get(name, {})))
    summary = {s.name: {"mutants": len(s.statuses), "killed": s.count(*KILLED), "live": s.live,
                        "equivalent": len(s.equivalent), "score": s.score, "interrupted": s.interrupted}
               for s in scores}
    (BUILD / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print("\n".join(["", *(s.line() for s in scores)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
