/**
 * Headless Chromium for report tests: Debian's chromium driven by playwright-core, with the launch
 * flags this machine needs (no sandbox as root, nothing that phones home). Returns a reason instead
 * of a browser when either part is missing; with TFLYTE_REQUIRE_BROWSER=1 (CI) that is an error.
 */
import { existsSync } from 'node:fs';

/** Where an element is drawn, in CSS pixels from the top left of the viewport. */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

interface ElementHandle {
  textContent(): Promise<string | null>;
  getAttribute(name: string): Promise<string | null>;
  isVisible(): Promise<boolean>;
  boundingBox(): Promise<Box | null>;
  screenshot(options: { path?: string }): Promise<Uint8Array>;
}

/** The part of playwright-core's API these tests use. */
export interface BrowserPage {
  goto(url: string): Promise<unknown>;
  locator(selector: string): {
    count(): Promise<number>;
    allTextContents(): Promise<string[]>;
    first(): ElementHandle;
    nth(i: number): ElementHandle;
  };
  frameLocator(selector: string): {
    locator(selector: string): { allTextContents(): Promise<string[]>; click(): Promise<void>; isVisible(): Promise<boolean> };
  };
  screenshot(options: { path?: string; fullPage?: boolean }): Promise<Uint8Array>;
  setViewportSize(size: { width: number; height: number }): Promise<void>;
  viewportSize(): { width: number; height: number } | null;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
}
/** What the functions below use of a page's globals (the package is typed for Node, without the DOM). */
interface PageGlobals {
  readonly document: { readonly documentElement: { readonly scrollHeight: number } };
  requestAnimationFrame(callback: () => void): number;
  readonly Image: new () => { src: string; readonly width: number; readonly height: number; decode(): Promise<void> };
  readonly OffscreenCanvas: new (
    width: number,
    height: number,
  ) => {
    getContext(kind: '2d'): {
      drawImage(image: unknown, x: number, y: number): void;
      getImageData(x: number, y: number, width: number, height: number): { readonly data: Uint8ClampedArray };
    } | null;
  };
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

/**
 * A screenshot of the whole page with its frames painted. Chromium skips painting a cross-origin
 * frame while it lies outside the viewport (render throttling), and a report's decks are such
 * frames: sandboxed `srcdoc` documents have an opaque origin. A full-page capture renders past the
 * viewport without moving it, so a deck below the first screen came out as an empty box although
 * its document had loaded. Growing the viewport to the page's height first puts every frame on
 * screen, which is also what a reader scrolling to it gets.
 */
export async function screenshotWholePage(page: BrowserPage, options: { path: string }): Promise<Uint8Array> {
  const viewport = page.viewportSize() ?? { width: 1280, height: 720 };
  const height = await page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.scrollHeight, undefined);
  await page.setViewportSize({ width: viewport.width, height: Math.max(viewport.height, height) });
  // Two animation frames: layout at the new size, then a paint that includes the frames now on screen.
  await page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    return new Promise<void>((done) => g.requestAnimationFrame(() => g.requestAnimationFrame(() => done())));
  }, undefined);
  const png = await page.screenshot({ path: options.path, fullPage: true });
  await page.setViewportSize(viewport);
  return png;
}

/**
 * How many pixels of `png` inside `box` (inset by `inset` to leave out a border) are dark enough to
 * be text or drawing rather than a blank background. The browser decodes the image, so the tests
 * need no PNG library.
 */
export async function inkPixels(page: BrowserPage, png: Uint8Array, box: Box, inset = 4): Promise<number> {
  return page.evaluate(
    async ({ base64, x, y, width, height }) => {
      const g = globalThis as unknown as PageGlobals;
      const image = new g.Image();
      image.src = `data:image/png;base64,${base64}`;
      await image.decode();
      const canvas = new g.OffscreenCanvas(image.width, image.height);
      const context = canvas.getContext('2d');
      if (context === null) throw new Error('no 2d canvas context');
      context.drawImage(image, 0, 0);
      const data = context.getImageData(x, y, width, height).data;
      let dark = 0;
      // Below this sum of channels a pixel is ink: text (#1f2328) and labels, never white or a light border.
      for (let i = 0; i < data.length; i += 4) if (data[i]! + data[i + 1]! + data[i + 2]! < 300) dark++;
      return dark;
    },
    {
      base64: Buffer.from(png).toString('base64'),
      x: Math.round(box.x + inset),
      y: Math.round(box.y + inset),
      width: Math.max(1, Math.round(box.width - 2 * inset)),
      height: Math.max(1, Math.round(box.height - 2 * inset)),
    },
  );
}
