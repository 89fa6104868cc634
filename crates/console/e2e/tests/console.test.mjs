// The web console in headless Chromium against a real faxd: an administrator signs in, sends
// a two-page PDF (printed by Chromium) from the Send page and watches it on the Outbox go
// Pending → In progress (page 1/2, 2/2) → Completed without reloading, finds it in the Inbox
// with its thumbnail and pages, changes Retries on the settings page (the API then reports
// it), adds a user; the user cannot reach the settings or see the administrator's faxes; bad
// input shows the API's message next to its field and keeps the form. Every page is
// photographed at desktop and phone widths.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  DESKTOP, PHONE, accessibilityProblems, chromiumPath, chromiumPdf, go, launch, needs, openConsole, record, screenshot, signIn, signedIn, startFaxd, until, watched,
} from './harness.mjs';

const ADMIN_PASSWORD = 'correct horse battery';
const ALICE_PASSWORD = 'alice-has-a-long-password';

let faxd;
let browser;
let pdf;
let ready = false;

before(async () => {
  if (!existsSync(chromiumPath)) return;
  faxd = await startFaxd();
  faxd.setPassword('admin', ADMIN_PASSWORD);
  browser = await launch();
  pdf = await chromiumPdf(browser, 2);
  ready = true;
});

after(async () => {
  await browser?.close();
  await faxd?.stop();
});

function started(t) {
  if (!needs(t, 'Debian\'s Chromium', existsSync(chromiumPath), 'apt-get install chromium')) return false;
  assert.ok(ready, 'faxd and Chromium started');
  return true;
}

/** The job ids that `user`'s token… or the admin sees, newest first. */
async function jobs(token) {
  const r = await faxd.api('GET', '/v1/jobs?limit=500', undefined, token);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.jobs;
}

let sentJob;

/** Runs `body` in a console of its own signed in as the administrator (or Alice). */
const asAdmin = (body, viewport) => signedIn(browser, faxd, { user: 'admin', password: ADMIN_PASSWORD, viewport }, body);
const asAlice = (body, viewport) => signedIn(browser, faxd, { user: 'alice', password: ALICE_PASSWORD, viewport }, body);

test('an administrator signs in, sends a two-page PDF and watches it on the Outbox', async (t) => {
  if (!started(t)) return;
  const { context, page } = await openConsole(browser, faxd);
  await screenshot(page, 'signin');
  // A wrong password is refused on the form itself.
  await page.getByLabel('User name').fill('admin');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: /password/i }).waitFor();
  await signIn(page, 'admin', ADMIN_PASSWORD);
  await page.getByRole('heading', { level: 1, name: 'Outbox' }).waitFor();

  // The Outbox stays open in a second tab, recording every state its rows show.
  const outbox = watched(await context.newPage());
  await outbox.goto('/#/outbox');
  await outbox.getByRole('heading', { level: 1, name: 'Outbox' }).waitFor();
  await outbox.evaluate(() => { window.__notReloaded = true; });
  const rows = await record(outbox, 'rows', 'table.jobs tbody tr');
  const lines = watched(await context.newPage());
  await lines.goto('/#/lines');
  await lines.locator('section.line').first().waitFor();
  const loop1 = await record(lines, 'loop1', 'section[aria-labelledby="line-loop1"] dl.status');
  const loop2 = await record(lines, 'loop2', 'section[aria-labelledby="line-loop2"] dl.status');

  await go(page, 'Send', 'Send a fax');
  await page.getByLabel('Fax number', { exact: true }).fill('100');
  await page.getByLabel('Name', { exact: true }).fill('Dr. Jane Smith');
  // The document is dropped on the page, as from a file manager.
  const dropped = await page.evaluateHandle((b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], 'report.pdf', { type: 'application/pdf' }));
    return dt;
  }, pdf.toString('base64'));
  await page.locator('.drop').dispatchEvent('dragover', { dataTransfer: dropped });
  await page.locator('.drop').dispatchEvent('drop', { dataTransfer: dropped });
  await page.getByText(/report\.pdf \(\d+ KB\)/).waitFor();
  // The pages as they will be sent, drawn by the server.
  await page.getByRole('heading', { name: '2 pages will be sent' }).waitFor({ timeout: 30_000 });
  const previews = page.locator('.preview img');
  assert.equal(await previews.count(), 2);
  await until('preview images load', () => previews.evaluateAll((imgs) => imgs.every((i) => i.complete && i.naturalWidth > 0)));
  await screenshot(page, 'send');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await page.getByText(/Queued: 1 fax of 2 pages/).waitFor({ timeout: 30_000 });
  sentJob = Number((await page.getByText(/Queued: 1 fax/).innerText()).match(/job (\d+)/)[1]);

  // On the Outbox tab: pending, then each page, then completed, without a reload.
  const row = outbox.locator(`tr[data-job="${sentJob}"]`);
  await row.waitFor();
  await outbox.locator(`tr[data-job="${sentJob}"] .progress`).waitFor({ timeout: 60_000 });
  await screenshot(outbox, 'outbox');
  await lines.locator('section[aria-labelledby="line-loop1"] .device.sending').waitFor();
  await screenshot(lines, 'lines');
  await row.locator('.state.completed').waitFor({ timeout: 120_000 });
  assert.equal(await outbox.evaluate(() => window.__notReloaded), true, 'the outbox was not reloaded');
  const seen = (await rows.read()).filter((s) => s.startsWith(String(sentJob)));
  const at = (re) => seen.findIndex((s) => re.test(s));
  const order = [/Pending/, /In progress.*page 1\/2/, /In progress.*page 2\/2/, /Completed/].map(at);
  assert.ok(order.every((i) => i >= 0) && order.every((i, k) => k === 0 || i > order[k - 1]),
    `the outbox showed, in order, Pending, page 1/2, page 2/2, Completed: ${JSON.stringify(seen)}`);
  assert.match(seen.at(-1), /2\/2 pages/);
  // The line tab followed both ends of the call live.
  assert.ok((await loop1.read()).some((s) => /Sending/.test(s)), JSON.stringify(await loop1.read()));
  assert.ok((await loop2.read()).some((s) => /Receiving/.test(s)), JSON.stringify(await loop2.read()));

  const job = await faxd.api('GET', `/v1/jobs/${sentJob}`);
  assert.equal(job.body.queue_status, 'completed');
  assert.equal(job.body.recipient_name, 'Dr. Jane Smith');
  assert.deepEqual(page.errors.concat(outbox.errors, lines.errors), []);
  await context.close();
});

test('the received fax is in the Inbox with its thumbnail and its pages', async (t) => {
  if (!started(t)) return;
  assert.ok(sentJob, 'the fax of the first test was sent');
  await asAdmin(async (page) => {
    await go(page, 'Inbox');
    const card = page.locator('ul.cards li.card').first();
    await card.getByRole('heading', { name: 'From +1 555 0100' }).waitFor();
    assert.match(await card.innerText(), /2 pages/);
    const thumb = card.locator('img.thumb');
    await until('the thumbnail loads', () => thumb.evaluate((i) => i.complete && i.naturalWidth > 0));
    // A small picture of a portrait page.
    const size = await thumb.evaluate((i) => [i.naturalWidth, i.naturalHeight]);
    assert.equal(size[0], 120);
    assert.ok(size[1] > 150 && size[1] < 190, `thumbnail ${size}`);
    await screenshot(page, 'inbox');
    // Searching: a match, no match, then the search cleared (with Enter) lists each fax once.
    const cards = page.locator('ul.cards li.card');
    const all = await cards.count();
    const search = page.getByRole('searchbox');
    await search.fill('nothing like this');
    await search.press('Enter');
    await page.getByText('No received fax matches “nothing like this”.').waitFor();
    await search.fill('555 0100');
    await search.press('Enter');
    await until('the match is listed', async () => (await cards.count()) === all);
    await search.fill('');
    await search.press('Enter');
    await page.waitForLoadState('networkidle');
    await until('every fax once', async () => (await cards.count()) === all);
    const ids = await cards.evaluateAll((els) => els.map((e) => e.dataset.job));
    assert.equal(new Set(ids).size, ids.length, `each fax once: ${ids}`);
    // The viewer shows page 1, then page 2 with the arrow key.
    await card.locator('button.thumb-button').click();
    const viewer = page.getByRole('dialog');
    await viewer.getByText('Page 1 of 2').waitFor();
    const img = viewer.locator('img.page');
    await until('page 1 loads', () => img.evaluate((i) => i.complete && i.naturalWidth > 0));
    await screenshot(page, 'viewer');
    await page.keyboard.press('ArrowRight');
    await viewer.getByText('Page 2 of 2').waitFor();
    await until('page 2 loads', () => img.evaluate((i) => i.complete && i.naturalWidth > 0 && /pages\/2\.png/.test(i.src)));
    // The downloads are a real PDF and a real TIFF.
    const pdfLink = await viewer.getByRole('link', { name: 'PDF' }).getAttribute('href');
    const r = await page.request.get(pdfLink);
    assert.equal(r.status(), 200);
    assert.equal((await r.body()).subarray(0, 5).toString(), '%PDF-');
    const tiff = await page.request.get(await viewer.getByRole('link', { name: 'TIFF' }).getAttribute('href'));
    assert.deepEqual([...(await tiff.body()).subarray(0, 2)], [0x49, 0x49]);
    await viewer.getByRole('button', { name: 'Close' }).click();
    // Sent lists the fax as completed.
    await go(page, 'Sent');
    await page.locator(`li.card[data-job="${sentJob}"] .state.completed`).waitFor();
    await screenshot(page, 'sent');
  });
});

test('Retries changed on the settings page is what the API reports', async (t) => {
  if (!started(t)) return;
  await asAdmin(async (page) => {
    await go(page, 'Settings', 'Server settings');
    const retries = page.getByLabel('Retries');
    const before = (await faxd.api('GET', '/v1/server')).body.retries;
    assert.equal(await retries.inputValue(), String(before));
    // A value the server refuses: its message next to the field.
    await retries.fill('1000');
    await page.getByRole('button', { name: 'Save settings' }).click();
    const error = page.locator('[data-field="retries"] .field-error');
    await error.waitFor();
    assert.match(await error.innerText(), /retries/i);
    assert.equal(await retries.getAttribute('aria-invalid'), 'true');
    assert.equal((await faxd.api('GET', '/v1/server')).body.retries, before);
    await retries.fill('7');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Saved.').waitFor();
    assert.equal(await error.isHidden(), true);
    assert.equal((await faxd.api('GET', '/v1/server')).body.retries, 7);
    await screenshot(page, 'settings');
    // Another administrator's change reaches the open page.
    await faxd.api('PATCH', '/v1/server', { retry_delay: 17 });
    await until('the new retry delay is shown', async () => (await page.getByLabel('Retry delay (minutes)').inputValue()) === '17');
  });
});

test('an administrator adds a user who then cannot see the settings or the administrator\'s faxes', async (t) => {
  if (!started(t)) return;
  let token;
  await asAdmin(async (page) => {
    await go(page, 'Users', 'Users and tokens');
    const add = page.locator('form.add-user');
    await add.getByLabel('User name').fill('alice');
    await add.getByLabel('Role').selectOption('user');
    await add.getByLabel('Password').fill(ALICE_PASSWORD);
    await add.getByRole('button', { name: 'Add user' }).click();
    await page.getByRole('heading', { name: /^alice/ }).waitFor();
    // A token for Alice's scanner, shown once.
    const aliceCard = page.locator('section.user').filter({ has: page.getByRole('heading', { name: /^alice/ }) });
    await aliceCard.getByText('API tokens (0)').click();
    await aliceCard.getByLabel('Label of a new token').fill('scanner');
    await aliceCard.getByRole('button', { name: 'Make a token' }).click();
    token = (await aliceCard.locator('.new-token code').innerText()).trim();
    assert.match(token, /^ffx_/);
    await aliceCard.getByRole('button', { name: 'Revoke token scanner' }).waitFor();
    await screenshot(page, 'users');
  });

  // The token signs in too, as Alice.
  const byToken = await openConsole(browser, faxd);
  await byToken.page.getByRole('button', { name: 'Sign in with an API token instead' }).click();
  await byToken.page.getByLabel('API token').fill(token);
  await byToken.page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await byToken.page.getByText('alice (user)').waitFor();
  await byToken.page.getByRole('button', { name: 'Sign out' }).click();
  await byToken.page.getByText('You are signed out.').waitFor();
  await byToken.context.close();

  await asAlice(async (page, context) => {
    const nav = page.getByRole('navigation', { name: 'Console' });
    assert.equal(await nav.getByRole('link', { name: 'Settings' }).count(), 0);
    assert.equal(await nav.getByRole('link', { name: 'Users' }).count(), 0);
    await page.goto('/#/settings');
    await page.getByRole('heading', { level: 1, name: 'Not available' }).waitFor();
    assert.equal(await page.getByLabel('Retries').count(), 0);
    // She may read the settings (the Send page shows the discount window) but not change them.
    assert.equal((await context.request.get('/v1/server')).status(), 200);
    const change = await page.evaluate(async () => {
      const s = await (await fetch('/v1/session')).json();
      const r = await fetch('/v1/server', { method: 'PATCH', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token }, body: '{"retries": 1}' });
      return r.status;
    });
    assert.equal(change, 403);
    // Neither the outbox nor Sent show the administrator's fax, and its pages are refused.
    await go(page, 'Sent');
    await page.getByText('No sent faxes yet.').waitFor();
    assert.equal(await page.locator(`[data-job="${sentJob}"]`).count(), 0);
    await go(page, 'Outbox');
    await page.getByText('The outbox is empty.').waitFor();
    const foreign = await context.request.get(`/v1/jobs/${sentJob}`);
    assert.equal(foreign.status(), 404);
    const foreignPage = await context.request.get(`/v1/jobs/${sentJob}/pages/1.png?width=120`);
    assert.equal(foreignPage.status(), 404);
    const foreignDoc = await context.request.get(`/v1/jobs/${sentJob}/document?format=pdf`);
    assert.equal(foreignDoc.status(), 404);
  });
});

test('bad input on the Send page shows the API\'s message next to the field and keeps the form', async (t) => {
  if (!started(t)) return;
  await asAlice(async (page) => {
    await go(page, 'Send', 'Send a fax');
    await page.getByLabel('Name', { exact: true }).fill('Bob Jones');
    await page.getByLabel('Company', { exact: true }).fill('Jones & Partners');
    await page.getByLabel('Fax number', { exact: true }).fill('+49 30 1234567');

    // An unsupported file: its own message next to the document, the rest kept.
    const zip = Buffer.from('PK\x03\x04\x14\x00\x00\x00\x08\x00not really a document at all', 'latin1');
    await page.locator('#document-file').setInputFiles({ name: 'archive.zip', mimeType: 'application/zip', buffer: zip });
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const docError = page.locator('#document-error');
    await docError.waitFor();
    const docMessage = await docError.innerText();
    const problem = (await faxd.submit({ fax_number: '100' }, zip, 'archive.zip')).body;
    assert.equal(docMessage, problem.detail, 'the console shows the API\'s own words');
    assert.equal(await page.getByLabel('Fax number', { exact: true }).inputValue(), '+49 30 1234567');
    assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Bob Jones');
    await screenshot(page, 'send-error');

    // An empty number, with a good document: the message is at the number.
    await page.locator('#document-file').setInputFiles({ name: 'report.pdf', mimeType: 'application/pdf', buffer: pdf });
    await page.getByLabel('Fax number', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const numberError = page.locator('[data-field="recipients[0].fax_number"] .field-error');
    await numberError.waitFor();
    assert.match(await numberError.innerText(), /number/i);
    assert.equal(await docError.isHidden(), true, 'the document is fine now');
    assert.equal(await page.getByLabel('Fax number', { exact: true }).getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByLabel('Company', { exact: true }).inputValue(), 'Jones & Partners');

    // A 21-character TSID: the message is at the TSID, shown even inside the folded options.
    await page.getByLabel('Fax number', { exact: true }).fill('100');
    await page.getByText('Sender and options').click();
    await page.getByLabel('Sending identity (TSID)').fill('+1 555 0100 1234 5678');
    await page.getByText('Sender and options').click(); // folded again
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const tsidError = page.locator('[data-field="tsid"] .field-error');
    await tsidError.waitFor();
    assert.match(await tsidError.innerText(), /20/);
    assert.equal(await tsidError.isVisible(), true);
    assert.equal(await numberError.isHidden(), true);
    assert.equal(await page.getByLabel('Sending identity (TSID)').inputValue(), '+1 555 0100 1234 5678');
    assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Bob Jones');
    assert.equal(await page.getByText('report.pdf').count(), 1, 'the document is still chosen');
    // Nothing was queued by any of it.
    assert.equal((await jobs(faxd.admin)).filter((j) => j.user_name === 'alice').length, 0);
    // Corrected, and sent to a second recipient too, with a cover page from the server's
    // templates, previewed first.
    await page.getByLabel('Sending identity (TSID)').fill('+1 555 0123');
    await page.getByRole('button', { name: 'Add a recipient' }).click();
    const second = page.getByRole('group', { name: 'Recipient 2' });
    await second.getByLabel('Fax number', { exact: true }).fill('101');
    await second.getByLabel('Name', { exact: true }).fill('Carol');
    await page.getByLabel('Send a cover page').check();
    await page.getByLabel('Subject').fill('Quarterly figures');
    await page.getByLabel('Note').fill('Two pages follow.');
    await page.getByRole('button', { name: 'Preview pages' }).click();
    await page.getByRole('heading', { name: '3 pages will be sent (cover page included)' }).waitFor({ timeout: 30_000 });
    await page.getByText('Cover', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.getByText(/Queued: 2 faxes of 3 pages/).waitFor({ timeout: 30_000 });
    const mine = (await jobs(faxd.admin)).filter((j) => j.user_name === 'alice');
    assert.deepEqual(mine.map((j) => [j.fax_number, j.recipient_name, j.tsid, j.page_count]).sort(),
      [['100', 'Bob Jones', '+1 555 0123', 3], ['101', 'Carol', '+1 555 0123', 3]]);
    // The form is ready for the next fax: recipients and document cleared, the sender kept.
    assert.equal(await page.getByLabel('Fax number', { exact: true }).inputValue(), '');
    assert.equal(await page.getByText('No document chosen').count(), 1);
    assert.equal(await page.getByLabel('Sending identity (TSID)').inputValue(), '+1 555 0123');
  });
});

test('a half-filled Send page is kept, document included, when the user looks elsewhere and comes back', async (t) => {
  if (!started(t)) return;
  await asAdmin(async (page) => {
    await go(page, 'Send', 'Send a fax');
    await page.getByLabel('Fax number', { exact: true }).fill('100');
    await page.getByLabel('Name', { exact: true }).fill('Kept Across Pages');
    await page.locator('#document-file').setInputFiles({ name: 'kept.pdf', mimeType: 'application/pdf', buffer: pdf });
    await page.getByText(/kept\.pdf/).waitFor();
    await go(page, 'Inbox');
    await go(page, 'Send', 'Send a fax');
    assert.equal(await page.getByLabel('Fax number', { exact: true }).inputValue(), '100');
    assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Kept Across Pages');
    await page.getByText(/kept\.pdf \(\d+ KB\)/).waitFor();
    await page.getByRole('heading', { name: '2 pages will be sent' }).waitFor({ timeout: 30_000 });
    assert.equal(await page.getByRole('alert').count(), 0);
  });
});

test('the outbox\'s buttons follow what each job allows: a busy fax is retried, paused, resumed, cancelled, restarted and deleted', async (t) => {
  if (!started(t)) return;
  await asAdmin(async (page) => {
    page.on('dialog', (d) => d.accept());
    const submitted = await faxd.submit({ fax_number: '666', recipient_name: 'Busy Office' }, 'A fax to a line that is always busy.\n', 'busy.txt');
    assert.equal(submitted.status, 201, JSON.stringify(submitted.body));
    const id = submitted.body.job_ids[0];
    const row = page.locator(`tr[data-job="${id}"]`);
    // Busy: it waits for its next attempt, which the row shows.
    await row.locator('.state.retrying').waitFor({ timeout: 60_000 });
    assert.match(await row.innerText(), /Busy/i);
    const retryAt = new Date((await faxd.api('GET', `/v1/jobs/${id}`)).body.next_attempt_at);
    assert.ok(retryAt > Date.now(), 'the next attempt is after the retry delay');
    assert.notEqual(await row.locator('[data-label="Next attempt"]').innerText(), '—');
    await screenshot(page, 'outbox-retrying');
    const button = (name) => row.getByRole('button', { name: `${name} job ${id}` });
    await button('Pause').click();
    await row.getByText('Paused').waitFor();
    assert.equal((await faxd.api('GET', `/v1/jobs/${id}`)).body.paused, true);
    await button('Resume').click();
    await button('Pause').waitFor();
    assert.equal((await faxd.api('GET', `/v1/jobs/${id}`)).body.paused, false);
    await button('Cancel').click();
    await row.locator('.state.canceled').waitFor();
    assert.equal(await button('Cancel').count(), 0);
    await button('Restart').click();
    await until('the restarted job is queued again', async () => ['pending', 'in_progress', 'retrying'].includes((await faxd.api('GET', `/v1/jobs/${id}`)).body.queue_status));
    await button('Cancel').click();
    await row.locator('.state.canceled').waitFor({ timeout: 30_000 });
    await button('Delete').click();
    await row.waitFor({ state: 'detached' });
    assert.equal((await faxd.api('GET', `/v1/jobs/${id}`)).status, 404);
  });
});

test('routing of received faxes is edited on the Lines page, and a refused folder is named next to its field', async (t) => {
  if (!started(t)) return;
  await asAdmin(async (page) => {
    await go(page, 'Lines');
    const card = page.locator('section[aria-labelledby="line-loop2"]');
    await card.getByText('Routing of received faxes').click();
    const box = card.locator('details.routing');
    await box.getByLabel('Store in a folder', { exact: true }).check();
    const data = box.getByLabel('Store in a folder: routing data');
    await data.fill('relative/folder');
    await box.getByRole('button', { name: 'Save routing' }).click();
    const error = box.locator('[data-field="store_in_folder.routing_data"] .field-error');
    await error.waitFor();
    assert.match(await error.innerText(), /absolute folder/);
    assert.equal(await data.getAttribute('aria-invalid'), 'true');
    const folder = join(faxd.data, '..', 'routed');
    await data.fill(folder);
    await box.getByRole('button', { name: 'Save routing' }).click();
    await box.getByText('Saved.').waitFor();
    assert.equal(await error.isHidden(), true);
    const methods = (await faxd.api('GET', '/v1/ports/loop2/routing')).body;
    const store = methods.find((m) => m.function_name === 'store_in_folder');
    assert.deepEqual([store.enable, store.routing_data], [true, folder]);
    await screenshot(page, 'routing');
    // A fax received now is stored there too.
    const r = await faxd.submit({ fax_number: '100' }, 'Routed to a folder.\n', 'routed.txt');
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await until('the received fax is in the folder', () => existsSync(folder) && readdirSync(folder).some((f) => /^fax-\d+\.tif$/.test(f)), 120_000);
  });
});

test('a first visit loads well under 200 KB', async (t) => {
  if (!started(t)) return;
  await asAdmin(async (page) => {
    for (const hash of ['sent', 'inbox', 'send', 'lines', 'settings', 'users', 'account', 'outbox']) {
      await page.goto(`/#/${hash}`);
      await page.locator('main h1').waitFor();
      await page.locator('main .loading').waitFor({ state: 'detached' });
    }
    // Every script, style and picture of the console itself (not the API's answers), as it
    // came over the wire.
    const { bytes, files } = await page.evaluate(() => {
      const own = performance.getEntriesByType('resource').filter((e) => new URL(e.name).pathname.startsWith('/console/'));
      const nav = performance.getEntriesByType('navigation')[0];
      return { bytes: own.reduce((n, e) => n + e.transferSize, nav.transferSize), files: own.length + 1 };
    });
    console.log(`first visit: ${files} files of the console, ${bytes} bytes transferred`);
    assert.ok(files >= 10, `${files} files`);
    assert.ok(bytes < 200 * 1024, `${bytes} bytes`);
  }, PHONE);
});

test('every page at desktop and phone widths', async (t) => {
  if (!started(t)) return;
  for (const viewport of [DESKTOP, PHONE]) {
    const { context, page } = await openConsole(browser, faxd, viewport);
    if (viewport === PHONE) await screenshot(page, 'signin');
    assert.deepEqual(await accessibilityProblems(page), [], `the sign-in form at ${viewport.width} px`);
    await signIn(page, 'admin', ADMIN_PASSWORD);
    for (const [hash, heading, name] of [
      ['outbox', 'Outbox', 'outbox-list'], ['sent', 'Sent', null], ['inbox', 'Inbox', null], ['send', 'Send a fax', null],
      ['lines', 'Lines', null], ['settings', 'Server settings', null], ['users', 'Users and tokens', null],
      ['account', 'My account', 'account'],
    ]) {
      await page.goto(`/#/${hash}`);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await page.locator('main .loading').waitFor({ state: 'detached' });
      await page.waitForLoadState('networkidle').catch(() => {});
      if (viewport === PHONE || name) await screenshot(page, name || hash);
      assert.deepEqual(await accessibilityProblems(page), [], `#/${hash} at ${viewport.width} px`);
      // Nothing is wider than the screen.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `#/${hash} at ${viewport.width} px is ${overflow} px too wide`);
    }
    assert.deepEqual(page.errors, []);
    await context.close();
  }
});
