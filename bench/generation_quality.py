"""Generated versions an editor can sign as they are: a figure over the labelled set.

    .venv/bin/python bench/generation_quality.py [--baseline REF] [--verbose] [--stories GLOB]

Runs every channel generator over the labelled stories in tests/data/generation/ and
judges six versions of each (网站摘要, 微信摘要, 微博导读 with its #话题#, 电视导语,
广播导语, 短视频文案与话题) with `rongmei.newsroom.generators.quality`: a version
"needs no edit" when it breaks none of the rules and has what the editor's accepted
version has. Prints, for the generators in the working tree ("after"), and with
`--baseline REF` also for the generators as they were at git revision REF ("before"),
the number and share of versions passing the rules and needing no edit, per version.

The baseline is read with `git show REF:rongmei/newsroom/generators/…` into a temporary
package, so both are measured by today's rules on today's labelled set. No Django and no
database are needed.
"""

from __future__ import annotations

import argparse
import importlib
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rongmei.newsroom.generators import quality  # noqa: E402

DATA = ROOT / "tests" / "data" / "generation"
PACKAGE = "rongmei/newsroom/generators"


def baseline_generate(ref: str, workdir: Path):
    """`generate(channel, story)` of the generators at git revision `ref`."""
    names = subprocess.run(
        ["git", "ls-tree", "--name-only", f"{ref}:{PACKAGE}"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout.split()
    package = workdir / "baseline_generators"
    package.mkdir()
    for name in names:
        if name.endswith((".py", ".txt")):
            blob = subprocess.run(["git", "show", f"{ref}:{PACKAGE}/{name}"], cwd=ROOT,
                                  check=True, capture_output=True).stdout
            (package / name).write_bytes(blob)
    sys.path.insert(0, str(workdir))
    module = importlib.import_module("baseline_generators")
    types = importlib.import_module("baseline_generators.types")

    def generate(channel, story):
        # The baseline has its own (identical) StoryInput class; hand it its own.
        return module.generate(channel, types.StoryInput(**story.__dict__))

    return generate


def measure(generate, stories):
    results = []
    for labelled in stories:
        results.extend(quality.check_story(labelled, generate))
    return results


def report(label: str, results, seconds: float, verbose: bool) -> None:
    figures = quality.figures(results)
    print(f"\n{label}: {figures.versions} versions of {figures.versions // len(quality.VERSIONS)} stories, "
          f"generated and judged in {seconds:.1f} s")
    print(f"  pass all rules : {figures.rule_passing:4d}  ({figures.share(figures.rule_passing):6.1%})")
    print(f"  need no edit   : {figures.no_edit:4d}  ({figures.share(figures.no_edit):6.1%})")
    for version in quality.VERSIONS:
        mine = [r for r in results if r.version == version]
        ok = sum(r.needs_no_edit for r in mine)
        print(f"    {quality.VERSION_LABELS[version]:<10s} {ok:3d}/{len(mine):<3d} need no edit")
    faults = Counter(_kind(note) for r in results for note in r.failures + r.misses)
    if faults:
        print("  what editors would fix:")
        for fault, count in faults.most_common():
            print(f"    {count:4d}  {fault}")
    if verbose:
        for r in results:
            if not r.needs_no_edit:
                print(f"  [{r.story} {r.version}] {r.text!r} topics={r.topics}")
                for note in r.failures + r.misses:
                    print(f"      - {note}")


def _kind(note: str) -> str:
    """A failure note without its particulars: "话题#…#不是稿件的主题"."""
    note = re.sub(r"#[^#]*#", "#…#", note)
    note = re.sub(r"“[^”]*”", "“…”", note)
    return re.split(r"[：（]", note)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", metavar="REF", help="also measure the generators at this git revision")
    parser.add_argument("--verbose", action="store_true", help="print every version that needs an edit, and why")
    parser.add_argument("--stories", default="*.yaml", metavar="GLOB",
                        help="only these files, e.g. '4[4-9]-*.yaml' '5?-*.yaml' (default: all)")
    args = parser.parse_args()
    stories = quality.load_labelled_set(DATA, args.stories)
    from rongmei.newsroom.generators import generate

    if args.baseline:
        with tempfile.TemporaryDirectory() as workdir:
            before_generate = baseline_generate(args.baseline, Path(workdir))
            started = time.perf_counter()
            before = measure(before_generate, stories)
            report(f"before ({args.baseline})", before, time.perf_counter() - started, args.verbose)
    started = time.perf_counter()
    after = measure(generate, stories)
    report("after (working tree)", after, time.perf_counter() - started, args.verbose)


if __name__ == "__main__":
    main()
