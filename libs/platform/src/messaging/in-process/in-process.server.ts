import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import type { InProcessBus } from './in-process.bus.js';
import { InProcessContext } from './in-process.context.js';

/**
 * A Nest microservice transport over InProcessBus: the same @EventPattern handlers, contracts and outcome runner as
 * with Kafka, so local mode runs the production code paths. Values are parsed from JSON as Nest's Kafka parser does.
 */
export class InProcessServer extends Server implements CustomTransportStrategy {
  private readonly topics: string[] = [];

  constructor(
    private readonly bus: InProcessBus,
    private readonly groupId: string,
  ) {
    super();
  }

  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    for (const pattern of this.getHandlers().keys()) {
      this.topics.push(pattern);
      this.bus.subscribe(pattern, this.groupId, async (message) => {
        const context = new InProcessContext([
          {
            topic: message.topic,
            partition: message.partition,
            offset: message.offset,
            key: message.key,
            heartbeat: () => Promise.resolve(),
          },
        ]);
        await this.handleEvent(pattern, { pattern, data: parseValue(message.value) }, context);
      });
    }
    callback();
  }

  async close(): Promise<void> {
    await Promise.all(this.topics.map((topic) => this.bus.unsubscribe(topic, this.groupId)));
  }

  on(): void {
    // No transport-level events to report: the bus cannot disconnect.
  }

  unwrap<T>(): T {
    return this.bus as T;
  }
}

function parseValue(value: string): unknown {
  if (!value.startsWith('{') && !value.startsWith('[')) return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}
