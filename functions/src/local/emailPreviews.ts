import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NOTIFICATION_TYPES } from '../domain/notifications/plans.js';
import { LOCALES, renderDigest, renderNotification } from '../domain/notifications/templates.js';
import type { Rendered } from '../domain/notifications/templates.js';
import { finishEmail } from '../domain/email/render.js';
import { SAMPLE_VARS, sampleDigest } from './emailSamples.js';

/**
 * Picture proof of the email templates: every template (each notification type, a collapsed burst where the type has
 * one, the digest) in every locale, as the HTML a mail client gets and, rendered by headless Chromium (Debian's
 * `chromium`, driven by playwright-core, never a downloaded browser), as a PNG: out/email-previews/<locale>/<name>.*.
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface PreviewResult {
  html: number;
  png: number;
  /** Why no PNGs were made (no Chromium), if so. */
  skipped?: string;
}

/** Every template × locale, finished as channel delivery finishes it (with an unsubscribe URL). */
export function previewEmails(now: Date): { locale: string; name: string; html: string; text: string }[] {
  const url = 'https://craft.example/notifications';
  const unsubscribeUrl = 'https://europe-west1-demo-craft-comms.cloudfunctions.net/unsubscribe?token=preview';
  const out: { locale: string; name: string; html: string; text: string }[] = [];
  for (const locale of Object.keys(LOCALES)) {
    const rendered: [string, Rendered][] = [];
    for (const type of NOTIFICATION_TYPES) {
      rendered.push([type, renderNotification(type, SAMPLE_VARS[type], { locale, url })]);
      if (LOCALES.en.types[type].grouped)
        rendered.push([`${type}.grouped`, renderNotification(type, SAMPLE_VARS[type], { locale, url, count: 5 })]);
    }
    rendered.push(['digest', renderDigest(sampleDigest(now), { locale, url, timeZone: 'Europe/Berlin' })]);
    for (const [name, r] of rendered) {
      const finished = finishEmail(r.email, { unsubscribeUrl, category: 'commerce' });
      if (!finished.ok) throw new Error(`${locale}/${name}: ${finished.reason}`);
      out.push({ locale, name, html: finished.html, text: finished.text });
    }
  }
  return out;
}

/** Writes the previews under `dir` (replacing earlier ones); PNGs only where Chromium is installed. */
export async function writeEmailPreviews(
  dir: string,
  now: Date,
  options: { png?: boolean } = {},
): Promise<PreviewResult> {
  await rm(dir, { recursive: true, force: true });
  const emails = previewEmails(now);
  for (const e of emails) {
    await mkdir(join(dir, e.locale), { recursive: true });
    await writeFile(join(dir, e.locale, `${e.name}.html`), e.html);
    await writeFile(join(dir, e.locale, `${e.name}.txt`), e.text);
  }
  if (options.png === false) return { html: emails.length, png: 0, skipped: 'not asked for' };
  if (!existsSync(CHROMIUM)) return { html: emails.length, png: 0, skipped: `no Chromium at ${CHROMIUM}` };
  // A devDependency, loaded only here: nothing deployed imports it.
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  let png = 0;
  try {
    const page = await browser.newPage({ viewport: { width: 680, height: 900 }, deviceScaleFactor: 1 });
    // Previews are self-contained: no request leaves the machine (the layouts load no images or fonts).
    await page.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
    for (const e of emails) {
      await page.goto(`file://${join(dir, e.locale, `${e.name}.html`)}`);
      await page.screenshot({ path: join(dir, e.locale, `${e.name}.png`), fullPage: true });
      png++;
    }
  } finally {
    await browser.close();
  }
  return { html: emails.length, png };
}
