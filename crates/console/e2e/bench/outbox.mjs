// How fast the console's Outbox is in Debian's headless Chromium against a real faxd: the
// time to show a queue of N waiting faxes (the server queue paused), and the time from a
// submission's 201 to its row on an open Outbox (the server-sent event's way to the page).
//
//   node bench/outbox.mjs [--jobs N] [--rounds R]     (FAXD_BIN: the faxd to run, e.g. a release one)

import { performance } from 'node:perf_hooks';
import { launch, openConsole, signIn, startFaxd } from '../tests/harness.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const JOBS = arg('jobs', 500);
const ROUNDS = arg('rounds', 5);
const PASSWORD = 'benchmark password';

const quantile = (xs, q) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

async function submit(faxd, n) {
  const r = await faxd.submit({ fax_number: String(1000 + n), recipient_name: `Recipient ${n}` },
    `Fax number ${n} of the outbox benchmark.\n`, `letter-${n}.txt`);
  if (r.status !== 201) throw new Error(`submit: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.job_ids[0];
}

const faxd = await startFaxd();
const browser = await launch();
try {
  faxd.setPassword('admin', PASSWORD);
  await faxd.api('PATCH', '/v1/server', { pause_server_queue: true });
  for (let n = 0; n < JOBS; n += 8) {
    await Promise.all(Array.from({ length: Math.min(8, JOBS - n) }, (_, k) => submit(faxd, n + k)));
  }
  const { context, page } = await openConsole(browser, faxd);
  await signIn(page, 'admin', PASSWORD);

  const show = [];
  await page.goto('/#/outbox');
  for (let r = 0; r < ROUNDS; r += 1) {
    // A reload: the page, its scripts (revalidated by ETag), the session, the list, the rows.
    const t0 = performance.now();
    await page.reload();
    await page.waitForFunction((n) => document.querySelectorAll('table.jobs tbody tr').length === n, JOBS, { polling: 'raf', timeout: 120_000 });
    show.push(performance.now() - t0);
  }

  const live = [];
  for (let r = 0; r < 20; r += 1) {
    const t0 = performance.now();
    const id = await submit(faxd, JOBS + r);
    const t1 = performance.now();
    await page.waitForFunction((id) => !!document.querySelector(`tr[data-job="${id}"]`), id, { polling: 'raf', timeout: 30_000 });
    live.push({ submit: t1 - t0, row: performance.now() - t1 });
  }
  const rows = live.map((l) => l.row);
  console.log(`Outbox with ${JOBS} waiting faxes, shown from a reload (${ROUNDS} rounds): median ${quantile(show, 0.5).toFixed(0)} ms, max ${Math.max(...show).toFixed(0)} ms`);
  console.log(`201 of a submission → its row on the open Outbox (20 faxes): median ${quantile(rows, 0.5).toFixed(1)} ms, p95 ${quantile(rows, 0.95).toFixed(1)} ms, max ${Math.max(...rows).toFixed(1)} ms`);
  await context.close();
} finally {
  await browser.close();
  await faxd.stop();
}
