import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityViolations, launchBrowser, signInOnHostedPage } from '../support/browser.js';
import { fillRegistration, newPerson, setSecurityQuestions } from '../support/journeys.js';

/*
 * `npm run demo`, as a newcomer runs it from a clone: the printed URL leads through creating an
 * ID, the activation code read from the dev outbox, the security questions, back to the sample
 * portal with the ID token's claims, and out again by RP-initiated logout. It listens on the
 * shipped clients file's ports (3000 and 4000), so it is the one test that uses fixed ports.
 */

let demo: ChildProcess;
let output = '';
let portalUrl: string;
let outboxUrl: string;
let browser: Browser;

beforeAll(async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'portico-demo-'));
  // detached: npm starts a shell that starts node; the whole group is stopped afterwards.
  demo = spawn('npm', ['run', '--silent', 'demo'], { env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  demo.stdout!.on('data', (chunk) => (output += chunk));
  demo.stderr!.on('data', (chunk) => (output += chunk));
  const printed = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm run demo printed no URL in 150 s:\n${output}`)), 150_000);
    const look = () => {
      const found = /Open the sample portal: +(\S+)[\s\S]*dev outbox: (\S+)/.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    demo.stdout!.on('data', look);
    demo.once('exit', (code) => reject(new Error(`npm run demo exited (${code}):\n${output}`)));
  });
  [, portalUrl, outboxUrl] = printed as unknown as [string, string, string];
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (demo?.pid && demo.exitCode === null) {
    const exited = new Promise((resolve) => demo.once('exit', resolve));
    process.kill(-demo.pid, 'SIGTERM');
    await exited;
  }
});

describe('npm run demo', () => {
  it('prints one URL that leads through creating an ID, the code from the dev outbox, and back to the portal with the claims; sign out returns there, and signing in again comes back', async () => {
    expect(portalUrl).toBe('http://localhost:4000/');
    const page = await (await browser.newContext()).newPage();
    await page.goto(portalUrl);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('link', { name: 'Sign in with your ID' }).click();
    await page.getByRole('link', { name: 'Create an ID' }).click();
    const person = newPerson();
    await fillRegistration(page, person);

    // The activation mail, read in the dev outbox whose address the demo printed.
    const outbox = await page.context().newPage();
    await outbox.goto(outboxUrl);
    await outbox.getByRole('row', { name: new RegExp(person.email.replace(/\./g, '\\.')) }).getByRole('link').click();
    const code = /\b(\d{10})\b/.exec(await outbox.locator('main').innerText())?.[1];
    expect(code).toBeDefined();

    await page.getByLabel('Activation code').fill(code!);
    await page.getByRole('button', { name: 'Verify' }).click();
    await setSecurityQuestions(page);
    await page.getByRole('heading', { name: 'Welcome, Ana' }).waitFor();
    expect(page.url()).toBe(portalUrl);
    const claims = page.getByRole('table', { name: 'Claims in the ID token' });
    await expect(claims.getByRole('row', { name: /preferred_username/ }).innerText()).resolves.toContain(person.username);
    await expect(claims.getByRole('row', { name: /^email\b/ }).innerText()).resolves.toContain(person.email);
    expect(await accessibilityViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.getByRole('heading', { name: 'Member Portal (demo)' }).waitFor();
    expect(page.url()).toBe(portalUrl);
    // Signed out of Portico too: the portal's next sign-in asks for the password again.
    await page.getByRole('link', { name: 'Sign in with your ID' }).click();
    await page.getByLabel('Password').waitFor();

    // Signing in again with the new ID: the password, then the access code the dev outbox shows.
    await signInOnHostedPage(page, person.username, person.password);
    await page.getByRole('heading', { name: 'Enter your access code' }).waitFor();
    await outbox.goto(outboxUrl);
    await outbox.getByRole('row', { name: /access code/ }).filter({ hasText: person.email }).getByRole('link').click();
    const accessCode = /\b(\d{6})\b/.exec(await outbox.locator('main').innerText())?.[1];
    expect(accessCode).toBeDefined();
    await page.getByLabel('Access code').fill(accessCode!);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Welcome, Ana' }).waitFor();
    expect(page.url()).toBe(portalUrl);
    await expect(page.getByRole('table', { name: 'Claims in the ID token' }).getByRole('row', { name: /preferred_username/ }).innerText()).resolves.toContain(person.username);
  }, 180_000);
});
