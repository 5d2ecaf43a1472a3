#!/usr/bin/env bash
# The workshop image's Kubernetes node part (the deck's Vagrant image: "unit files for kubernetes added,
# preloaded binaries"):
#   * /opt/bin/kubelet, /opt/bin/kube-proxy   STAND-INS (image/files/opt/bin; tests/lab/README.md); kube-proxy
#                                             answers node ports with busybox httpd (busybox: packages.txt)
#   * /opt/bin/kubectl                        the REAL kubectl 1.33.1, a static build copied from this machine
#                                             ($KFS_LAB_KUBECTL, which lab.sh finds and checks before building)
#   * kube-kubelet.service, kube-proxy.service  the deck's units (image/files/usr/lib/systemd/system), NOT
#                                             enabled: the workshop enables them
#   * the folders the deck's flags name (/etc/kubernetes/manifests, /etc/cni/net.d) and /opt/cni/bin
# Per host, lab.sh writes /etc/kubernetes/node.env (NODE_IP=172.17.8.10N) into the host's layer.
set -euo pipefail
ROOTFS=${ROOTFS:-${1:?usage: 50-kube-node.sh ROOTFS}}

[[ -n ${KFS_LAB_KUBECTL:-} && -x $KFS_LAB_KUBECTL ]] ||
    { echo "50-kube-node.sh: KFS_LAB_KUBECTL ('${KFS_LAB_KUBECTL:-}') is not an executable kubectl" >&2; exit 1; }
install -d -m 0755 "$ROOTFS/opt/bin" "$ROOTFS/opt/cni/bin" "$ROOTFS/etc/kubernetes" \
    "$ROOTFS/etc/kubernetes/manifests" "$ROOTFS/etc/cni" "$ROOTFS/etc/cni/net.d"
install -m 0755 -o 0 -g 0 "$KFS_LAB_KUBECTL" "$ROOTFS/opt/bin/kubectl"
version=$("$ROOTFS/opt/bin/kubectl" version --client 2>&1) || true   # whole, not | grep -q (SIGPIPE + pipefail)
[[ $'\n'$version$'\n' == *$'\n''Client Version: v1.33.1'$'\n'* ]] ||
    { echo "50-kube-node.sh: $KFS_LAB_KUBECTL is not kubectl v1.33.1: $version" >&2; exit 1; }
# The units stay disabled (no [Install] symlinks), as in the deck's image.
in_root systemctl disable --quiet kube-kubelet.service kube-proxy.service 2>/dev/null || true
