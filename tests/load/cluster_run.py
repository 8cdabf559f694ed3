#!/usr/bin/env python3
"""Cluster measurements (issue 16), by hand against `deploy/cluster up` on this machine, from
this separate process over real SIP (UDP, loopback only; every wait has a timeout):

  latency  RUNS calls one after the other, INVITE -> 200 (then ACK, BYE), each to a new room,
           through Kamailio and straight to node 1: median and p95 of each.
  failover RUNS drills: a room's first caller through Kamailio, kill -9 of the node that
           answered, then a new caller of the room every 0.2 s until one gets 200 (Kamailio
           tries the dead node, then the next, which claims the room once the lease runs out):
           kill -> 200, median and max. The killed node is started again after each drill
           (deploy/cluster start-node).

  MCU_CLUSTER_PIKE_DENSITY=100000 deploy/cluster up 3   (one source sends it all)
  tests/load/cluster_run.py latency  [RUNS=100]
  tests/load/cluster_run.py failover [RUNS=20]
"""
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUN_DIR = os.path.join(ROOT, "build", "cluster")
PROXY = ("127.0.0.10", 5060)
SDP = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")


def header(message, name):
    for line in message.split("\r\n"):
        if line.lower().startswith(name.lower() + ":"):
            return line.split(":", 1)[1].strip()
    return ""


def all_headers(message, name):
    return [line.split(":", 1)[1].strip() for line in message.split("\r\n")
            if line.lower().startswith(name.lower() + ":")]


class Call:
    """One dialog: INVITE, and ACK/BYE along the Record-Route set (RFC 3261 §12)."""

    def __init__(self, target, room, timeout=15.0):
        self.target = target
        self.room = room
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.call_id = "cr-%016x" % random.getrandbits(64)
        self.tag = "%08x" % random.getrandbits(32)
        self.timeout = timeout
        self.to = "<sip:%s@%s:%d>" % (room, target[0], target[1])

    def request(self, method, uri, cseq, to, routes=(), body=""):
        branch = "z9hG4bK%016x" % random.getrandbits(64)
        lines = ["%s %s SIP/2.0" % (method, uri),
                 "Via: SIP/2.0/UDP 127.0.0.1:%d;rport;branch=%s" % (self.port, branch)]
        lines += ["Route: %s" % r for r in routes]
        lines += ["Max-Forwards: 70", "From: <sip:load@127.0.0.1>;tag=%s" % self.tag, "To: %s" % to,
                  "Call-ID: %s" % self.call_id, "CSeq: %d %s" % (cseq, method),
                  "Contact: <sip:load@127.0.0.1:%d>" % self.port]
        if body:
            lines += ["Content-Type: application/sdp"]
        lines += ["Content-Length: %d" % len(body), "", body]
        self.sock.sendto("\r\n".join(lines).encode(), self.target)

    def invite(self):
        """The final status and the time to it (s); on 200 the dialog is ACKed."""
        started = time.monotonic()
        self.request("INVITE", "sip:%s@%s:%d" % (self.room, *self.target), 1, self.to, body=SDP)
        deadline = started + self.timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = self.sock.recv(65535).decode(errors="replace")
            except socket.timeout:
                break
            status = int(data.split(" ", 2)[1]) if data.startswith("SIP/2.0 ") else 0
            if status < 200:
                continue
            elapsed = time.monotonic() - started
            self.dialog_to = header(data, "To")
            if status == 200:
                contact = re.search(r"<([^>]+)>", header(data, "Contact"))
                self.remote = contact.group(1) if contact else "sip:%s@%s" % self.target
                self.routes = list(reversed(all_headers(data, "Record-Route")))
                self.request("ACK", self.remote, 1, self.dialog_to, self.routes)
                self.node = re.search(r"@([0-9.]+):", self.remote).group(1)
            return status, elapsed
        return 0, time.monotonic() - started

    def bye(self):
        if not hasattr(self, "remote"):
            return  # never answered 200
        self.request("BYE", self.remote, 2, self.dialog_to, self.routes)
        self.sock.settimeout(2)
        try:
            self.sock.recv(65535)
        except socket.timeout:
            pass
        self.sock.close()


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def latency(runs):
    # Five rooms per path, each claimed by its first call: the steady state of a room's callers
    # (and new rooms stay under rooms.on_demand_per_minute).
    # An on-demand room ends with its last caller, so each room keeps one caller for the run.
    for name, target in (("through Kamailio", PROXY), ("straight to node 1", ("127.0.0.11", 5060))):
        times = []
        rooms = ["lat-%s-%d-%d" % (target[0], k, random.getrandbits(20)) for k in range(5)]
        anchors = [Call(target, room) for room in rooms]
        for anchor in anchors:
            anchor.invite()
        for i in range(runs):
            call = Call(target, rooms[i % len(rooms)])
            status, elapsed = call.invite()
            if status != 200:
                print("  %s: call %d got %d" % (name, i, status))
                continue
            times.append(elapsed * 1000)
            call.bye()
        for anchor in anchors:
            anchor.bye()
        print("INVITE -> 200 %s: %d calls, median %.1f ms, p95 %.1f ms, max %.1f ms"
              % (name, len(times), statistics.median(times), percentile(times, 95), max(times)))


def node_pid(index):
    with open(os.path.join(RUN_DIR, "node-%d.pid" % index)) as f:
        return int(f.read().strip())


def failover(runs):
    results = []
    for run in range(runs):
        room = "drill-%d-%d" % (run, random.getrandbits(20))
        first = Call(PROXY, room)
        status, _ = first.invite()
        if status != 200:
            print("drill %d: first caller got %d" % (run, status))
            continue
        index = int(first.node.rsplit(".", 1)[1]) - 10
        os.kill(node_pid(index), signal.SIGKILL)
        killed = time.monotonic()
        answered = None
        while time.monotonic() - killed < 30:
            call = Call(PROXY, room, timeout=10)
            status, _ = call.invite()
            if status == 200:
                answered = time.monotonic() - killed
                call.bye()
                break
            time.sleep(0.2)
        print("drill %d: node %d killed; %s" % (
            run, index, "200 after %.0f ms" % (answered * 1000) if answered else "no 200 in 30 s"))
        if answered:
            results.append(answered * 1000)
        subprocess.run([os.path.join(ROOT, "deploy", "cluster"), "start-node", str(index)],
                       check=True, stdout=subprocess.DEVNULL)
        time.sleep(2.5)  # Kamailio's probe sees it up again
    if results:
        print("failover kill -> 200: %d drills, median %.0f ms, max %.0f ms, min %.0f ms"
              % (len(results), statistics.median(results), max(results), min(results)))


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("latency", "failover"):
        print(__doc__)
        return 2
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else (100 if sys.argv[1] == "latency" else 20)
    (latency if sys.argv[1] == "latency" else failover)(runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
