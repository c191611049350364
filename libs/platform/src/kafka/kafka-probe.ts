import { Kafka, logLevel } from 'kafkajs';
import type { ReadinessProbe } from '../health/health.module.js';

/** Ready when the cluster answers a metadata request. One admin connection, reused between checks. */
export function kafkaReadinessProbe(brokers: string[], clientId: string): ReadinessProbe & { close(): Promise<void> } {
  const admin = new Kafka({ brokers, clientId, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  let connected: Promise<void> | null = null;
  return {
    name: 'kafka',
    async check() {
      connected ??= admin.connect().catch((error: unknown) => {
        connected = null;
        throw error;
      });
      await connected;
      try {
        await admin.describeCluster();
      } catch (error) {
        connected = null;
        await admin.disconnect().catch(() => undefined);
        throw error;
      }
    },
    async close() {
      if (connected) await admin.disconnect().catch(() => undefined);
    },
  };
}
