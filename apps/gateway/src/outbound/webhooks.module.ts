import { Module } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config.js';
import { DestinationPolicy } from './destination.policy.js';
import { WebhookSender } from './webhook.sender.js';

// Owns outbound webhook calls: the destination policy (SSRF guard) and the sender that enforces it.
@Module({
  providers: [
    {
      provide: DestinationPolicy,
      inject: [GATEWAY_CONFIG],
      useFactory: (config: GatewayConfig) =>
        new DestinationPolicy({
          allowedPrivateCidrs: config.WEBHOOK_ALLOWED_PRIVATE_CIDRS,
          allowedPorts: config.WEBHOOK_ALLOWED_PORTS,
        }),
    },
    WebhookSender,
  ],
  exports: [DestinationPolicy, WebhookSender],
})
export class WebhooksModule {}
