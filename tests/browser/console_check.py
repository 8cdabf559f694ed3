#!/usr/bin/python3
"""The web console in a real Chromium, driven by Selenium, against a running mcu.

Run by tests/integration/console_test.cpp, which starts the server, puts two callers in room
`--room` (one sending a tone, one silent) and keeps their RTP flowing while this runs. Each check
says what a user would see go wrong. Exit 0 when all pass; the first failure exits 1 with why.
"""
import argparse
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

WAIT_S = 20  # generous: the server runs under ASan on a machine that may be busy


def rest(base, token, method, path, body=None):
    """The same request over REST, to compare the console with the API."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={'Authorization': 'Bearer ' + token,
                                          'Content-Type': 'application/json'})
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status, json.loads(res.read() or b'null')
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b'null')


class Console:
    def __init__(self, base, profile_dir):
        options = webdriver.ChromeOptions()
        options.binary_location = '/usr/bin/chromium'
        for flag in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
                     '--no-first-run', '--disable-extensions', '--window-size=1280,900',
                     f'--user-data-dir={profile_dir}'):
            options.add_argument(flag)
        options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
        # Downloads land in the profile's own directory, without asking.
        self.downloads = os.path.join(profile_dir, 'downloads')
        os.makedirs(self.downloads, exist_ok=True)
        options.add_experimental_option('prefs', {
            'download.default_directory': self.downloads, 'download.prompt_for_download': False})
        self.driver = webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=options)
        self.driver.execute_cdp_cmd('Browser.setDownloadBehavior',
                                    {'behavior': 'allow', 'downloadPath': self.downloads})
        self.base = base

    def wait(self, what, condition, timeout=WAIT_S):
        # The page redraws on its event stream: an element found a moment ago may be gone, and
        # the condition is then asked again.
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.1,
                                 ignored_exceptions=(StaleElementReferenceException,)).until(
                lambda d: condition())
        except TimeoutException:
            fail(f'{what} (waited {timeout} s); page text:\n{self.text()[:1500]}')

    def click(self, what, locate, timeout=WAIT_S):
        """Clicks what locate() finds, finding it again if the page redrew it in between (a
        click that raises 'stale' did not happen, so trying again cannot act twice)."""
        def attempt():
            element = locate()
            if element is None:
                return False
            try:
                element.click()
                return True
            except StaleElementReferenceException:
                return False
        self.wait(what, attempt, timeout)

    def text(self):
        try:
            return self.driver.find_element(By.TAG_NAME, 'body').text
        except Exception:  # pylint: disable=broad-except
            return '(no page)'

    def find(self, css):
        found = self.driver.find_elements(By.CSS_SELECTOR, css)
        return found[0] if found else None

    def find_all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def shot(self, directory, name):
        self.driver.save_screenshot(os.path.join(directory, name + '.png'))

    def sign_in(self, token):
        self.driver.get(self.base + '/')
        self.wait('the sign-in form appears', lambda: self.find('input[name=token]'))
        # Keyboard only: the token field has focus, Enter submits.
        active = self.driver.switch_to.active_element
        if active.get_attribute('name') != 'token':
            fail('the token field does not have focus on the sign-in page')
        active.send_keys(token)
        active.send_keys(Keys.ENTER)

    def severe_logs(self):
        """Script errors and policy (CSP) violations; refused requests are the checks' own."""
        return [e for e in self.driver.get_log('browser')
                if e['level'] == 'SEVERE' and e.get('source') != 'network']

    def quit(self):
        self.driver.quit()


def fail(why):
    print('FAIL: ' + why, flush=True)
    sys.exit(1)


def check(ok, why):
    if not ok:
        fail(why)


def step(text):
    print('step: ' + text, flush=True)


def button_in(row, label):
    """The button of a row with that label, or None (no row, or no such button yet)."""
    if row is None:
        return None
    return next((b for b in row.find_elements(By.TAG_NAME, 'button') if b.text == label), None)


def row_of(console, participant_id):
    return console.find(f'tr[data-participant="{participant_id}"]')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--url', required=True)
    parser.add_argument('--admin', required=True)
    parser.add_argument('--viewer', required=True)
    parser.add_argument('--room', required=True)
    parser.add_argument('--talker', required=True, help='participant id sending a tone')
    parser.add_argument('--silent', required=True, help='participant id sending silence')
    parser.add_argument('--screenshots', required=True, help='directory for one PNG per page')
    parser.add_argument('--heard', required=True,
                        help='a file the test writes once it has listened to the muted talker')
    args = parser.parse_args()
    base, room = args.url, args.room

    with tempfile.TemporaryDirectory(prefix='mcu-console-') as profile:
        console = Console(base, os.path.join(profile, 'admin'))
        try:
            admin_checks(console, args, base, room)
        finally:
            console.quit()
        console = Console(base, os.path.join(profile, 'viewer'))
        try:
            viewer_checks(console, args, base, room)
        finally:
            console.quit()
    print('PASS', flush=True)


def admin_checks(c, args, base, room):
    step('a wrong token is refused on the sign-in form')
    c.sign_in('mcu_not_a_token')
    c.wait('the refusal is shown', lambda: 'unknown or revoked' in c.text())
    check(c.find('input[name=token]') is not None, 'the sign-in form went away after a refusal')

    c.shot(args.screenshots, 'chromium-sign-in')
    step('an admin token signs in and the rooms list is live')
    c.sign_in(args.admin)
    c.wait('"signed in as admin" is shown', lambda: 'signed in as admin' in c.text())
    c.wait(f'room {room} shows its 2 callers',
           lambda: (cell := c.find(f'tr[data-room="{room}"] [data-col="participants"]'))
           and cell.text == '2')
    c.wait('the event stream is live', lambda: c.find('#live').text == 'live')
    c.shot(args.screenshots, 'chromium-rooms')

    step('a bad room name gets the API\'s own message next to the name field')
    status, problem = rest(base, args.admin, 'POST', '/v1/rooms', {'name': 'bad name!'})
    check(status == 422 and problem.get('field') == 'name', f'the API answered {status} {problem}')
    form = c.find('form[aria-label="New room"]')
    form.find_element(By.NAME, 'name').send_keys('bad name!')
    form.find_element(By.CSS_SELECTOR, 'button[type=submit]').click()
    error = form.find_element(By.CSS_SELECTOR, '[data-error-for="name"]')
    c.wait('the name field shows the API\'s detail', lambda: error.text == problem['detail'])
    check(form.find_element(By.NAME, 'name').get_attribute('aria-invalid') == 'true',
          'the bad field is not marked aria-invalid')

    step('a room created in the console exists in the API')
    name = form.find_element(By.NAME, 'name')
    name.clear()
    name.send_keys('made-in-browser')
    form.find_element(By.NAME, 'max_participants').send_keys('7')
    form.find_element(By.CSS_SELECTOR, 'button[type=submit]').click()
    c.wait('the new room is listed', lambda: c.find('tr[data-room="made-in-browser"]'))
    status, made = rest(base, args.admin, 'GET', '/v1/rooms/made-in-browser')
    check(status == 200 and made['max_participants'] == 7, f'the API has {status} {made}')

    step('the room page shows both callers, who talks and how loud')
    c.click('the room\'s link in the list', lambda: c.find(f'tr[data-room="{room}"] a'))
    c.wait('both participants are listed',
           lambda: row_of(c, args.talker) and row_of(c, args.silent))
    c.wait('the tone caller\'s talking light is on',
           lambda: 'on' in row_of(c, args.talker).find_element(By.CSS_SELECTOR, '.talk')
           .get_attribute('class'))
    c.wait('the tone caller\'s meter moves', lambda: float(
        row_of(c, args.talker).find_element(By.TAG_NAME, 'meter').get_attribute('value')) > 20)
    silent = row_of(c, args.silent)
    check('on' not in silent.find_element(By.CSS_SELECTOR, '.talk').get_attribute('class'),
          'the silent caller is shown talking')
    check(float(silent.find_element(By.TAG_NAME, 'meter').get_attribute('value')) < 10,
          'the silent caller\'s meter is up')

    step('Mute mutes the caller, and the row says so from the event stream')
    c.click('the talker\'s Mute button', lambda: button_in(row_of(c, args.talker), 'Mute'))
    c.wait('the API has the caller muted', lambda: rest(
        base, args.admin, 'GET', f'/v1/rooms/{room}/participants/{args.talker}')[1]['muted'])
    c.wait('the row says muted', lambda: 'muted' in row_of(c, args.talker).text)
    # The test listens to the silent caller now: the talker must be gone from what it hears.
    c.wait('the test has listened to the muted talker', lambda: os.path.exists(args.heard), 60)
    c.shot(args.screenshots, 'chromium-room')

    step('a role set in the console is the caller\'s role')
    Select(row_of(c, args.talker).find_element(By.CSS_SELECTOR, 'select[aria-label=role]')) \
        .select_by_value('moderator')
    c.click('the talker\'s Set role button', lambda: button_in(row_of(c, args.talker), 'Set role'))
    c.wait('the API has the caller as moderator', lambda: rest(
        base, args.admin, 'GET', f'/v1/rooms/{room}/participants/{args.talker}')[1]['role']
        == 'moderator')
    c.wait('the row says moderator', lambda: 'moderator' in row_of(c, args.talker).text)

    step('Lock locks the room')
    c.click('the Lock button', lambda: next((b for b in c.find_all('button') if b.text == 'Lock'),
                                            None))
    c.wait('the API has the room locked',
           lambda: rest(base, args.admin, 'GET', f'/v1/rooms/{room}')[1]['locked'])
    c.wait('the button now unlocks', lambda: any(b.text == 'Unlock' for b in c.find_all('button')))

    step('Record records the room, Stop recording ends it, and the recording is listed')
    c.click('the Record button', lambda: next((b for b in c.find_all('button')
                                               if b.text == 'Record'), None))
    c.wait('the API has the room recording', lambda: any(
        r['state'] == 'recording' for r in
        rest(base, args.admin, 'GET', f'/v1/recordings?room={room}')[1]['items']))
    c.wait('the button now stops it',
           lambda: any(b.text == 'Stop recording' for b in c.find_all('button')))
    c.click('the Stop recording button', lambda: next((b for b in c.find_all('button')
                                                       if b.text == 'Stop recording'), None))
    c.wait('the API has the recording done', lambda: [
        r['state'] for r in
        rest(base, args.admin, 'GET', f'/v1/recordings?room={room}')[1]['items']] == ['done'])
    c.wait('the recording is listed done, with its length and a Download button',
           lambda: (row := c.find('table.recordings tr[data-recording]'))
           and 'done (stopped)' in row.text and ' s' in row.text
           and any(b.text == 'Download' for b in row.find_elements(By.TAG_NAME, 'button')))
    c.wait('the button records again', lambda: any(b.text == 'Record' for b in c.find_all('button')))
    c.click('the recording\'s Download button', lambda: next(
        (b for b in c.find_all('table.recordings button') if b.text == 'Download'), None))
    recorded = rest(base, args.admin, 'GET', f'/v1/recordings?room={room}')[1]['items'][0]
    saved = os.path.join(c.downloads, f'{room}-{recorded["id"]}.ogg')
    c.wait('the download is saved whole', lambda: os.path.exists(saved)
           and os.path.getsize(saved) == recorded['size_bytes'])
    with open(saved, 'rb') as audio:
        check(audio.read(4) == b'OggS', 'the download is not an Ogg file')

    step('a bad PIN is refused next to the PIN field')
    pin_form = c.find('form[aria-label="PIN"]')
    pin_form.find_element(By.NAME, 'pin').send_keys('12')
    pin_form.find_element(By.CSS_SELECTOR, 'button[type=submit]').click()
    c.wait('the PIN field shows the API\'s refusal', lambda: pin_form.find_element(
        By.CSS_SELECTOR, '[data-error-for="pin"]').text != '')

    step('Kick ends the silent caller\'s call and the row goes')
    c.click('the silent caller\'s Kick button', lambda: button_in(row_of(c, args.silent), 'Kick'))
    c.wait('the kicked caller\'s row is gone', lambda: row_of(c, args.silent) is None)

    step('the history lists calls and draws them')
    c.click('the History link', lambda: c.find('#nav a[href="#/history"]'))
    c.wait('the kicked call is listed with its reason', lambda: 'kicked' in c.text())
    c.wait('the callers chart has a line', lambda: c.find('figure.chart svg path.series'))
    c.wait('the loss and jitter charts have points',
           lambda: len(c.find_all('figure.chart svg circle.series')) >= 2)
    c.shot(args.screenshots, 'chromium-history')
    history_filter(c, room)

    step('no token in any URL the page fetched, and no script error')
    urls = c.driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    check(any('/v1/events?ticket=' in u for u in urls), f'no ticketed event stream in {urls}')
    leaked = [u for u in urls if args.admin in u]
    check(not leaked, f'the token is in a URL: {leaked}')
    errors = c.severe_logs()
    check(not errors, f'the browser logged errors: {errors}')


def history_filter(c, room):
    step('the history filters by room')
    form = c.find('form[aria-label="Filters"]')
    form.find_element(By.NAME, 'room').send_keys('nowhere')
    form.find_element(By.CSS_SELECTOR, 'button[type=submit]').click()
    c.wait('an unknown room has no calls', lambda: 'No calls match.' in c.text())
    form = c.find('form[aria-label="Filters"]')
    field = form.find_element(By.NAME, 'room')
    field.clear()
    field.send_keys(room)
    form.find_element(By.CSS_SELECTOR, 'button[type=submit]').click()
    c.wait(f'room {room}\'s calls are back', lambda: 'kicked' in c.text())


def viewer_checks(c, args, base, room):
    step('a viewer sees rooms and callers but no acting controls, on a phone-sized screen')
    c.driver.set_window_size(375, 740)
    c.sign_in(args.viewer)
    c.wait('"signed in as viewer" is shown', lambda: 'signed in as viewer' in c.text())
    c.wait(f'room {room} is listed', lambda: c.find(f'tr[data-room="{room}"]'))
    check(not c.find('form[aria-label="New room"]').is_displayed(),
          'a viewer is shown the new-room form')
    overflow = c.driver.execute_script(
        'return document.documentElement.scrollWidth - window.innerWidth')
    check(overflow <= 1, f'the rooms page is {overflow} px wider than a phone screen')
    c.driver.get(f'{base}/#/rooms/{room}')
    c.wait('the talker is listed', lambda: row_of(c, args.talker))
    buttons = [b for b in row_of(c, args.talker).find_elements(By.TAG_NAME, 'button')
               if b.is_displayed()]
    check(not buttons, f'a viewer is shown {[b.text for b in buttons]}')
    c.wait('the room\'s recording is listed to the viewer, with a Download button',
           lambda: (row := c.find('table.recordings tr[data-recording]'))
           and any(b.text == 'Download' and b.is_displayed()
                   for b in row.find_elements(By.TAG_NAME, 'button')))
    shown = [b.text for b in c.find_all('button')
             if b.text in ('Record', 'Stop recording') and b.is_displayed()]
    check(not shown, f'a viewer is shown {shown}')
    overflow = c.driver.execute_script(
        'return document.documentElement.scrollWidth - window.innerWidth')
    check(overflow <= 1, f'the room page is {overflow} px wider than a phone screen')
    c.shot(args.screenshots, 'chromium-phone-room')
    step('a write forged with the viewer\'s token is refused 403')
    status = c.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        f"fetch('/v1/rooms/{room}', {{method: 'PATCH', headers: {{"
        "'Authorization': 'Bearer ' + sessionStorage.getItem('mcu.token'),"
        "'Content-Type': 'application/json'}, body: '{\"locked\":false}'})"
        ".then(r => done(r.status), e => done(String(e)));")
    check(status == 403, f'a viewer\'s PATCH got {status}')
    step('keyboard: Tab reaches the navigation links')
    body = c.find('body')
    body.send_keys(Keys.TAB)
    reached = set()
    for _ in range(12):
        active = c.driver.switch_to.active_element
        reached.add(active.get_attribute('href') or active.tag_name)
        active.send_keys(Keys.TAB)
    check(any(r and r.endswith('#/history') for r in reached),
          f'Tab never reached the History link: {reached}')
    errors = c.severe_logs()
    check(not errors, f'the browser logged errors: {errors}')


if __name__ == '__main__':
    main()
