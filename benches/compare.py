#!/usr/bin/env python3
"""Compare `gitops build` with `kubectl kustomize` on generated trees.

For each N, writes a tree with ../shared/tools/gen_kustomize_tree.py
--services N, builds its all-prod root with both programs side by side, and
prints a Markdown table: median wall time, peak RSS (from /usr/bin/time -v),
the time ratio, and whether the two outputs are byte-for-byte equal.

Each program runs --runs times, or once when its first run takes longer than
--once-over seconds (kubectl on N=1000 takes minutes). Outputs and a unified
diff of any difference are kept in --work.

Usage (from the workspace root, after `cargo build --release -p gitops`):
    python3 benches/compare.py [--runs 5] [--work target/compare] [N ...]
"""

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GENERATOR = os.path.join(ROOT, "..", "shared", "tools", "gen_kustomize_tree.py")


def measure(argv, out_path, rss_path):
    """Run argv once with stdout to out_path; return (wall seconds, peak RSS KiB)."""
    with open(out_path, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-v", "-o", rss_path, *argv],
                              stdout=out, stderr=subprocess.PIPE)
        wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({proc.returncode}):\n"
                 f"{proc.stderr.decode(errors='replace')[-2000:]}")
    with open(rss_path) as f:
        rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", f.read()).group(1))
    return wall, rss


def runs_of(argv, out_path, rss_path, runs, once_over):
    """Wall times and peak RSS values of up to `runs` runs."""
    walls, rsss = [], []
    for _ in range(runs):
        wall, rss = measure(argv, out_path, rss_path)
        walls.append(wall)
        rsss.append(rss)
        if wall > once_over:
            break
    return walls, rsss


def compare_outputs(a, b, diff_path):
    """'identical', or a short description of the difference (full diff in diff_path)."""
    with open(a, "rb") as fa, open(b, "rb") as fb:
        if fa.read() == fb.read():
            return "identical"
    with open(diff_path, "wb") as out:
        subprocess.run(["diff", "-u", a, b], stdout=out)
    with open(diff_path) as f:
        changed = sum(1 for line in f if line[:1] in "+-" and line[:3] not in ("+++", "---"))
    return f"DIFFERENT ({changed} changed lines, see {os.path.relpath(diff_path, ROOT)})"


def fmt_time(walls):
    med = statistics.median(walls)
    spread = f" (min {min(walls):.3f})" if len(walls) > 1 else ""
    return f"{med:.3f} s{spread} ×{len(walls)}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[10, 100, 1000])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--once-over", type=float, default=30.0)
    ap.add_argument("--work", default=os.path.join(ROOT, "target", "compare"))
    ap.add_argument("--gitops", default=os.path.join(ROOT, "target", "release", "gitops"))
    args = ap.parse_args()
    if not os.path.isfile(GENERATOR):
        sys.exit(f"generator not found: {GENERATOR}")
    os.makedirs(args.work, exist_ok=True)

    kubectl_version = subprocess.run(["kubectl", "version", "--client"], capture_output=True,
                                     text=True).stdout.split("\n")[:2]
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), platform.processor())
    print(f"date: {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(f"machine: {os.cpu_count()} cores, {cpu}; load average at start "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"gitops: {args.gitops} at commit {commit}; {'; '.join(kubectl_version)}")
    print()
    print("| N services | resources | gitops build | peak RSS | kubectl kustomize | peak RSS "
          "| kubectl / gitops | outputs |")
    print("|---:|---:|---:|---:|---:|---:|---:|---|")
    for n in args.sizes:
        tree = os.path.join(args.work, f"gen-{n}")
        subprocess.run([sys.executable, GENERATOR, "--services", str(n), "--out", tree],
                       check=True, stdout=subprocess.DEVNULL)
        root = os.path.join(tree, "all-prod")
        ours = os.path.join(args.work, f"gitops-{n}.yaml")
        theirs = os.path.join(args.work, f"kubectl-{n}.yaml")
        rss_file = os.path.join(args.work, "time-v.txt")
        g_walls, g_rss = runs_of([args.gitops, "build", root], ours, rss_file,
                                 args.runs, args.once_over)
        k_walls, k_rss = runs_of(["kubectl", "kustomize", root], theirs, rss_file,
                                 args.runs, args.once_over)
        with open(theirs) as f:
            resources = 1 + sum(1 for line in f if line == "---\n")
        verdict = compare_outputs(theirs, ours, os.path.join(args.work, f"diff-{n}.txt"))
        ratio = statistics.median(k_walls) / statistics.median(g_walls)
        print(f"| {n} | {resources} | {fmt_time(g_walls)} | {max(g_rss) / 1024:.1f} MiB "
              f"| {fmt_time(k_walls)} | {max(k_rss) / 1024:.1f} MiB | {ratio:.1f}× | {verdict} |",
              flush=True)


if __name__ == "__main__":
    main()
