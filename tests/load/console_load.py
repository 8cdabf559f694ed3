#!/usr/bin/python3
"""What one open web console costs and how fast it shows a big room (issue 17's measurements).

Run against a server with a room already full (deploy/local bench-console starts one and fills a
room with sip_crowd): Chromium opens the console, signs in and opens the room. Prints one line of
key=value:
  first_paint_ms     first contentful paint of the console page
  room_rows_ms       from opening the room to its table listing every caller
  live_levels_ms     from opening the room to the first meter that moves
  sse_msgs_per_s     levels messages a second on a stream like the console's (read by curl here)
  sse_kb_per_s       their size
  rest_per_min       REST requests the open room page made in the measured window, per minute
  browser_cpu_pct    Chromium's CPU (all its processes) with the room open, % of one core
  server_cpu_pct_open / server_cpu_pct_closed  the server's CPU with the console open and without
  assets_kb          the console's files as served
"""
import argparse
import json
import os
import subprocess
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

TICKS = os.sysconf('SC_CLK_TCK')


def cpu_seconds(pid):
    with open(f'/proc/{pid}/stat', encoding='ascii') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def descendants(pid):
    out = subprocess.run(['ps', '-e', '-o', 'pid=,ppid='], capture_output=True, text=True,
                         check=True).stdout.split('\n')
    children = {}
    for line in out:
        if line.strip():
            p, pp = map(int, line.split())
            children.setdefault(pp, []).append(p)
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c in children.get(p, []):
            found.append(c)
            todo.append(c)
    return found


def cpu_of(pids):
    total = 0.0
    for p in pids:
        try:
            total += cpu_seconds(p)
        except OSError:
            pass
    return total


def request(base, token, method, path):
    req = urllib.request.Request(base + path, method=method,
                                 headers={'Authorization': 'Bearer ' + token})
    with urllib.request.urlopen(req, timeout=10) as res:
        return json.loads(res.read() or b'null')


def sse_rate(base, token, room, seconds):
    ticket = request(base, token, 'POST', '/v1/events/tickets')['ticket']
    out = subprocess.run(['curl', '-sN', '--max-time', str(seconds),
                          f'{base}/v1/events?ticket={ticket}&levels={room}'],
                         capture_output=True, check=False).stdout
    return out.count(b'event: levels') / seconds, len(out) / 1024 / seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--url', required=True)
    parser.add_argument('--admin', required=True)
    parser.add_argument('--room', required=True)
    parser.add_argument('--server-pid', type=int, required=True)
    parser.add_argument('--seconds', type=int, default=10)
    args = parser.parse_args()
    base, room, window = args.url, args.room, args.seconds
    callers = len(request(base, args.admin, 'GET', f'/v1/rooms/{room}/participants')['items'])

    before = cpu_seconds(args.server_pid)
    time.sleep(window)
    server_closed = (cpu_seconds(args.server_pid) - before) / window * 100

    with tempfile.TemporaryDirectory() as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = '/usr/bin/chromium'
        for flag in ('--headless=new', '--no-sandbox', '--disable-gpu', '--window-size=1280,900',
                     f'--user-data-dir={profile}'):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=options)
        try:
            driver.get(base + '/')
            time.sleep(1)
            paint = driver.execute_script(
                "const p = performance.getEntriesByName('first-contentful-paint')[0];"
                "return p ? p.startTime : null")
            field = driver.switch_to.active_element
            field.send_keys(args.admin)
            field.send_keys(Keys.ENTER)
            while 'signed in' not in driver.find_element(By.ID, 'who').text:
                time.sleep(0.05)
            start = time.monotonic()
            driver.execute_script(f"location.hash = '#/rooms/{room}'")
            rows_ms = levels_ms = None
            while time.monotonic() - start < 60 and (rows_ms is None or levels_ms is None):
                state = driver.execute_script(
                    "return [document.querySelectorAll('tr[data-participant]').length,"
                    " [...document.querySelectorAll('tr[data-participant] meter')]"
                    "   .some(m => m.value > 0)]")
                now_ms = (time.monotonic() - start) * 1000
                if rows_ms is None and state[0] >= callers:
                    rows_ms = now_ms
                if levels_ms is None and state[1]:
                    levels_ms = now_ms
                time.sleep(0.02)
            time.sleep(2)
            driver.execute_script('performance.clearResourceTimings()')
            browser = [driver.service.process.pid] + descendants(driver.service.process.pid)
            b0, s0 = cpu_of(browser), cpu_seconds(args.server_pid)
            time.sleep(window)
            browser_cpu = (cpu_of(browser) - b0) / window * 100
            server_open = (cpu_seconds(args.server_pid) - s0) / window * 100
            rest = driver.execute_script(
                "return performance.getEntriesByType('resource')"
                ".filter(e => e.name.includes('/v1/') && !e.name.includes('/v1/events?')).length")
        finally:
            driver.quit()
    msgs, kb = sse_rate(base, args.admin, room, window)
    assets = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in
                 os.walk(os.path.join(os.path.dirname(__file__), '..', '..', 'api', 'console'))
                 for f in fs) / 1024
    fmt = lambda v: 'none' if v is None else f'{v:.0f}'  # noqa: E731
    print(f'callers={callers} first_paint_ms={fmt(paint)} room_rows_ms={fmt(rows_ms)} '
          f'live_levels_ms={fmt(levels_ms)} sse_msgs_per_s={msgs:.1f} sse_kb_per_s={kb:.1f} '
          f'rest_per_min={rest * 60 / window:.1f} browser_cpu_pct={browser_cpu:.1f} '
          f'server_cpu_pct_open={server_open:.1f} server_cpu_pct_closed={server_closed:.1f} '
          f'assets_kb={assets:.1f}', flush=True)


if __name__ == '__main__':
    main()
