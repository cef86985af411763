// Debian's chromium, driven by playwright-core (never a downloaded browser).
import { chromium } from 'playwright-core';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// A fresh headless browser (playwright gives it a temporary profile).
export function launchChromium() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: 20000 });
}

// Lets `page` (or a browser context) reach `host` ("127.0.0.1:port") only:
// anything else is a test bug, and is aborted.
export function onlyHost(page, host) {
  return page.route('**/*', (route) =>
    (new URL(route.request().url()).host === host ? route.continue() : route.abort()));
}
