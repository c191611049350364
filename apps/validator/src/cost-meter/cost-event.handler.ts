import { Controller, type BeforeApplicationShutdown } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext, Payload } from '@nestjs/microservices';
import { deliveryOf, MessageRunner, Outcome, type InProcessContext } from '#platform';
import { compileContract, COST_EVENTS_TOPIC, CostEventSchema } from '#schemas';
import { CostMeterService } from './cost-meter.service.js';

const checkCostEvent = compileContract(CostEventSchema);

/** cost.events → the cost meter. A duplicate event id is `skipped`; a database error is retried by the runner. */
@Controller()
export class CostEventHandler implements BeforeApplicationShutdown {
  constructor(
    private readonly runner: MessageRunner,
    private readonly meter: CostMeterService,
  ) {}

  @EventPattern<string>(COST_EVENTS_TOPIC)
  async onCostEvent(@Payload() data: unknown, @Ctx() context: KafkaContext | InProcessContext): Promise<void> {
    await this.runner.run(deliveryOf(context), data, checkCostEvent, async (event) => {
      const result = await this.meter.record([event]);
      return result.recorded === 1 ? Outcome.success() : Outcome.skipped('cost event already recorded');
    });
  }

  beforeApplicationShutdown(): void {
    this.runner.close();
  }
}
