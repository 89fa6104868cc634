// What the console's end-to-end tests share: a real faxd started on its own data directory
// and port (two loopback lines), its API called with the admin token, Debian's Chromium driven
// by playwright-core, sign-in through the console's own form, a recorder of what an element
// shows over time, and screenshots at desktop and phone widths.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '../../../..');
const CI = process.env.CI === 'true';

/** Where the screenshots go (looked at after the run; the README's are copied from there). */
export const shots = process.env.CONSOLE_SCREENSHOTS || join(repo, 'target', 'console-screenshots');

/** A peer this test needs: missing, it fails the test on CI and skips it elsewhere. */
export function needs(t, what, present, install) {
  if (present) return true;
  const message = `${what} is missing (${install})`;
  if (CI) throw new Error(message);
  t.skip(message);
  return false;
}

export const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

function faxdPath() {
  const p = process.env.FAXD_BIN || join(repo, 'target', 'debug', 'faxd');
  if (!existsSync(p)) throw new Error(`no faxd at ${p}: build it first (cargo build -p ferrofax-server), or set FAXD_BIN`);
  return p;
}

async function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A faxd of its own: loopback lines `loop1` (sends) and `loop2` (answers), `speed` times a
 * real line. Stop it with `stop()`. */
export async function startFaxd({ speed = 4 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ferrofax-console-'));
  const data = join(dir, 'data');
  const port = await freePort();
  const config = join(dir, 'faxd.toml');
  writeFileSync(config, `listen = "127.0.0.1:${port}"
data_dir = "${data}"

[[lines]]
id = "loop1"
driver = "loopback"
peer = "loop2"
speed = ${speed}
ring_seconds = 0.5
tsid = "+1 555 0100"
csid = "+1 555 0100"
receive = false
busy_numbers = ["666"]

[[lines]]
id = "loop2"
driver = "loopback"
peer = "loop1"
speed = ${speed}
ring_seconds = 0.5
send = false
csid = "+1 555 0199"
tsid = "+1 555 0199"
`);
  const bin = faxdPath();
  const log = [];
  const child = spawn(bin, ['--config', config], { env: { ...process.env, FAXD_LOG: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d) => log.push(String(d)));
  child.stderr.on('data', (d) => log.push(String(d)));
  let exited = null;
  child.on('exit', (code) => { exited = code; });
  const url = `http://127.0.0.1:${port}`;
  const tokenFile = join(data, 'admin.token');
  const until = Date.now() + 60_000;
  for (;;) {
    if (exited !== null) throw new Error(`faxd exited with ${exited}:\n${log.join('')}`);
    if (existsSync(tokenFile)) {
      try {
        const token = readFileSync(tokenFile, 'utf8').trim();
        const r = await fetch(`${url}/v1/version`, { headers: { Authorization: `Bearer ${token}` } });
        if (r.ok) break;
      } catch { /* not listening yet */ }
    }
    if (Date.now() > until) throw new Error(`faxd did not start within 60 s:\n${log.join('')}`);
    await sleep(100);
  }
  const admin = readFileSync(tokenFile, 'utf8').trim();
  const faxd = {
    url, data, admin, bin, log,
    /** Calls the API with a token (the admin's unless given); answers {status, body}. */
    async api(method, path, body, token = admin) {
      const headers = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      const r = await fetch(url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await r.text();
      let parsed = text;
      try { parsed = JSON.parse(text); } catch { /* not JSON */ }
      return { status: r.status, body: parsed };
    },
    /** Submits a fax through the API, as the admin: `fax` is the FaxDoc, `document` the
     * file's bytes or text. Answers {status, body}. */
    async submit(fax, document, name) {
      const fd = new FormData();
      fd.append('fax', new Blob([JSON.stringify(fax)], { type: 'application/json' }));
      fd.append('document', new Blob([document]), name);
      const r = await fetch(`${url}/v1/jobs`, { method: 'POST', headers: { Authorization: `Bearer ${admin}` }, body: fd });
      return { status: r.status, body: await r.json() };
    },
    /** Sets a user's password with `faxd user passwd`, as an administrator would. */
    setPassword(user, password) {
      const r = spawnSync(bin, ['user', 'passwd', user, '--data-dir', data], { input: `${password}\n`, env: { ...process.env, FAXD_LOG: 'warn' } });
      if (r.status !== 0) throw new Error(`faxd user passwd ${user}: ${r.stderr}`);
    },
    async stop() {
      if (exited === null) {
        child.kill('SIGTERM');
        for (let i = 0; i < 100 && exited === null; i += 1) await sleep(50);
        if (exited === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return faxd;
}

/** Debian's Chromium, headless, with no network of its own. */
export async function launch() {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

export const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 390, height: 844 };

/** `page`, keeping in `page.errors` what its own scripts got wrong (an API's refusal is also
 * logged by the browser, and is what some tests are after). */
export function watched(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' && !/status of (4|5)\d\d/.test(m.text())) errors.push(`console: ${m.text()}`); });
  page.errors = errors;
  return page;
}

/** A new browser context (its own cookies) with the console open at its sign-in form. */
export async function openConsole(browser, faxd, viewport = DESKTOP) {
  const context = await browser.newContext({ viewport, baseURL: faxd.url, locale: 'en-GB', timezoneId: 'UTC' });
  const page = watched(await context.newPage());
  await page.goto('/');
  return { context, page };
}

/** Runs `body(page, context)` in a browser context of its own, signed in through the form as
 * `user`, then checks that the console's own scripts made no errors. The context is closed
 * whether `body` passes or not. */
export async function signedIn(browser, faxd, { user, password, viewport = DESKTOP }, body) {
  const { context, page } = await openConsole(browser, faxd, viewport);
  try {
    await signIn(page, user, password);
    await body(page, context);
    assert.deepEqual(page.errors, [], 'the console\'s scripts made no errors');
  } finally {
    await context.close();
  }
}

/** Signs in through the console's form with a user name and password. */
export async function signIn(page, user, password) {
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.locator('header.top').waitFor();
}

/** Goes to a console page by its navigation link. */
export async function go(page, name, heading) {
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: heading || name }).waitFor();
}

/** Starts recording, in the page, every text the elements matching `selector` show: each
 * change is kept as it happens (a MutationObserver), so that states that last a moment are
 * seen too. `read()` answers the texts in order, one entry per change. */
export async function record(page, name, selector) {
  await page.evaluate(([name, selector]) => {
    const seen = [];
    let last = '';
    const look = () => {
      const text = [...document.querySelectorAll(selector)].map((e) => e.innerText.replace(/\s+/g, ' ').trim()).join(' | ');
      if (text !== last) { seen.push(text); last = text; }
    };
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    look();
    window.__recorded = window.__recorded || {};
    window.__recorded[name] = seen;
  }, [name, selector]);
  return { read: () => page.evaluate((name) => window.__recorded[name].slice(), name) };
}

/** Saves a screenshot of the whole page as `<name>-<desktop|phone>.png`. */
export async function screenshot(page, name) {
  mkdirSync(shots, { recursive: true });
  const { width } = page.viewportSize();
  const path = join(shots, `${name}-${width < 600 ? 'phone' : 'desktop'}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  return path;
}

/** What axe-core (Deque's accessibility engine) finds against WCAG 2.1 A and AA on the page as
 * it is now: one line per rule broken, with the elements that break it. */
export async function accessibilityProblems(page) {
  // Evaluated through the DevTools protocol, which the console's Content-Security-Policy
  // (no inline script) does not stop.
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }));
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`);
}

/** A PDF of `pages` pages printed by Chromium itself from HTML, each with a heading, text and
 * a table: a document made by a producer no one here wrote. */
export async function chromiumPdf(browser, pages) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const body = Array.from({ length: pages }, (_, i) => `
    <section style="page-break-after: always; font-family: 'DejaVu Sans', sans-serif">
      <h1 style="font-size: 36pt">Page ${i + 1} of ${pages}</h1>
      <p style="font-size: 14pt">${'The quick brown fox jumps over the lazy dog. '.repeat(12)}</p>
      <table border="1" cellpadding="8" style="border-collapse: collapse; font-size: 14pt">
        ${Array.from({ length: 6 }, (_, r) => `<tr>${Array.from({ length: 4 }, (_, c) => `<td>cell ${r + 1}.${c + 1}</td>`).join('')}</tr>`).join('')}
      </table>
      <div style="margin-top: 2cm; width: ${4 + i * 3}cm; height: 3cm; background: black"></div>
    </section>`).join('');
  await page.setContent(`<!doctype html><html><body>${body}</body></html>`);
  const pdf = await page.pdf({ format: 'A4', printBackground: true });
  await context.close();
  return pdf;
}

/** Waits until `f()` answers something truthy, for at most `ms`. */
export async function until(what, f, ms = 60_000) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    last = await f();
    if (last) return last;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms / 1000} s (last: ${JSON.stringify(last)})`);
    await sleep(200);
  }
}
