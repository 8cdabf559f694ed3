#!/usr/bin/env python3
"""Integrator load runs (issue 12), by hand against a running mcu on 127.0.0.1, from this
separate process over real SIP:

  fanout  SUBS subscribers to RFC 4575 events of one room while callers join it every 100 ms
          for SECONDS (then hang up). Prints NOTIFYs and bytes received per second and the
          server's CPU (from /proc) for the run; run it with SUBS=0 too, the difference is
          what the NOTIFYs cost.
  refer   RUNS out-of-dialog REFERs to the room, each naming a UAS of ours, one after the
          other: the time from sending the REFER to its INVITE reaching the UAS (median, p99).
          The server needs sip.refer_sources and dialout.allow = 127.0.0.1.

  lines   CALLERS callers in one room, LINES per dialog (a trunk's dialogs of several m= lines,
          or LINES=1: a dialog each), every caller sending 20 ms PCMU RTP for SECONDS: the
          server's CPU per participant-second, to compare the two.

  tests/load/integrator_run.py fanout SIP_PORT MCU_PID [SUBS=100] [SECONDS=20]
  tests/load/integrator_run.py refer  SIP_PORT MCU_PID [RUNS=100]
  tests/load/integrator_run.py lines  SIP_PORT MCU_PID [CALLERS=100] [LINES=4] [SECONDS=20]

Bounded: a fixed count of requests, every wait has a timeout. Loopback only.
"""
import os
import re
import selectors
import socket
import statistics
import sys
import time
import uuid

HOST = "127.0.0.1"


def token():
    return uuid.uuid4().hex[:12]


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def header(message, name):
    m = re.search(rf"^{name}:\s*(.*?)\r?$", message, re.M | re.I)
    return m.group(1) if m else ""


def response(request, status, phrase, extra=""):
    return (f"SIP/2.0 {status} {phrase}\r\nVia: {header(request, 'Via')}\r\n"
            f"From: {header(request, 'From')}\r\nTo: {header(request, 'To')}"
            f"{'' if ';tag=' in header(request, 'To') else ';tag=' + token()}\r\n"
            f"Call-ID: {header(request, 'Call-ID')}\r\nCSeq: {header(request, 'CSeq')}\r\n"
            f"{extra}Content-Length: 0\r\n\r\n")


class Agent:
    """One UDP SIP endpoint: sends requests, answers the server's requests 200."""

    def __init__(self, server_port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((HOST, 0))
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]
        self.server = (HOST, server_port)
        self.call_id = f"{token()}@{HOST}"
        self.tag = token()
        self.to_tag = ""
        self.cseq = 1

    def request(self, method, ruri, headers="", body="", content_type="application/sdp"):
        to_tag = f";tag={self.to_tag}" if self.to_tag else ""
        text = (f"{method} {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP {HOST}:{self.port};rport;"
                f"branch=z9hG4bK{token()}\r\nMax-Forwards: 70\r\n"
                f"From: <sip:load@{HOST}>;tag={self.tag}\r\nTo: <{ruri}>{to_tag}\r\n"
                f"Call-ID: {self.call_id}\r\nCSeq: {self.cseq} {method}\r\n"
                f"Contact: <sip:load@{HOST}:{self.port}>\r\n{headers}")
        if body:
            text += f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n{body}"
        else:
            text += "Content-Length: 0\r\n\r\n"
        self.cseq += 1
        self.sock.sendto(text.encode(), self.server)

    def take_dialog(self, message, ruri):
        """The first 2xx to our INVITE: the dialog's tag, and ACK. True the first time."""
        if self.to_tag:
            return False
        self.to_tag = re.search(r"tag=([^;>\s]+)", header(message, "To")).group(1)
        self.request("ACK", ruri)
        return True

    def receive(self):
        try:
            data, _ = self.sock.recvfrom(65535)
        except BlockingIOError:
            return None
        return data.decode(errors="replace")


def hang_up(agents, ruri, selector, on_message, wait_s):
    """BYE on every dialog that was answered, then their answers for `wait_s`."""
    for agent in agents:
        if agent.to_tag:
            agent.request("BYE", ruri)
    pump(selector, time.monotonic() + wait_s, on_message)


def pump(selector, until, on_message):
    while time.monotonic() < until:
        for key, _ in selector.select(timeout=max(0.0, min(0.05, until - time.monotonic()))):
            agent = key.data
            while (message := agent.receive()) is not None:
                on_message(agent, message)


def sdp(port):
    return (f"v=0\r\no=load 1 1 IN IP4 {HOST}\r\ns=-\r\nc=IN IP4 {HOST}\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")


def fanout(server_port, pid, subs, seconds):
    room = f"sip:fanout@{HOST}:{server_port}"
    selector = selectors.DefaultSelector()
    stats = {"notifies": 0, "bytes": 0, "answered": 0}
    callers = []

    def on_message(agent, message):
        first = message.split("\r\n", 1)[0]
        if first.startswith("NOTIFY "):
            stats["notifies"] += 1
            stats["bytes"] += len(message.encode())
            agent.sock.sendto(response(message, 200, "OK").encode(), agent.server)
        elif first.startswith("SIP/2.0 2") and "INVITE" in header(message, "CSeq"):
            if agent.take_dialog(message, room):
                stats["answered"] += 1
        elif first.startswith("SIP/2.0 2") and "SUBSCRIBE" in header(message, "CSeq"):
            agent.to_tag = re.search(r"tag=([^;>\s]+)", header(message, "To")).group(1)
        elif not first.startswith("SIP/2.0"):
            agent.sock.sendto(response(message, 200, "OK").encode(), agent.server)

    def join():
        caller = Agent(server_port)
        selector.register(caller.sock, selectors.EVENT_READ, caller)
        caller.request("INVITE", room, body=sdp(40000 + 2 * len(callers)))
        callers.append(caller)

    join()  # the room exists from its first caller on
    pump(selector, time.monotonic() + 1.0, on_message)
    for _ in range(subs):
        sub = Agent(server_port)
        selector.register(sub.sock, selectors.EVENT_READ, sub)
        sub.request("SUBSCRIBE", room, "Event: conference\r\nExpires: 600\r\n")
    pump(selector, time.monotonic() + 2.0, on_message)
    stats.update(notifies=0, bytes=0)
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    for _ in range(int(seconds * 10)):
        join()
        pump(selector, time.monotonic() + 0.1, on_message)
    pump(selector, time.monotonic() + 1.0, on_message)  # the last NOTIFYs of the joins
    cpu1, t1 = cpu_seconds(pid), time.monotonic()
    joined = stats["answered"]
    print(f"fanout subs={subs} joins={int(seconds * 10)} answered={joined} over {t1 - t0:.1f} s: "
          f"server cpu {cpu1 - cpu0:.2f} s ({100 * (cpu1 - cpu0) / (t1 - t0):.1f} % of a core), "
          f"notifies {stats['notifies']} ({stats['notifies'] / (t1 - t0):.0f}/s), "
          f"{stats['bytes'] / (t1 - t0) / 1000:.1f} kB/s, "
          f"{stats['bytes'] / max(1, stats['notifies']):.0f} B/notify")
    hang_up(callers, room, selector, on_message, 3.0)


def refer(server_port, pid, runs):
    room = f"sip:referload@{HOST}:{server_port}"
    selector = selectors.DefaultSelector()
    keeper = Agent(server_port)  # keeps the (on-demand) room alive
    selector.register(keeper.sock, selectors.EVENT_READ, keeper)
    uas = Agent(server_port)
    selector.register(uas.sock, selectors.EVENT_READ, uas)
    state = {"invite_at": None}

    def on_message(agent, message):
        first = message.split("\r\n", 1)[0]
        if agent is uas and first.startswith("INVITE "):
            if state["invite_at"] is None:
                state["invite_at"] = time.monotonic()
            agent.sock.sendto(response(message, 486, "Busy Here").encode(), agent.server)
        elif first.startswith("SIP/2.0 2") and "INVITE" in header(message, "CSeq"):
            agent.take_dialog(message, room)
        elif not first.startswith("SIP/2.0") and not first.startswith("ACK "):
            agent.sock.sendto(response(message, 200, "OK").encode(), agent.server)

    keeper.request("INVITE", room, body=sdp(41000))
    pump(selector, time.monotonic() + 1.0, on_message)
    latencies = []
    cpu0 = cpu_seconds(pid)
    for _ in range(runs):
        referrer = Agent(server_port)
        selector.register(referrer.sock, selectors.EVENT_READ, referrer)
        state["invite_at"] = None
        sent = time.monotonic()
        referrer.request("REFER", room, f"Refer-To: <sip:carol@{HOST}:{uas.port}>\r\n")
        until = sent + 5.0
        while state["invite_at"] is None and time.monotonic() < until:
            pump(selector, time.monotonic() + 0.005, on_message)
        if state["invite_at"] is not None:
            latencies.append(1000 * (state["invite_at"] - sent))
        pump(selector, time.monotonic() + 0.05, on_message)  # NOTIFYs, ACK of the 486
        selector.unregister(referrer.sock)
        referrer.sock.close()
    cpu1 = cpu_seconds(pid)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] if latencies else 0
    print(f"refer runs={runs} invites={len(latencies)}: REFER -> INVITE median "
          f"{statistics.median(latencies) if latencies else 0:.2f} ms, p99 {p99:.2f} ms, "
          f"max {latencies[-1] if latencies else 0:.2f} ms; server cpu {cpu1 - cpu0:.2f} s")
    hang_up([keeper], room, selector, on_message, 1.0)


def lines_sdp(ports):
    sdp = f"v=0\r\no=load 1 1 IN IP4 {HOST}\r\ns=-\r\nc=IN IP4 {HOST}\r\nt=0 0\r\n"
    for port in ports:
        sdp += f"m=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=rtcp-mux\r\n"
    return sdp


def lines(server_port, pid, callers, per_dialog, seconds):
    room = f"sip:lines@{HOST}:{server_port}"
    selector = selectors.DefaultSelector()
    media = []  # (socket, server port) per caller, once answered

    def on_message(agent, message):
        first = message.split("\r\n", 1)[0]
        if first.startswith("SIP/2.0 200") and "INVITE" in header(message, "CSeq"):
            if agent.take_dialog(message, room):
                ports = [int(p) for p in re.findall(r"^m=audio (\d+)", message, re.M)]
                media.extend((sock, port) for sock, port in zip(agent.rtp, ports) if port)
        elif not first.startswith("SIP/2.0"):
            agent.sock.sendto(response(message, 200, "OK").encode(), agent.server)

    dialogs = []
    for _ in range(callers // per_dialog):
        trunk = Agent(server_port)
        trunk.rtp = []
        for _ in range(per_dialog):
            rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            rtp.bind((HOST, 0))
            rtp.setblocking(False)
            trunk.rtp.append(rtp)
        selector.register(trunk.sock, selectors.EVENT_READ, trunk)
        trunk.request("INVITE", room, body=lines_sdp([r.getsockname()[1] for r in trunk.rtp]))
        dialogs.append(trunk)
        pump(selector, time.monotonic() + 0.02, on_message)
    pump(selector, time.monotonic() + 2.0, on_message)
    print(f"lines: {len(media)} callers answered in {len(dialogs)} dialogs of {per_dialog}")
    # 20 ms of a quiet PCMU tone-ish pattern (not silence: callers must be decoded and mixed).
    payload = bytes((0x80 + (i * 37) % 40) for i in range(160))
    seq, ts, ssrc = 0, 0, 0x1234
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    next_at = t0
    while time.monotonic() - t0 < seconds:
        for i, (sock, port) in enumerate(media):
            header_bytes = bytes([0x80, 0x00]) + seq.to_bytes(2, "big") + ts.to_bytes(4, "big") + \
                (ssrc + i).to_bytes(4, "big")
            try:
                sock.sendto(header_bytes + payload, (HOST, port))
            except BlockingIOError:
                pass
            try:
                while sock.recv(2048):
                    pass
            except BlockingIOError:
                pass
        seq, ts = (seq + 1) & 0xFFFF, (ts + 160) & 0xFFFFFFFF
        next_at += 0.02
        pump(selector, next_at, on_message)
    cpu1, t1 = cpu_seconds(pid), time.monotonic()
    participant_seconds = len(media) * (t1 - t0)
    print(f"lines callers={len(media)} per_dialog={per_dialog} over {t1 - t0:.1f} s: server cpu "
          f"{cpu1 - cpu0:.2f} s = {1000 * (cpu1 - cpu0) / participant_seconds:.3f} ms per "
          f"participant-second")
    hang_up(dialogs, room, selector, on_message, 2.0)


def main():
    mode, port, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    if mode == "fanout":
        fanout(port, pid, int(sys.argv[4]) if len(sys.argv) > 4 else 100,
               float(sys.argv[5]) if len(sys.argv) > 5 else 20)
    elif mode == "refer":
        refer(port, pid, int(sys.argv[4]) if len(sys.argv) > 4 else 100)
    elif mode == "lines":
        lines(port, pid, int(sys.argv[4]) if len(sys.argv) > 4 else 100,
              int(sys.argv[5]) if len(sys.argv) > 5 else 4,
              float(sys.argv[6]) if len(sys.argv) > 6 else 20)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
