#!/usr/bin/python3
"""The web console in Firefox ESR, driven over WebDriver BiDi (firefox_bidi.py), against a running
mcu with callers in `--room`: sign-in, the live rooms list, the room's talking light and level
meter from the event stream, a mute, and the history charts. The full walk-through runs in
Chromium (console_check.py); this one shows the same page works in the other engine."""
import argparse
import json
import os
import socket
import sys
import tempfile
import time

from console_check import rest
from firefox_bidi import Firefox

WAIT_S = 30  # Firefox starts slower than Chromium, and the server runs under ASan


def fail(why, ff=None):
    text = ''
    if ff is not None:
        try:
            text = ff.run('document.body.innerText')[:1500]
        except Exception:  # pylint: disable=broad-except
            pass
    print(f'FAIL: {why}\npage text:\n{text}', flush=True)
    sys.exit(1)


def wait(ff, what, expression):
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if ff.run(expression):
            return
        time.sleep(0.1)
    fail(f'{what} (waited {WAIT_S} s)', ff)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    for name in ('url', 'admin', 'room', 'talker', 'screenshots'):
        parser.add_argument('--' + name, required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix='mcu-firefox-') as profile:
        ff = Firefox(profile, free_port())
        try:
            checks(ff, args)
        finally:
            ff.quit()
    print('PASS', flush=True)


def checks(ff, args):
    base, room, talker = args.url, args.room, args.talker
    row = f'document.querySelector(\'tr[data-participant="{talker}"]\')'
    print('step: sign in', flush=True)
    ff.navigate(base + '/')
    wait(ff, 'the sign-in form appears', "document.querySelector('input[name=token]') !== null")
    ff.run("(() => { const f = document.querySelector('form');"
           f" f.elements.token.value = {json.dumps(args.admin)}; f.requestSubmit(); }})()")
    wait(ff, '"signed in as admin" is shown',
         "document.body.innerText.includes('signed in as admin')")
    print('step: the rooms list is live', flush=True)
    wait(ff, f'room {room} shows its callers',
         f'(document.querySelector(\'tr[data-room="{room}"] [data-col="participants"]\')'
         "|| {}).textContent === '2'")
    wait(ff, 'the event stream is live', "document.querySelector('#live').textContent === 'live'")
    print('step: the room page shows who talks and how loud', flush=True)
    ff.run(f"location.hash = '#/rooms/{room}'")
    wait(ff, 'the talker is listed', f'{row} !== null')
    wait(ff, 'the talking light is on', f"{row}.querySelector('.talk').classList.contains('on')")
    wait(ff, 'the meter moves', f"{row}.querySelector('meter').value > 20")
    ff.screenshot(os.path.join(args.screenshots, 'firefox-room.png'))
    print('step: mute', flush=True)
    ff.run(f"[...{row}.querySelectorAll('button')].find(b => b.textContent === 'Mute').click()")
    deadline = time.monotonic() + WAIT_S
    while not rest(base, args.admin, 'GET', f'/v1/rooms/{room}/participants/{talker}')[1]['muted']:
        if time.monotonic() > deadline:
            fail('the API never had the caller muted', ff)
        time.sleep(0.2)
    wait(ff, 'the row says muted', f"{row}.innerText.includes('muted')")
    print('step: history charts', flush=True)
    ff.run("location.hash = '#/history'")
    wait(ff, 'the callers chart has a line',
         "document.querySelector('figure.chart svg path.series') !== null")
    ff.screenshot(os.path.join(args.screenshots, 'firefox-history.png'))
    if ff.errors:
        fail(f'Firefox logged JavaScript errors: {ff.errors}', ff)


if __name__ == '__main__':
    main()
