"""A small WebDriver BiDi client for Firefox: Debian 12 packages Firefox ESR but no geckodriver,
and Firefox speaks BiDi itself (--remote-debugging-port). Enough to load a page, run script in
it and collect its JavaScript errors."""
import base64
import json
import subprocess
import time

import websocket


class Firefox:
    def __init__(self, profile_dir, port):
        self.process = subprocess.Popen(
            ['/usr/bin/firefox-esr', '--headless', '--no-remote', '--profile', profile_dir,
             '--remote-debugging-port', str(port), 'about:blank'],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.ws = None
        deadline = time.monotonic() + 60
        while self.ws is None:
            try:
                # No Origin header: Firefox refuses a handshake that names one.
                self.ws = websocket.create_connection(f'ws://127.0.0.1:{port}/session',
                                                      timeout=30, suppress_origin=True)
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError('Firefox did not open its BiDi port') from None
                time.sleep(0.2)
        self.next_id = 0
        self.errors = []
        self.command('session.new', {'capabilities': {}})
        self.command('session.subscribe', {'events': ['log.entryAdded']})
        contexts = self.command('browsingContext.getTree', {})['contexts']
        self.context = contexts[0]['context']

    def command(self, method, params):
        self.next_id += 1
        self.ws.send(json.dumps({'id': self.next_id, 'method': method, 'params': params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get('method') == 'log.entryAdded':
                entry = message['params']
                if entry.get('level') == 'error' and entry.get('type') == 'javascript':
                    self.errors.append(entry.get('text'))
                continue
            if message.get('id') == self.next_id:
                if message.get('type') == 'error':
                    raise RuntimeError(f'{method}: {message}')
                return message['result']

    def navigate(self, url):
        self.command('browsingContext.navigate',
                     {'context': self.context, 'url': url, 'wait': 'complete'})

    def run(self, expression):
        """The value of a JavaScript expression in the page (promises awaited)."""
        result = self.command('script.evaluate', {
            'expression': expression, 'target': {'context': self.context},
            'awaitPromise': True})
        if result.get('type') == 'exception':
            raise RuntimeError(f'{expression}: {result["exceptionDetails"]["text"]}')
        return result['result'].get('value')

    def screenshot(self, path):
        data = self.command('browsingContext.captureScreenshot', {'context': self.context})['data']
        with open(path, 'wb') as out:
            out.write(base64.b64decode(data))

    def quit(self):
        try:
            self.command('session.end', {})
        except Exception:  # pylint: disable=broad-except
            pass
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
