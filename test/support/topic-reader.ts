import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';

/**
 * Reads a topic from the beginning with a fresh consumer group and returns the `noteId` of every committed message.
 * Offsets cannot be counted: a transactional producer's commit markers and aborted sends take offsets too. So it
 * reads until `expected` messages arrived and nothing more came for `quietMs` (or `timeoutMs` passed), and returns
 * what it saw, so a caller can count losses and duplicates rather than only time out.
 */
export async function readNoteIds(
  brokers: string,
  topic: string,
  expected: number,
  { quietMs = 3000, timeoutMs = 60_000 } = {},
): Promise<string[]> {
  const kafka = new Kafka({ brokers: [brokers], clientId: `topic-reader-${randomUUID()}`, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `topic-reader-${randomUUID()}` });
  const seen: string[] = [];
  let lastAt = Date.now();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push((JSON.parse(message.value!.toString()) as { noteId: string }).noteId);
        lastAt = Date.now();
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !(seen.length >= expected && Date.now() - lastAt >= quietMs)) {
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await consumer.disconnect();
  }
  return seen;
}
