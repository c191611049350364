import { KafkaContext } from '@nestjs/microservices';
import { InProcessContext } from './in-process/in-process.context.js';

/** Where a consumed message came from, whatever the transport: what the runner needs to log, retry and dead-letter. */
export interface Delivery {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /** Tells the broker this consumer is alive during a long retry wait. */
  heartbeat(): Promise<void>;
}

export function deliveryOf(context: KafkaContext | InProcessContext): Delivery {
  if (context instanceof InProcessContext) return context.delivery;
  const message = context.getMessage();
  const heartbeat = context.getHeartbeat();
  return {
    topic: context.getTopic(),
    partition: context.getPartition(),
    offset: message.offset,
    key: typeof message.key === 'string' ? message.key : (message.key?.toString() ?? null),
    heartbeat: () => heartbeat(),
  };
}
