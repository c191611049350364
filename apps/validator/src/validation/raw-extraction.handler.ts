import { Controller, type BeforeApplicationShutdown } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext, Payload } from '@nestjs/microservices';
import { deliveryOf, MessageRunner, type InProcessContext } from '#platform';
import { compileContract, EXTRACTIONS_RAW_TOPIC, RawExtractionSchema } from '#schemas';
import { ValidationService } from './validation.service.js';

const checkRawExtraction = compileContract(RawExtractionSchema);

@Controller()
export class RawExtractionHandler implements BeforeApplicationShutdown {
  constructor(
    private readonly runner: MessageRunner,
    private readonly validation: ValidationService,
  ) {}

  @EventPattern<string>(EXTRACTIONS_RAW_TOPIC)
  async onRawExtraction(@Payload() data: unknown, @Ctx() context: KafkaContext | InProcessContext): Promise<void> {
    await this.runner.run(deliveryOf(context), data, checkRawExtraction, (raw) => this.validation.process(raw));
  }

  beforeApplicationShutdown(): void {
    this.runner.close();
  }
}
