export LC_ALL=C; PATH="$PATH:/usr/sbin:/sbin"
x() { n=$1; shift; printf "\n@@kfs %s\n" "$n"; "$@" 2>&1; rc=$?; printf "\n@@kfs-rc %s\n" "$rc"; }
IFS= read -r kfs_pw || true
su_() { printf "%s\n" "$kfs_pw" | sudo -S -p "" -- "$@"; }
x clock-start date +%s.%N
x uname uname -s -r -m
osr() { cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release; }; x os-release osr
ini() { printf "comm=%s\n" "$(cat /proc/1/comm 2>/dev/null)"; if [ -d /run/systemd/system ]; then echo run-systemd=yes; else echo run-systemd=no; fi; printf "version=%s\n" "$(systemctl --version 2>/dev/null | head -n 1)"; }; x init ini
x system-state systemctl is-system-running
x failed-units systemctl list-units --failed --plain --no-legend --no-pager
x swaps cat /proc/swaps
hn() { hostname 2>/dev/null || uname -n; }; x hostname hn
x machine-id cat /etc/machine-id
x meminfo grep "^MemTotal:" /proc/meminfo
sc() { for k in net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables; do f=/proc/sys/$(echo "$k" | tr . /); if [ -r "$f" ]; then printf "%s=%s\n" "$k" "$(cat "$f")"; else printf "%s=\n" "$k"; fi; done; }; x sysctl sc
x sudo su_ true
if [ "$rc" = 0 ]; then x listen-root su_ ss -ltnpH; else x listen ss -ltnpH; fi
x clock-end date +%s.%N
