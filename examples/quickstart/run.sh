#!/usr/bin/env bash
# Runs the controller against its embedded API server and deploys the example
# monorepo's shop-prod Application from this repository's own Git history.
# Needs: cargo, git, kubectl (only for the optional look around at the end).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo="file://$PWD"
workdir="$(mktemp -d)"
kubeconfig="$workdir/kubeconfig"
port="${PORT:-18080}"

cargo build --release --quiet --bin gitops-controller --bin gitops
target/release/gitops-controller --embedded-apiserver "127.0.0.1:$port" \
  --write-kubeconfig "$kubeconfig" --metrics-addr 127.0.0.1:0 \
  --repo-cache-dir "$workdir/repos" --app-resync 10s --sync-wave-delay 1s \
  >"$workdir/controller.log" 2>&1 &
controller=$!
trap 'kill $controller 2>/dev/null; wait $controller 2>/dev/null || true; rm -rf "$workdir"' EXIT
for _ in $(seq 50); do [ -s "$kubeconfig" ] && break; sleep 0.2; done
export KUBECONFIG="$kubeconfig"

# The example Application, pointed at this checkout instead of its remote.
sed -e "s#repoURL: .*#repoURL: $repo#" -e "s#targetRevision: main#targetRevision: HEAD#" \
  examples/monorepo/argocd/shop-prod.yaml | kubectl apply -f -

target/release/gitops app wait shop-prod --timeout 120
target/release/gitops app get shop-prod
kubectl get deployments,services,configmaps -n shop-prod
