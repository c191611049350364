import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { generateApiKey, hashSecret } from '../../apps/gateway/src/auth/api-key.hasher.js';
import type { Role } from '../../apps/gateway/src/auth/principal.js';
import { emptyExtraction, type ClinicalExtraction } from '../../libs/schemas/src/index.js';

/**
 * Review test data written straight to the database, in the shape the validator writes (note, extraction, flags,
 * medication rows) — for API tests that need many items in exact states. The browser test seeds through the real
 * validator instead.
 */

export interface SeedFlag {
  code: string;
  severity: 'info' | 'warning' | 'error';
  message: string;
  path: string;
}

export interface SeededItem {
  noteId: string;
  extractionId: string;
  externalId: string;
  noteText: string;
  extraction: ClinicalExtraction;
}

export const ENGINE = { name: 'bert-ner', model: 'clinex-ner-test', version: '2026.11.1' } as const;

/** `{text, start, end}` of the first occurrence of `text` in `note` (throws when absent: a fixture bug). */
export function spanIn(note: string, text: string, from = 0): { text: string; start: number; end: number } {
  const start = note.indexOf(text, from);
  if (start < 0) throw new Error(`fixture text "${text}" is not in the note`);
  return { text, start, end: start + text.length };
}

/** A note that gives one medication with a dose; the engine read the dose value ten times too high. */
export function doseMistake(noteId: string, drug = 'metformin', dose = 500, confidence = 0.62) {
  const noteText = `Started ${drug} ${dose} mg PO twice daily.`;
  const at = (t: string) => spanIn(noteText, t);
  const extraction: ClinicalExtraction = {
    ...emptyExtraction(noteId, { ...ENGINE }),
    medications: [
      {
        name: { text: drug, span: at(drug) },
        dose: { text: `${dose} mg`, span: at(`${dose} mg`), value: dose * 10, unit: 'mg' },
        frequency: { text: 'twice daily', span: at('twice daily'), code: 'BID', timesPerDay: 2, asNeeded: false },
        route: { text: 'PO', span: at('PO'), code: 'PO' },
        status: 'new',
        confidence,
      },
    ],
  };
  const flags: SeedFlag[] = [
    {
      code: 'DOSE_VALUE_NOT_IN_TEXT',
      severity: 'error',
      message: 'dose value does not match any number in the dose text (it is 10x the number in the text)',
      path: '/medications/0/dose/value',
    },
  ];
  return { noteText, extraction, flags };
}

export async function seedReviewItem(
  db: pg.Client,
  tenantId: string,
  build: (noteId: string) => { noteText: string; extraction: ClinicalExtraction; flags: SeedFlag[] },
  options: { createdAt?: Date; engine?: { name: string; model: string; version: string } } = {},
): Promise<SeededItem> {
  const noteId = randomUUID();
  const extractionId = randomUUID();
  const externalId = `ext-${noteId.slice(0, 8)}`;
  const { noteText, extraction, flags } = build(noteId);
  const engine = options.engine ?? ENGINE;
  const payload: ClinicalExtraction = { ...extraction, engine: { ...extraction.engine, ...engine } };
  const createdAt = options.createdAt ?? new Date();
  await db.query(
    `INSERT INTO notes (id, tenant_id, external_id, text, requested_engine, status, created_at)
     VALUES ($1, $2, $3, $4, $5, 'needs_review', $6)`,
    [noteId, tenantId, externalId, noteText, engine.name, createdAt],
  );
  await db.query(
    `INSERT INTO extractions (id, tenant_id, note_id, engine_name, engine_model, engine_version, status, payload, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'needs_review', $7, $8)`,
    [extractionId, tenantId, noteId, engine.name, engine.model, engine.version, JSON.stringify(payload), createdAt],
  );
  for (const f of flags) {
    await db.query(
      `INSERT INTO extraction_flags (id, tenant_id, extraction_id, code, severity, message, path)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [randomUUID(), tenantId, extractionId, f.code, f.severity, f.message, f.path],
    );
  }
  for (const [position, m] of payload.medications.entries()) {
    await db.query(
      `INSERT INTO extraction_medications (id, tenant_id, extraction_id, position, name, dose_value, dose_unit,
         frequency_code, times_per_day, route_code, status, confidence)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        randomUUID(),
        tenantId,
        extractionId,
        position,
        m.name.text,
        m.dose?.value ?? null,
        m.dose?.unit ?? null,
        m.frequency?.code ?? null,
        m.frequency?.timesPerDay ?? null,
        m.route?.code ?? null,
        m.status,
        m.confidence,
      ],
    );
  }
  return { noteId, extractionId, externalId, noteText, extraction: payload };
}

/** One more API key for a tenant (e.g. a second reviewer); returns the plaintext key and its row id. */
export async function addApiKey(db: pg.Client, tenantId: string, role: Role): Promise<{ key: string; id: string }> {
  const generated = generateApiKey();
  const id = randomUUID();
  await db.query(
    'INSERT INTO api_keys (id, tenant_id, key_id, secret_hash, role, label) VALUES ($1, $2, $3, $4, $5, $6)',
    [id, tenantId, generated.keyId, await hashSecret(generated.secret), role, `extra ${role} key`],
  );
  return { key: generated.plaintext, id };
}

/** The row id of a plaintext API key (what the audit trail records as the actor). */
export async function apiKeyRowId(db: pg.Client, plaintext: string): Promise<string> {
  const keyId = /^cx_([0-9a-f]{16})_/.exec(plaintext)?.[1];
  const { rows } = await db.query<{ id: string }>('SELECT id FROM api_keys WHERE key_id = $1', [keyId]);
  if (!rows[0]) throw new Error('no such API key');
  return rows[0].id;
}
