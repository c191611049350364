import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { MessageProducer, type Messaging } from '#platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config.js';
import { GATEWAY_LOGGER } from '../gateway.tokens.js';

// Owns what every gateway module injects: the validated config, the logger and the transactional Kafka producer.
@Module({})
export class GatewayCoreModule {
  static forRoot(config: GatewayConfig, logger: Logger, messaging: Messaging): DynamicModule {
    return {
      module: GatewayCoreModule,
      global: true,
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: GATEWAY_LOGGER, useValue: logger },
        {
          provide: MessageProducer,
          useFactory: () => messaging.producer(config.KAFKA_CLIENT_ID, { transactional: true }),
        },
      ],
      exports: [GATEWAY_CONFIG, GATEWAY_LOGGER, MessageProducer],
    };
  }
}
