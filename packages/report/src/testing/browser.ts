/**
 * Headless Chromium for report tests: Debian's chromium driven by playwright-core, with the launch
 * flags this machine needs (no sandbox as root, nothing that phones home). Returns a reason instead
 * of a browser when either part is missing; with TFLYTE_REQUIRE_BROWSER=1 (CI) that is an error.
 */
import { existsSync } from 'node:fs';

/** The part of playwright-core's API these tests use. */
export interface BrowserPage {
  goto(url: string): Promise<unknown>;
  locator(selector: string): {
    count(): Promise<number>;
    allTextContents(): Promise<string[]>;
    first(): { textContent(): Promise<string | null>; getAttribute(name: string): Promise<string | null>; isVisible(): Promise<boolean> };
    nth(i: number): { getAttribute(name: string): Promise<string | null>; isVisible(): Promise<boolean> };
  };
  frameLocator(selector: string): { locator(selector: string): { allTextContents(): Promise<string[]> } };
  screenshot(options: { path: string; fullPage?: boolean }): Promise<unknown>;
  setViewportSize(size: { width: number; height: number }): Promise<void>;
}
export interface Browser {
  newPage(): Promise<BrowserPage>;
  close(): Promise<void>;
}
interface Chromium {
  launch(options: { executablePath: string; headless: boolean; args: string[] }): Promise<Browser>;
}

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export type LaunchResult = { readonly browser: Browser; readonly close: () => Promise<void> } | { readonly skip: string };

export async function launchChromium(env: NodeJS.ProcessEnv = process.env): Promise<LaunchResult> {
  const executablePath = env.TFLYTE_CHROMIUM ?? '/usr/bin/chromium';
  const missing = (reason: string): LaunchResult => {
    if (env.TFLYTE_REQUIRE_BROWSER === '1') throw new Error(`TFLYTE_REQUIRE_BROWSER=1 but ${reason}`);
    return { skip: reason };
  };
  if (!existsSync(executablePath))
    return missing(`no Chromium at ${executablePath} (tools/ci/install-browser.sh installs Debian's chromium)`);
  let chromium: Chromium;
  try {
    // A variable specifier: playwright-core is a test-only dependency, absent from installs of the package.
    const name = 'playwright-core';
    chromium = ((await import(name)) as { chromium: Chromium }).chromium;
  } catch {
    return missing('playwright-core is not installed (a devDependency of @tflyte/report)');
  }
  // playwright-core starts every launch on a fresh, empty profile of its own (it refuses --user-data-dir).
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_FLAGS });
  return { browser, close: () => browser.close() };
}
