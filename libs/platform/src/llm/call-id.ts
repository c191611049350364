import { createHash } from 'node:crypto';

/**
 * A UUID-shaped id (RFC 9562 version 8, "custom") derived from its parts: the same unit of work always gets the same
 * id, so a call replayed after a crash, or an event delivered twice, is recorded once.
 */
export function deterministicId(...parts: readonly string[]): string {
  const hex = createHash('sha256').update(parts.join('\u241f')).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
