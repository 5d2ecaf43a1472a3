#!/usr/bin/env bash
# Captures real etcdctl and HTTP answers of the lab's etcd 3.4 cluster into
# this folder, for the parser tests: all members up, core-03's etcd stopped,
# core-02's and core-03's stopped. See README.md here for the file names.
#
#   tests/KubeFromScratch.Tests/Fixtures/etcd/capture.sh
#
# Needs the lab up in plain mode (tests/lab/lab.sh up), root (lab.sh etcd-stop
# and etcd-start), etcdctl and curl on this machine (tests/lab/install-deps.sh).
# Restores the cluster (all members started, healthy) when it ends.
# Network rule: only 172.17.8.0/24, after lab.sh check-network.
set -euo pipefail

DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$DIR/../../../.." && pwd)
LAB=$REPO_ROOT/tests/lab/lab.sh
SSH=(ssh -F "$REPO_ROOT/out/lab/ssh_config" -o BatchMode=yes core-01)
EP=http://172.17.8.101:2379

"$LAB" check-network || { echo "capture.sh: lab.sh check-network failed; not connecting anywhere" >&2; exit 1; }
status=$("$LAB" status) || true
[[ $status == *$'\n'"mode     plain "* ]] || { echo "capture.sh: the lab must be up in plain mode (tests/lab/lab.sh up)" >&2; exit 1; }

# run NAME CMD... : stdout, stderr and exit code of CMD, byte for byte.
run() {
    local name=$1 rc=0; shift
    "$@" >"$DIR/$name.stdout" 2>"$DIR/$name.stderr" </dev/null || rc=$?
    printf '%s\n' "$rc" > "$DIR/$name.rc"
}

# The same etcdctl command line, on core-01 over SSH and with this machine's etcdctl.
etcdctl_both() {
    local state=$1 name=$2 api=$3; shift 3
    local q="ETCDCTL_API=$api etcdctl --endpoints=$EP $*"
    run "$state.ssh.$name" "${SSH[@]}" "$q"
    run "$state.local.$name" env "ETCDCTL_API=$api" etcdctl --endpoints=$EP "$@"
}

capture() {
    local state=$1
    echo "capturing $state" >&2
    etcdctl_both "$state" v2-cluster-health 2 cluster-health
    etcdctl_both "$state" v3-endpoint-health 3 endpoint health --cluster
    etcdctl_both "$state" v3-endpoint-health-json 3 endpoint health --cluster -w json
    etcdctl_both "$state" v3-member-list-json 3 member list -w json
    etcdctl_both "$state" v3-endpoint-status-json 3 endpoint status --cluster -w json
    # HTTP answers (curl on this machine; timeout only so that no state hangs the capture).
    run "$state.http.health" timeout 60 curl -s $EP/health
    run "$state.http.version" timeout 60 curl -s $EP/version
    run "$state.http.v2-members" timeout 60 curl -s $EP/v2/members
    run "$state.http.v3-cluster-member-list" timeout 60 curl -s -X POST -d '{}' $EP/v3/cluster/member/list
    run "$state.http.v3-maintenance-status" timeout 60 curl -s -X POST -d '{}' $EP/v3/maintenance/status
}

restore() { "$LAB" etcd-start core-02 >&2 || true; "$LAB" etcd-start core-03 >&2 || true; }
trap restore EXIT

rm -f "$DIR"/{all-up,one-down,two-down}.*
ETCDCTL_API=3 etcdctl --endpoints=$EP endpoint health --cluster >/dev/null 2>&1 ||
    { echo "capture.sh: the cluster is not healthy to begin with" >&2; exit 1; }
capture all-up
"$LAB" etcd-stop core-03
capture one-down
"$LAB" etcd-stop core-02
capture two-down

{
    echo "captured $(date -u +%FT%TZ)"
    "${SSH[@]}" 'etcd --version; etcdctl version'
    echo "this machine:"; etcdctl version
} > "$DIR/versions.txt"
