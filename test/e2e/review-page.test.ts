import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import type { Browser } from 'playwright-core';
import { startService, type RunningService } from '../../libs/platform/src/index.js';
import { emptyExtraction, type ClinicalExtraction, type RawExtraction } from '../../libs/schemas/src/index.js';
import { gatewayService } from '../../apps/gateway/src/gateway.service-definition.js';
import type { GatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { validatorService } from '../../apps/validator/src/validator.service-definition.js';
import type { ValidatorConfig } from '../../apps/validator/src/config/validator.config.js';
import { launchChromium, openWatchedPage, saveScreenshot, type WatchedPage } from '../support/browser.js';
import { apiKeyRowId, spanIn } from '../support/review-fixture.js';
import { waitFor } from '../support/service-process.js';
import { createTestTenant, type TestTenant } from '../support/tenant-fixture.js';

// The callbacks of page.$$eval/evaluate run inside Chromium; the test program has no DOM library, so the little of
// the DOM they touch is declared here (module scope, not global).
interface PageElement {
  getAttribute(name: string): string | null;
  textContent: string | null;
  classList: { contains(name: string): boolean };
  value: string;
  dataset: Record<string, string | undefined>;
  selectionStart: number | null;
  selectionEnd: number | null;
}
declare const document: { activeElement: PageElement | null; querySelector(selector: string): PageElement | null };

/**
 * A reviewer's session in real headless Chromium against the gateway. The items come through the real pipeline
 * from the engine's output on: raw extractions are published to Kafka and the real validator (in-process) flags and
 * stores them; only the notes themselves are inserted directly (no extraction engine runs here).
 */
describe('review page in headless Chromium', () => {
  const databaseUrl = process.env.DATABASE_URL!;
  const brokers = process.env.KAFKA_BROKERS!;
  const run = randomUUID().slice(0, 8);
  const db = new pg.Client({ connectionString: databaseUrl });
  const engine = { name: 'bert-ner', model: 'clinex-ner-test', version: `2026.11-${run}` };
  let tenant: TestTenant;
  let validator: RunningService<ValidatorConfig>;
  let gateway: RunningService<GatewayConfig>;
  let producer: Producer;
  let browser: Browser;
  let watched: WatchedPage;

  const doseNote = [
    '58 y/o female with type 2 diabetes mellitus, here for follow-up. Reports fatigue, denies chest pain.',
    'HbA1c 8.2 % today.',
    'Started metformin 500 mg PO twice daily.',
    'Continue lisinopril 10 mg by mouth daily.',
    'Follow up in 3 months with endocrinology.',
  ].join('\n');
  const aspirinNote = 'Takes aspirin 81 mg daily for secondary prevention.';
  const ibuprofenNote = 'Ibuprofen 400 mg PO as needed for knee pain.';
  const notes = {
    dose: { id: randomUUID(), externalId: `dose-${run}` },
    aspirin: { id: randomUUID(), externalId: `asa-${run}` },
    ibuprofen: { id: randomUUID(), externalId: `ibu-${run}` },
  };

  /** What an engine produced for the first note: everything right except a dose read ten times too high. */
  function doseExtraction(noteId: string): ClinicalExtraction {
    const at = (text: string, from = 0) => spanIn(doseNote, text, from);
    return {
      ...emptyExtraction(noteId, engine),
      patient: {
        age: { text: '58 y/o', span: at('58 y/o'), value: 58, unit: 'years' },
        sex: { value: 'female', span: at('female') },
      },
      medications: [
        {
          name: { text: 'metformin', span: at('metformin') },
          dose: { text: '500 mg', span: at('500 mg'), value: 5000, unit: 'mg' },
          frequency: { text: 'twice daily', span: at('twice daily'), code: 'BID', timesPerDay: 2, asNeeded: false },
          route: { text: 'PO', span: at('PO'), code: 'PO' },
          status: 'new',
          confidence: 0.64,
        },
        {
          name: { text: 'lisinopril', span: at('lisinopril') },
          dose: { text: '10 mg', span: at('10 mg'), value: 10, unit: 'mg' },
          frequency: {
            text: 'daily',
            span: at('daily', doseNote.indexOf('lisinopril')),
            code: 'QD',
            timesPerDay: 1,
            asNeeded: false,
          },
          route: { text: 'by mouth', span: at('by mouth'), code: 'PO' },
          status: 'current',
          confidence: 0.93,
        },
      ],
      diagnoses: [{ text: 'type 2 diabetes mellitus', span: at('type 2 diabetes mellitus'), negated: false }],
      symptoms: [
        { text: 'fatigue', span: at('fatigue'), negated: false },
        { text: 'chest pain', span: at('chest pain'), negated: true },
      ],
      labs: [
        {
          name: { text: 'HbA1c', span: at('HbA1c') },
          value: { text: '8.2', span: at('8.2'), value: 8.2 },
          unit: { text: '%', span: at('%') },
        },
      ],
      followUps: [
        {
          text: 'Follow up in 3 months',
          span: at('Follow up in 3 months'),
          interval: { value: 3, unit: 'months' },
          with: { text: 'endocrinology', span: at('endocrinology') },
        },
      ],
    };
  }

  /** The second note: right values, but the engine gave the drug name without a position. */
  function aspirinExtraction(noteId: string): ClinicalExtraction {
    const at = (text: string) => spanIn(aspirinNote, text);
    return {
      ...emptyExtraction(noteId, engine),
      medications: [
        {
          name: { text: 'aspirin', span: null },
          dose: { text: '81 mg', span: at('81 mg'), value: 81, unit: 'mg' },
          frequency: { text: 'daily', span: at('daily'), code: 'QD', timesPerDay: 1, asNeeded: false },
          route: null,
          status: 'current',
          confidence: 0.9,
        },
      ],
    };
  }

  /** The third note: the same kind of finding as the second, with more confidence, so it comes last. */
  function ibuprofenExtraction(noteId: string): ClinicalExtraction {
    const at = (text: string) => spanIn(ibuprofenNote, text);
    return {
      ...emptyExtraction(noteId, engine),
      medications: [
        {
          name: { text: 'Ibuprofen', span: null },
          dose: { text: '400 mg', span: at('400 mg'), value: 400, unit: 'mg' },
          frequency: { text: 'as needed', span: at('as needed'), code: 'PRN', timesPerDay: null, asNeeded: true },
          route: { text: 'PO', span: at('PO'), code: 'PO' },
          status: 'current',
          confidence: 0.95,
        },
      ],
    };
  }

  const raw = (noteId: string, noteText: string, extraction: ClinicalExtraction): RawExtraction => ({
    version: 1,
    messageId: randomUUID(),
    tenantId: tenant.id,
    noteId,
    noteText,
    engine,
    extraction,
    modelSeconds: 0.02,
    producedAt: new Date().toISOString(),
  });

  beforeAll(async () => {
    await db.connect();
    tenant = await createTestTenant(databaseUrl, 'review-page');
    for (const [note, text] of [
      [notes.dose, doseNote],
      [notes.aspirin, aspirinNote],
      [notes.ibuprofen, ibuprofenNote],
    ] as const) {
      await db.query(
        `INSERT INTO notes (id, tenant_id, external_id, text, requested_engine, status) VALUES ($1, $2, $3, $4, 'bert-ner', 'queued')`,
        [note.id, tenant.id, note.externalId, text],
      );
    }
    validator = await startService(validatorService, {
      env: { ...process.env, KAFKA_GROUP_ID: `review-page-${run}`, PORT: '0', LOG_LEVEL: 'warn' },
    });
    producer = new Kafka({
      brokers: brokers.split(','),
      clientId: `review-page-${run}`,
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    await producer.send({
      topic: 'extractions.raw',
      messages: [
        { key: notes.dose.id, value: JSON.stringify(raw(notes.dose.id, doseNote, doseExtraction(notes.dose.id))) },
        {
          key: notes.aspirin.id,
          value: JSON.stringify(raw(notes.aspirin.id, aspirinNote, aspirinExtraction(notes.aspirin.id))),
        },
        {
          key: notes.ibuprofen.id,
          value: JSON.stringify(raw(notes.ibuprofen.id, ibuprofenNote, ibuprofenExtraction(notes.ibuprofen.id))),
        },
      ],
    });
    await waitFor(
      async () => {
        const { rows } = await db.query(`SELECT 1 FROM extractions WHERE tenant_id = $1 AND status = 'needs_review'`, [
          tenant.id,
        ]);
        return rows.length === 3 ? true : null;
      },
      90_000,
      'the validator to send all three extractions to review',
    );
    gateway = await startService(gatewayService, {
      env: { ...process.env, DATABASE_URL: databaseUrl, PORT: '0', LOG_LEVEL: 'warn', DOCS_ENABLED: 'false' },
    });
    browser = await launchChromium();
    watched = await openWatchedPage(browser, gateway.url);
  }, 180_000);

  const opened = (externalId: string) =>
    watched.page.waitForFunction((id: string) => document.querySelector('#item-title')?.textContent === id, externalId);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([gateway?.app.close(), validator?.app.close(), producer?.disconnect()]);
    await db.end();
  });

  it('lets a reviewer correct a flagged dose with the keyboard, accept, and move on to the next item', async () => {
    const { page } = watched;
    const [doseRow] = (await db.query<{ id: string }>('SELECT id FROM extractions WHERE note_id = $1', [notes.dose.id]))
      .rows;

    // Sign in: the key goes into sessionStorage and the Authorization header, nowhere else.
    await page.goto(`${gateway.url}/review`);
    await page.fill('#api-key', tenant.keys.reviewer);
    await page.keyboard.press('Enter');

    // The most urgent item opens first: the error-flagged dose, with its counts in the queue.
    await page.waitForSelector(`#review-item[data-id="${doseRow!.id}"]`);
    expect(await page.textContent('#item-title')).toBe(notes.dose.externalId);
    expect(await page.textContent('#queue-total')).toBe('3');
    expect(await page.locator('.queue-item').count()).toBe(3);

    // Every extracted span is highlighted by type; the flagged dose is marked in the note.
    const marks = await page.$$eval('#note-text mark', (els: PageElement[]) =>
      els.map((el) => ({
        type: el.getAttribute('data-type'),
        text: el.textContent,
        flagged: el.classList.contains('hl-flagged'),
      })),
    );
    for (const type of [
      'med-name',
      'med-dose',
      'med-frequency',
      'med-route',
      'diagnosis',
      'symptom',
      'lab',
      'follow-up',
      'patient',
    ]) {
      expect(marks.some((m) => m.type === type)).toBe(true);
    }
    expect(marks).toContainEqual({ type: 'med-dose', text: '500 mg', flagged: true });
    expect(marks).toContainEqual({ type: 'med-name', text: 'lisinopril', flagged: false });
    expect(marks).toContainEqual({ type: 'diagnosis', text: 'type 2 diabetes mellitus', flagged: false });

    // The validator's reason sits in the dose cell of the first medication.
    const reason = page.locator('#medications [data-flag-code="DOSE_VALUE_NOT_IN_TEXT"]');
    await reason.waitFor();
    expect(await reason.textContent()).toMatch(/dose value does not match any number in the dose text/);
    const doseCell = page.locator('#medications td', { has: page.locator('[data-path="/medications/0/dose/value"]') });
    expect(await doseCell.locator('[data-flag-code="DOSE_VALUE_NOT_IN_TEXT"]').count()).toBe(1);

    // e: edit, the cursor lands on the flagged value with its text selected; type the right dose, Enter keeps it.
    await page.keyboard.press('e');
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      return {
        path: el?.dataset['editPath'],
        value: el?.value,
        selected: el ? el.selectionEnd! - el.selectionStart! : 0,
      };
    });
    expect(focused).toEqual({ path: '/medications/0/dose/value', value: '5000', selected: 4 });
    await page.keyboard.type('500');
    await saveScreenshot(page, 'review-page-editing.png');
    await page.keyboard.press('Enter');
    expect(await page.textContent('[data-path="/medications/0/dose/value"]')).toBe('500');
    expect(await page.getAttribute('[data-path="/medications/0/dose/value"]', 'class')).toContain('edited');
    expect(await page.textContent('#pending')).toMatch(/1 change pending/);
    expect(await page.textContent('#accept')).toMatch(/Save correction/);
    await saveScreenshot(page, 'review-page.png');

    // The help overlay lists the keys.
    await page.keyboard.press('?');
    expect(await page.textContent('#help')).toMatch(/Accept[\s\S]*Reject[\s\S]*Edit[\s\S]*Next \/ previous/);
    await saveScreenshot(page, 'review-page-help.png');
    await page.keyboard.press('Escape');
    expect(await page.locator('#help').count()).toBe(0);

    // a: accept with the correction; the next item opens.
    await page.keyboard.press('a');
    await opened(notes.aspirin.externalId);
    expect(await page.textContent('#banner')).toMatch(new RegExp(`Corrected ${notes.dose.externalId}`));
    expect(await page.textContent('#queue-total')).toBe('2');
    expect(await page.textContent('#medications')).toMatch(/NOT_GROUNDED/);
    await saveScreenshot(page, 'review-page-next.png');

    // The database holds the corrected values, the decision and its audit row.
    const reviewerKeyId = await apiKeyRowId(db, tenant.keys.reviewer);
    const extraction = await db.query('SELECT status, payload FROM extractions WHERE id = $1', [doseRow!.id]);
    expect(extraction.rows[0].status).toBe('accepted');
    expect(extraction.rows[0].payload.medications[0].dose).toMatchObject({ text: '500 mg', value: 500, unit: 'mg' });
    expect(extraction.rows[0].payload.medications[1].dose.value).toBe(10);
    const meds = await db.query(
      'SELECT position, name, dose_value::float AS dose FROM extraction_medications WHERE extraction_id = $1 ORDER BY position',
      [doseRow!.id],
    );
    expect(meds.rows).toEqual([
      { position: 0, name: 'metformin', dose: 500 },
      { position: 1, name: 'lisinopril', dose: 10 },
    ]);
    expect((await db.query('SELECT status FROM notes WHERE id = $1', [notes.dose.id])).rows[0].status).toBe('accepted');
    const decision = await db.query('SELECT decision, reviewer_key FROM review_decisions WHERE extraction_id = $1', [
      doseRow!.id,
    ]);
    expect(decision.rows).toEqual([{ decision: 'correct', reviewer_key: reviewerKeyId }]);
    const audit = await db.query(
      `SELECT actor, data FROM audit_log WHERE entity_id = $1 AND action = 'review.correct'`,
      [doseRow!.id],
    );
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0].actor).toBe(reviewerKeyId);
    expect(audit.rows[0].data).toMatchObject({
      engine: engine,
      changes: [{ op: 'replace', path: '/medications/0/dose/value', value: 500 }],
      before: { status: 'needs_review' },
      after: { status: 'accepted' },
    });

    // Offline and private: nothing fetched from elsewhere, no errors, no note text or key in any URL.
    expect(watched.foreignRequests).toEqual([]);
    expect(watched.errors).toEqual([]);
    for (const url of watched.requests) {
      expect(url).not.toMatch(/metformin|aspirin|diabetes/i);
      expect(url).not.toContain(tenant.keys.reviewer);
    }
  });

  // Continues the session above, where the aspirin item is open and the ibuprofen item is next.
  it('moves through the queue with j and k, giving back what it leaves, and rejects with x', async () => {
    const { page } = watched;
    const extractionOf = async (noteId: string) =>
      (
        await db.query<{ id: string; status: string; claimed_by: string | null }>(
          'SELECT id, status, claimed_by FROM extractions WHERE note_id = $1',
          [noteId],
        )
      ).rows[0]!;
    expect(await page.textContent('#item-title')).toBe(notes.aspirin.externalId);

    await page.keyboard.press('j');
    await opened(notes.ibuprofen.externalId);
    expect((await extractionOf(notes.aspirin.id)).claimed_by).toBeNull();
    expect((await extractionOf(notes.ibuprofen.id)).claimed_by).toBe(await apiKeyRowId(db, tenant.keys.reviewer));
    await page.keyboard.press('k');
    await opened(notes.aspirin.externalId);
    await page.keyboard.press('j');
    await opened(notes.ibuprofen.externalId);

    await page.keyboard.press('x');
    await opened(notes.aspirin.externalId);
    expect(await page.textContent('#banner')).toMatch(new RegExp(`Rejected ${notes.ibuprofen.externalId}`));
    expect(await page.textContent('#queue-total')).toBe('1');
    const rejected = await extractionOf(notes.ibuprofen.id);
    expect(rejected.status).toBe('rejected');
    const audit = await db.query(`SELECT 1 FROM audit_log WHERE entity_id = $1 AND action = 'review.reject'`, [
      rejected.id,
    ]);
    expect(audit.rowCount).toBe(1);
    expect(watched.errors).toEqual([]);
  });
});
