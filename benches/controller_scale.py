#!/usr/bin/env python3
"""Controller scale harness: N Applications, each a Deployment + Service +
ConfigMap from its own directory of one Git repository, automated sync.

For each N: starts the API server emulator as a process of its own
(target/release/emulator) and the controller against it
(target/release/gitops-controller), creates the N Applications with
kubectl, and measures

- the time from the first `kubectl apply` to all apps Synced + Healthy,
- the controller's peak RSS (VmHWM) and CPU time (user + system) until then,
- its CPU time per idle resync: CPU over --idle-resyncs resync periods of
  --resync seconds once everything is Synced, divided by their number,
- the emulator's CPU time until all are Synced (the API server's share of
  the work: when it is large, wall time says little about the controller),
  and per idle resync period (what the API server does while nothing
  changes: the controller's status writes and watches, the simulation).

Prints one Markdown table row per N. CPU comes from /proc/<pid>/stat, so
other work on the machine affects it less than wall time.

Usage (from the workspace root):
    cargo build --release -p gitops-controller -p benches --bin gitops-controller --bin emulator
    python3 benches/controller_scale.py [--resync 20] [--idle-resyncs 3] [N ...]

--bin-dir target/debug runs the debug binaries (a quick check of the harness,
not numbers to record).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLK_TCK = os.sysconf("SC_CLK_TCK")
# Where the emulator and gitops-controller binaries are (--bin-dir).
BIN_DIR = os.path.join(ROOT, "target", "release")
GIT_ENV = {**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}

APP_FILES = {
    "deployment.yaml": """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - containerPort: 80
""",
    "service.yaml": """apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector:
    app: {name}
  ports:
  - port: 80
    targetPort: 80
""",
    "configmap.yaml": """apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}
data:
  greeting: hello from {name}
""",
}


def make_repo(path, n):
    """A repository with apps/app-<i>/ for i < n; returns its file:// URL."""
    os.makedirs(path)
    subprocess.run(["git", "-c", "init.defaultBranch=main", "init", "-q"], cwd=path,
                   check=True, env=GIT_ENV)
    for i in range(n):
        name = f"app-{i}"
        app_dir = os.path.join(path, "apps", name)
        os.makedirs(app_dir)
        for file, text in APP_FILES.items():
            with open(os.path.join(app_dir, file), "w") as f:
                f.write(text.format(name=name))
    subprocess.run(["git", "add", "-A"], cwd=path, check=True, env=GIT_ENV)
    subprocess.run(["git", "commit", "-q", "-m", f"{n} apps"], cwd=path, check=True, env=GIT_ENV)
    return f"file://{path}"


def applications(n, repo_url):
    """The Applications as one JSON List document."""
    items = [{
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": f"app-{i}", "namespace": "argocd"},
        "spec": {
            "project": "default",
            "source": {"repoURL": repo_url, "path": f"apps/app-{i}", "targetRevision": "main"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "scale"},
            "syncPolicy": {"automated": {"prune": True}},
        },
    } for i in range(n)]
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": items})


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Scenario:
    """One emulator and one controller for one N."""

    def __init__(self, work, n, resync):
        self.work, self.n = work, n
        self.emulator = subprocess.Popen([os.path.join(BIN_DIR, "emulator"), "127.0.0.1:0"],
                                         stdout=subprocess.PIPE, text=True)
        line = self.emulator.stdout.readline()
        if not line.startswith("listening on "):
            sys.exit(f"emulator did not start: {line!r}")
        url = line.split()[-1]
        self.kubeconfig = os.path.join(work, "kubeconfig")
        with open(self.kubeconfig, "w") as f:
            f.write(f"apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
                    f"    server: {url}\nusers:\n- name: u\n  user: {{}}\ncontexts:\n"
                    f"- name: x\n  context:\n    cluster: c\n    user: u\ncurrent-context: x\n")
        for namespace in ("argocd", "scale"):
            self.kubectl("create", "namespace", namespace)
        self.log = open(os.path.join(work, "controller.log"), "w")
        self.controller = subprocess.Popen(
            [os.path.join(BIN_DIR, "gitops-controller"), "--metrics-addr", "127.0.0.1:0",
             "--repo-cache-dir", os.path.join(work, "cache"), "--app-resync", f"{resync}s",
             "--log-format", "json"],
            env={**os.environ, "KUBECONFIG": self.kubeconfig, "RUST_LOG": "warn"},
            stdout=subprocess.DEVNULL, stderr=self.log)

    def kubectl(self, *args, stdin=None):
        proc = subprocess.run(["kubectl", "--kubeconfig", self.kubeconfig, *args], input=stdin,
                              capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"kubectl {' '.join(args)} failed: {proc.stderr[-2000:]}")
        return proc.stdout

    def synced_and_healthy(self):
        apps = json.loads(self.kubectl("get", "applications", "-n", "argocd", "-o", "json"))
        return sum(1 for a in apps["items"]
                   if a.get("status", {}).get("sync", {}).get("status") == "Synced"
                   and a.get("status", {}).get("health", {}).get("status") == "Healthy")

    def stop(self):
        for proc in (self.controller, self.emulator):
            proc.send_signal(2)  # SIGINT
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.log.close()


def run(n, args):
    with tempfile.TemporaryDirectory(prefix=f"scale-{n}-") as work:
        repo_url = make_repo(os.path.join(work, "repo"), n)
        scenario = Scenario(work, n, args.resync)
        try:
            time.sleep(1)
            pid = scenario.controller.pid
            cpu_start = cpu_seconds(pid)
            emulator_cpu_start = cpu_seconds(scenario.emulator.pid)
            start = time.monotonic()
            scenario.kubectl("apply", "--validate=false", "-f", "-", stdin=applications(n, repo_url))
            done = 0
            while done < n:
                if time.monotonic() - start > args.timeout:
                    sys.exit(f"N={n}: only {done} of {n} Synced+Healthy after {args.timeout} s")
                if scenario.controller.poll() is not None:
                    sys.exit(f"N={n}: the controller exited; see {work}/controller.log")
                time.sleep(1)
                done = scenario.synced_and_healthy()
            up_wall = time.monotonic() - start
            up_cpu = cpu_seconds(pid) - cpu_start
            emulator_cpu = cpu_seconds(scenario.emulator.pid) - emulator_cpu_start
            # Let the last passes settle, then measure whole resync periods.
            time.sleep(2)
            idle_start = cpu_seconds(pid)
            emulator_idle_start = cpu_seconds(scenario.emulator.pid)
            time.sleep(args.resync * args.idle_resyncs)
            idle_cpu = (cpu_seconds(pid) - idle_start) / args.idle_resyncs
            emulator_idle = (cpu_seconds(scenario.emulator.pid) - emulator_idle_start) / args.idle_resyncs
            rss = peak_rss_mib(pid)
        finally:
            scenario.stop()
    return (f"| {n} | {up_wall:.1f} s | {up_cpu:.2f} s | {1000 * up_cpu / n:.1f} ms "
            f"| {rss:.1f} MiB | {idle_cpu:.2f} s | {emulator_cpu:.1f} s | {emulator_idle:.2f} s |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[100, 1000, 3000])
    parser.add_argument("--resync", type=int, default=20, help="--app-resync in seconds")
    parser.add_argument("--idle-resyncs", type=int, default=3)
    parser.add_argument("--timeout", type=int, default=900, help="seconds to reach all Synced")
    parser.add_argument("--bin-dir", default=os.path.join(ROOT, "target", "release"))
    args = parser.parse_args()
    global BIN_DIR
    BIN_DIR = args.bin_dir
    for binary in ("emulator", "gitops-controller"):
        if not os.path.exists(os.path.join(BIN_DIR, binary)):
            sys.exit(f"{BIN_DIR}/{binary} is missing; see the usage in {__file__}")
    print("| N apps | to all Synced+Healthy | controller CPU until then | CPU per app "
          "| peak RSS | CPU per idle resync | emulator CPU until Synced "
          "| emulator CPU per idle resync |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        print(run(n, args), flush=True)


if __name__ == "__main__":
    main()
