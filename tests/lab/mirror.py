#!/usr/bin/env python3
"""KubeFromScratch test lab: the release mirror (started and stopped by lab.sh; tests/lab/README.md).

Serves DIRECTORY (out/lab/mirror, laid out like dl.k8s.io and github.com's release downloads) over plain HTTP on
the lab bridge only (--bind 172.17.8.1), with Python's standard library alone. Everything is also served under
/slow/ at about --slow-rate bytes per second: the "slow download" fault, so a test can interrupt a download that is
still running (Install-KubeBinary -BaseUrl http://172.17.8.1:8080/slow/). One line per request goes to stderr
(lab.sh sends it to out/lab/logs/mirror.log).
"""
import argparse
import functools
import http.server
import sys
import time

SLOW_PREFIX = "/slow/"


class MirrorHandler(http.server.SimpleHTTPRequestHandler):
    slow_rate = 1 << 20  # bytes per second under /slow/

    def _strip_slow(self):
        self.slow = self.path.startswith(SLOW_PREFIX)
        if self.slow:
            self.path = "/" + self.path[len(SLOW_PREFIX):]

    def do_GET(self):
        self._strip_slow()
        super().do_GET()

    def do_HEAD(self):
        self._strip_slow()
        super().do_HEAD()

    def copyfile(self, source, outputfile):
        if not getattr(self, "slow", False):
            return super().copyfile(source, outputfile)
        chunk = 16 * 1024
        delay = chunk / float(self.slow_rate)
        while True:
            data = source.read(chunk)
            if not data:
                return
            outputfile.write(data)
            time.sleep(delay)

    def handle(self):
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away (an interrupted download): nothing to report

    def log_message(self, format, *args):
        sys.stderr.write("%s %s %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%S"), self.address_string(), format % args))
        sys.stderr.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bind", required=True)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--directory", required=True)
    parser.add_argument("--slow-rate", type=int, default=1 << 20)
    args = parser.parse_args()
    MirrorHandler.slow_rate = max(1024, args.slow_rate)
    handler = functools.partial(MirrorHandler, directory=args.directory)
    http.server.ThreadingHTTPServer.allow_reuse_address = True
    http.server.ThreadingHTTPServer.daemon_threads = True
    with http.server.ThreadingHTTPServer((args.bind, args.port), handler) as server:
        sys.stderr.write("%s mirror serving %s on http://%s:%d/\n" % (time.strftime("%Y-%m-%dT%H:%M:%S"), args.directory, args.bind, args.port))
        sys.stderr.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
