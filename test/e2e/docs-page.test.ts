import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { launchChromium, openWatchedPage } from '../support/browser.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';

/**
 * Swagger UI at /docs under its Content-Security-Policy (issue 21), in real headless Chromium against the built
 * gateway: the policy is sent on the page and its files, the page renders the API with no CSP violation and no
 * console error, and it loads nothing from anywhere but the gateway.
 */
describe('/docs under its Content-Security-Policy', () => {
  let gateway: ServiceProcess;
  let browser: Browser;

  beforeAll(async () => {
    gateway = await startServiceProcess('gateway', {
      DATABASE_URL: process.env.DATABASE_URL!,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS!,
      LOG_LEVEL: 'info', // the start line, which startServiceProcess waits for, is an info line
    });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
  });

  it('sends its own CSP (scripts from the gateway only, no framing) with nosniff and no-store', async () => {
    const page = await fetch(`${gateway.url}/docs`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp.split('; ')).toEqual(
      expect.arrayContaining([
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
      ]),
    );
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('cache-control')).toBe('no-store');
    for (const file of ['/docs/swagger-ui-init.js', '/docs/openapi.json']) {
      const response = await fetch(`${gateway.url}${file}`);
      expect({ file, status: response.status }).toEqual({ file, status: 200 });
      expect(response.headers.get('content-security-policy')).toBe(csp);
    }
  });

  it('renders the API reference in Chromium with no CSP violation, no error and nothing loaded from elsewhere', async () => {
    const { page, errors, foreignRequests, context } = await openWatchedPage(browser, gateway.url);
    try {
      // Recorded in the page from its first script on, so no violation before the check can be missed.
      await page.addInitScript(() => {
        // Runs inside Chromium; the little of the DOM it touches is declared here (the project has no DOM types).
        const page = globalThis as unknown as {
          cspViolations: string[];
          addEventListener(
            type: string,
            listener: (event: { violatedDirective: string; blockedURI: string }) => void,
          ): void;
        };
        page.cspViolations = [];
        page.addEventListener('securitypolicyviolation', (event) => {
          page.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
        });
      });
      await page.goto(`${gateway.url}/docs`);
      await page.waitForSelector('.swagger-ui .info .title');
      await page.waitForSelector('.opblock-tag-section');
      expect(await page.textContent('.swagger-ui .info .title')).toContain('Clinex');
      expect(await page.locator('.opblock').count()).toBeGreaterThan(20);
      const violations = await page.evaluate(
        () => (globalThis as unknown as { cspViolations: string[] }).cspViolations,
      );
      expect({ violations, errors, foreignRequests }).toEqual({ violations: [], errors: [], foreignRequests: [] });
    } finally {
      await context.close();
    }
  });
});
