#!/usr/bin/env python3
"""Compare `gitops build` with `kubectl kustomize` on generated trees.

For each N, writes a tree with ../shared/tools/gen_kustomize_tree.py
--services N, builds its all-prod root with both programs side by side, and
prints a Markdown table: median wall time, median CPU time (user + system),
peak RSS (both from /usr/bin/time -v), the CPU ratio, and whether the two
outputs are byte-for-byte equal. With --platform, the same for the
CRD-heavy platform root that benches/gen_platform_tree.py writes (634
resources, 9 MiB of YAML, most of it CustomResourceDefinition schemas).

Each program runs --runs times, or once when its first run takes longer than
--once-over seconds (kubectl on N=1000 takes minutes). Outputs and a unified
diff of any difference are kept in --work.

Usage (from the workspace root, after `cargo build --release -p gitops`):
    python3 benches/compare.py [--runs 5] [--work target/compare] [--platform] [N ...]
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
PLATFORM_GENERATOR = os.path.join(ROOT, "benches", "gen_platform_tree.py")


def measure(argv, out_path, rss_path):
    """Run argv once with stdout to out_path; return (wall seconds, peak RSS KiB, CPU seconds)."""
    with open(out_path, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-v", "-o", rss_path, *argv],
                              stdout=out, stderr=subprocess.PIPE)
        wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({proc.returncode}):\n"
                 f"{proc.stderr.decode(errors='replace')[-2000:]}")
    with open(rss_path) as f:
        report = f.read()
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", report).group(1))
    cpu = sum(float(re.search(rf"{kind} time \(seconds\): ([0-9.]+)", report).group(1))
              for kind in ("User", "System"))
    return wall, rss, cpu


def runs_of(argv, out_path, rss_path, runs, once_over):
    """Wall times, peak RSS values and CPU times of up to `runs` runs."""
    walls, rsss, cpus = [], [], []
    for _ in range(runs):
        wall, rss, cpu = measure(argv, out_path, rss_path)
        walls.append(wall)
        rsss.append(rss)
        cpus.append(cpu)
        if wall > once_over:
            break
    return walls, rsss, cpus


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
    ap.add_argument("sizes", nargs="*", type=int,
                    help="services per generated tree (default 10 100 1000, none with --platform)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--once-over", type=float, default=30.0)
    ap.add_argument("--work", default=os.path.join(ROOT, "target", "compare"))
    ap.add_argument("--gitops", default=os.path.join(ROOT, "target", "release", "gitops"))
    ap.add_argument("--platform", action="store_true",
                    help="also the CRD-heavy platform root of benches/gen_platform_tree.py")
    args = ap.parse_args()
    if not args.sizes and not args.platform:
        args.sizes = [10, 100, 1000]
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
    print("| tree | resources | gitops build | CPU | peak RSS | kubectl kustomize | CPU "
          "| peak RSS | kubectl / gitops CPU | outputs |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    trees = [(f"N={n} services", f"gen-{n}",
              [GENERATOR, "--services", str(n), "--out"], "all-prod") for n in args.sizes]
    if args.platform:
        trees.append(("platform (CRD-heavy)", "platform", [PLATFORM_GENERATOR, "--out"],
                      os.path.join("clusters", "prod")))
    for label, name, generate, root_dir in trees:
        tree = os.path.join(args.work, name)
        subprocess.run([sys.executable, *generate, tree], check=True, stdout=subprocess.DEVNULL)
        root = os.path.join(tree, root_dir)
        ours = os.path.join(args.work, f"gitops-{name}.yaml")
        theirs = os.path.join(args.work, f"kubectl-{name}.yaml")
        rss_file = os.path.join(args.work, "time-v.txt")
        g_walls, g_rss, g_cpu = runs_of([args.gitops, "build", root], ours, rss_file,
                                        args.runs, args.once_over)
        k_walls, k_rss, k_cpu = runs_of(["kubectl", "kustomize", root], theirs, rss_file,
                                        args.runs, args.once_over)
        with open(theirs) as f:
            resources = 1 + sum(1 for line in f if line == "---\n")
        verdict = compare_outputs(theirs, ours, os.path.join(args.work, f"diff-{name}.txt"))
        ratio = statistics.median(k_cpu) / statistics.median(g_cpu)
        print(f"| {label} | {resources} | {fmt_time(g_walls)} | {statistics.median(g_cpu):.3f} s "
              f"| {max(g_rss) / 1024:.1f} MiB | {fmt_time(k_walls)} "
              f"| {statistics.median(k_cpu):.3f} s | {max(k_rss) / 1024:.1f} MiB "
              f"| {ratio:.1f}× | {verdict} |", flush=True)


if __name__ == "__main__":
    main()
