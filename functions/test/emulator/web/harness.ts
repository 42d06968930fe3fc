import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/**
 * The reference web app (web/) under test: built with Vite's programmatic API against this suite's emulator ports,
 * served from a loopback port, driven in Debian's Chromium through playwright-core (never a downloaded browser).
 */
export const REPO_ROOT = resolve(__dirname, '../../../..');
export const WEB_DIR = resolve(REPO_ROOT, 'web');
export const OUT_DIR = resolve(REPO_ROOT, 'out/web-e2e');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface Targets {
  projectId: string;
  auth: string;
  firestore: string;
  functions: string;
}

/** Fails at once, naming what to install, where a browser cannot be had (the tests never download one). */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `no Chromium at ${CHROMIUM}: the browser tests drive Debian's chromium (apt-get install chromium, as .ci/run ` +
        'does) or CHROMIUM_PATH; they never download a browser',
    );
}

/** `vite build` of web/ into out/web-e2e/dist with the emulator targets baked in (VITE_* beat web/.env files). */
export async function buildWebApp(targets: Targets): Promise<string> {
  const outDir = join(OUT_DIR, 'dist');
  Object.assign(process.env, {
    VITE_PROJECT_ID: targets.projectId,
    VITE_AUTH_EMULATOR: targets.auth,
    VITE_FIRESTORE_EMULATOR: targets.firestore,
    VITE_FUNCTIONS_EMULATOR: targets.functions,
  });
  const { build } = await import('vite');
  await build({
    root: WEB_DIR,
    configFile: join(WEB_DIR, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, sourcemap: false },
  });
  return outDir;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

/** A static server for the built app on a free loopback port. */
export async function serve(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(
      /^(\.\.[/\\])+/,
      '',
    );
    const file = join(dir, path === '/' ? 'index.html' : path);
    readFile(file).then(
      (body) => {
        res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
        res.end(body);
      },
      () => {
        res.writeHead(404);
        res.end();
      },
    );
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

export async function launchChromium(): Promise<Browser> {
  requireChromium();
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
}

/** One signed-in user in a browser context of their own (own storage: own Auth session and Firestore client). */
export interface Client {
  name: string;
  uid: string;
  page: Page;
  context: BrowserContext;
  /** Browser console errors and uncaught exceptions, for failure messages. */
  errors: string[];
}

export async function openClient(
  browser: Browser,
  appUrl: string,
  user: { name: string; uid: string; email: string; password: string },
): Promise<Client> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 860 } });
  // Nothing leaves the machine: the app and the emulators are all on loopback.
  await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/]|localhost[:/])/, (route) => route.abort());
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(appUrl);
  await page.getByTestId('signin-form').waitFor();
  await page.locator('input[name=email]').fill(user.email);
  await page.locator('input[name=password]').fill(user.password);
  await page.locator('button[type=submit]').click();
  await page.getByTestId('signed-in-as').waitFor({ timeout: 30_000 });
  return { ...user, page, context, errors };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(OUT_DIR, { recursive: true });
  const path = join(OUT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}
