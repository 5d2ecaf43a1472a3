#!/usr/bin/env python3
"""Regenerates ProtoDescriptors.json: the field numbers of the Kubernetes protobuf messages the stand-in decodes.

kubectl's typed clients (kubectl create deployment, run, create namespace ...) send request bodies as
application/vnd.kubernetes.protobuf. Rather than hand-copying field numbers, this reads the gzipped
FileDescriptorProtos that every Go protobuf package embeds, straight out of the real kubectl binary, and keeps
only the messages reachable from the served kinds.

usage: extract-proto-descriptors.py /path/to/kubectl.1.33 ../ProtoDescriptors.json
"""
import json
import sys
import zlib

GZIP = b'\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff'
ROOTS = [
    '.k8s.io.api.core.v1.' + k for k in
    ['Pod', 'Service', 'Endpoints', 'Namespace', 'Node', 'ServiceAccount', 'ConfigMap', 'Secret', 'Event']
] + ['.k8s.io.api.apps.v1.' + k for k in ['Deployment', 'ReplicaSet', 'DaemonSet']] + [
    '.k8s.io.api.rbac.v1.' + k for k in ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']
] + ['.k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions']


def varint(b, i):
    r = s = 0
    while True:
        c = b[i]
        i += 1
        r |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return r, i


def fields(b):
    i, out = 0, []
    while i < len(b):
        k, i = varint(b, i)
        f, w = k >> 3, k & 7
        if w == 0:
            v, i = varint(b, i)
        elif w == 2:
            n, i = varint(b, i)
            v, i = b[i:i + n], i + n
        elif w == 1:
            v, i = b[i:i + 8], i + 8
        elif w == 5:
            v, i = b[i:i + 4], i + 4
        else:
            raise ValueError(w)
        out.append((f, v))
    return out


def message(b, prefix, out):
    name, field_bytes, nested, is_map = None, [], [], False
    for f, v in fields(b):
        if f == 1:
            name = v.decode()
        elif f == 2:
            field_bytes.append(v)
        elif f == 3:
            nested.append(v)
        elif f == 7:
            is_map = any(f2 == 7 and v2 == 1 for f2, v2 in fields(v))
    full = prefix + '.' + name
    fs = []
    for fb in field_bytes:
        d = {}
        for f, v in fields(fb):
            d[{1: 'name', 3: 'num', 4: 'label', 5: 'type', 6: 'tn'}.get(f, 'x%d' % f)] = v.decode() if f in (1, 6) else v
        fs.append([d['num'], d['name'], d['type'], d['label'], d.get('tn', '')])
    out[full] = {'map': is_map, 'fields': fs}
    for n in nested:
        message(n, full, out)


def main():
    data = open(sys.argv[1], 'rb').read()
    all_msgs = {}
    i = 0
    while (i := data.find(GZIP, i)) >= 0:
        try:
            fd = fields(zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data[i:i + 4_000_000]))
            pkg = next((v.decode() for f, v in fd if f == 2), '')
            if pkg.startswith('k8s.io'):
                for f, v in fd:
                    if f == 4:
                        message(v, '.' + pkg, all_msgs)
        except Exception:
            pass
        i += 1
    keep, todo = {}, list(ROOTS)
    while todo:
        name = todo.pop()
        if name in keep or name not in all_msgs:
            continue
        keep[name] = all_msgs[name]
        todo.extend(f[4] for f in all_msgs[name]['fields'] if f[4])
    json.dump(dict(sorted(keep.items())), open(sys.argv[2], 'w'), separators=(',', ':'))
    print(f'{len(keep)} messages', file=sys.stderr)


main()
