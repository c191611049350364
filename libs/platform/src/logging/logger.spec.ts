import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { createLogger, PinoNestLogger } from './logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      callback();
    },
  });
  return { lines, logger: createLogger({ name: 'test', level: 'debug', destination }) };
}

describe('structured logging with PHI redaction', () => {
  const note = 'Patient takes warfarin 5 mg daily for atrial fibrillation.';

  it('writes one JSON object per line with level, service and time', () => {
    const { lines, logger } = capture();
    logger.info({ noteId: 'n-1' }, 'note accepted');
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'info', service: 'test', noteId: 'n-1', msg: 'note accepted' });
    expect(typeof entry.time).toBe('string');
  });

  it('censors fields that could carry note text or extracted values, at the top level and one level down', () => {
    const { lines, logger } = capture();
    logger.warn(
      {
        text: note,
        noteText: note,
        payload: { text: note },
        message: { text: note, noteId: 'n-2' },
        extraction: { medications: ['warfarin'] },
      },
      'oops',
    );
    const output = lines.join('\n');
    expect(output).not.toContain('warfarin');
    expect(output).toContain('[REDACTED]');
    expect(output).toContain('n-2');
  });

  it('censors the authorization header of a logged request', () => {
    const { lines, logger } = capture();
    logger.info({ req: { headers: { authorization: 'Bearer cx_secret' }, body: { text: note } } }, 'request');
    expect(lines.join('\n')).not.toMatch(/cx_secret|warfarin/);
  });

  it('routes Nest logger calls through pino with their context', () => {
    const { lines, logger } = capture();
    new PinoNestLogger(logger).warn('consumer rebalancing', 'ServerKafka');
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'warn', context: 'ServerKafka', msg: 'consumer rebalancing' });
  });
});
