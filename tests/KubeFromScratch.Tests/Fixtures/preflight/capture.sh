#!/usr/bin/env bash
# Captures what the preflight probe (probe.sh, probe-sudo-password.sh: exactly what KubePreflight.ProbeScript
# sends, which PreflightFixtureTests pins) and the listener identification (identify-*.sh) print on the lab's
# hosts, as they come and with each fault the tests need. See README.md here for the file names.
#
#   tests/KubeFromScratch.Tests/Fixtures/preflight/capture.sh
#
# Needs the lab up in plain mode (tests/lab/lab.sh up), root (ip netns exec), and python3 on this machine.
# Restores every host when it ends (foreign listeners stopped, machine-id and date put back, failed unit reset).
# Network rule: only 172.17.8.0/24, after lab.sh check-network.
set -euo pipefail

DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$DIR/../../../.." && pwd)
LAB=$REPO_ROOT/tests/lab/lab.sh
CONFIG=$REPO_ROOT/out/lab/ssh_config

"$LAB" check-network || { echo "capture.sh: lab.sh check-network failed; not connecting anywhere" >&2; exit 1; }
status=$("$LAB" status) || true
[[ $status == *$'\n'"mode     plain "* ]] || { echo "capture.sh: the lab must be up in plain mode (tests/lab/lab.sh up)" >&2; exit 1; }

# One SSH connection per target, kept open (ControlMaster): the engine probes over connections it keeps, so the
# round trips timed here must not include a key exchange either, or the clock readings would be skewed by it.
CONTROL=$(mktemp -d)
SSH=(ssh -F "$CONFIG" -o BatchMode=yes -o ControlMaster=auto -o "ControlPath=$CONTROL/%r@%h" -o ControlPersist=300)
on() { local host=$1; shift; "${SSH[@]}" "$host" "$@"; }

# run NAME USER@HOST SCRIPT [INPUT]: the script as the engine sends it (sh -c '<script>'; the scripts hold no single
# quote), INPUT on its standard input; stdout, stderr and exit code apart, and in NAME.local this machine's clock
# (date +%s.%N) just before and just after, for the clock tests.
run() {
    local name=$1 target=$2 script=$3 input=${4-} rc=0 before after
    echo "capturing $name" >&2
    "${SSH[@]}" "$target" true </dev/null
    before=$(date +%s.%N)
    printf '%s' "$input" | "${SSH[@]}" "$target" "sh -c '$(cat "$DIR/$script")'" \
        >"$DIR/$name.stdout" 2>"$DIR/$name.stderr" || rc=$?
    after=$(date +%s.%N)
    printf '%s\n' "$rc" >"$DIR/$name.rc"
    printf '%s\n%s\n' "$before" "$after" >"$DIR/$name.local"
}

PY_PID=
EMPTY=$(mktemp -d)
restore() {
    [[ -n $PY_PID ]] && kill "$PY_PID" 2>/dev/null || true
    rmdir "$EMPTY" 2>/dev/null || true
    on core-01 'sudo systemctl stop kfs-capture-sshd.service 2>/dev/null; true' || true
    on core-02 'sudo systemctl reset-failed kfs-capture-false.service 2>/dev/null; true' || true
    on core-03 'sudo rm -f /usr/local/bin/date; if [ -s /var/tmp/kfs-capture-machine-id ]; then sudo cp /var/tmp/kfs-capture-machine-id /etc/machine-id && sudo rm -f /var/tmp/kfs-capture-machine-id; fi' || true
    for target in core-01 core-02 core-03 nosudo@core-01; do "${SSH[@]}" -O exit "$target" 2>/dev/null || true; done
    rm -rf "$CONTROL"
}
trap restore EXIT

rm -f "$DIR"/core-0*.{stdout,stderr,rc,local}

# As they come: core user (passwordless sudo); etcd on all three, the API server stand-in on core-01:8080 (a process
# of this machine in core-01's network namespace, so ss on the host sees the socket but no owner).
for n in 1 2 3; do run "core-0$n.probe" "core-0$n" probe.sh; done
run core-01.identify-8080 core-01 identify-core-01-8080.sh

# nosudo: sudo -n asks for a password; with its own password sudo says it is not in sudoers. ss without root.
run core-01.nosudo.probe nosudo@core-01 probe.sh
run core-01.nosudo-password.probe nosudo@core-01 probe-sudo-password.sh $'nosudo\n'
run core-01.nosudo-wrong-password.probe nosudo@core-01 probe-sudo-password.sh $'not-the-password\n'
run core-01.nosudo.identify nosudo@core-01 identify-core-01-nosudo.sh
# core has NOPASSWD: a password given is never asked for.
run core-01.password-unneeded.probe core-01 probe-sudo-password.sh $'whatever\n'

# A foreign listener the host cannot name: python3's http.server started from this machine in core-02's network
# namespace on the kubelet's port, serving an empty folder.
(cd "$EMPTY" && exec ip netns exec kfs-core-02 python3 -m http.server 10250 --bind 172.17.8.102 >/dev/null 2>&1) &
PY_PID=$!
for _ in $(seq 50); do on core-02 'ss -ltnH "sport = :10250"' | grep -q LISTEN && break; sleep 0.1; done
run core-02.foreign-python.probe core-02 probe.sh
run core-02.foreign-python.identify core-02 identify-core-02-10250.sh
kill "$PY_PID"; PY_PID=

# A foreign listener the host names: a second sshd on the scheduler's port of core-01 (a master).
on core-01 'sudo systemd-run --quiet --unit=kfs-capture-sshd /usr/sbin/sshd -D -p 10259 && for i in $(seq 50); do ss -ltnH "sport = :10259" | grep -q LISTEN && break; sleep 0.1; done'
run core-01.foreign-sshd.probe core-01 probe.sh
on core-01 'sudo systemctl stop kfs-capture-sshd.service'

# A degraded system: a transient unit that fails.
on core-02 'sudo systemd-run --quiet --unit=kfs-capture-false /bin/false; sleep 1'
run core-02.degraded.probe core-02 probe.sh
on core-02 'sudo systemctl reset-failed kfs-capture-false.service'

# A cloned image: core-03 with core-02's machine id.
on core-03 'sudo cp /etc/machine-id /var/tmp/kfs-capture-machine-id'
on core-02 'cat /etc/machine-id' | on core-03 'sudo tee /etc/machine-id >/dev/null'
run core-03.duplicate-machine-id.probe core-03 probe.sh
on core-03 'sudo cp /var/tmp/kfs-capture-machine-id /etc/machine-id && sudo rm -f /var/tmp/kfs-capture-machine-id'

# A clock 5 s ahead, as far as the probe can tell: no container's clock can be set apart from the machine's (the
# realtime clock is not namespaced), so a date in /usr/local/bin (first in PATH) adds 5 s to what it prints.
on core-03 'printf "%s\n" "#!/bin/sh" "case \"\$1\" in +%s.%N) t=\$(/usr/bin/date +%s.%N); echo \"\$((\${t%.*} + 5)).\${t#*.}\";; *) exec /usr/bin/date \"\$@\";; esac" | sudo tee /usr/local/bin/date >/dev/null && sudo chmod 0755 /usr/local/bin/date'
run core-03.clock-ahead.probe core-03 probe.sh
on core-03 'sudo rm -f /usr/local/bin/date'

echo "done: $(ls "$DIR"/*.stdout | wc -l) captures in $DIR" >&2
