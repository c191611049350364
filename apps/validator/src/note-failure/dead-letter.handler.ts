import { Controller, type BeforeApplicationShutdown } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext, Payload } from '@nestjs/microservices';
import { deliveryOf, MessageRunner, type InProcessContext } from '#platform';
import { compileContract, DEAD_LETTER_TOPIC, DeadLetterSchema } from '#schemas';
import { NoteFailureService } from './note-failure.service.js';

const checkDeadLetter = compileContract(DeadLetterSchema);

/** dead-letter → the note it is about becomes `failed`. Letters that name no note are skipped. */
@Controller()
export class DeadLetterHandler implements BeforeApplicationShutdown {
  constructor(
    private readonly runner: MessageRunner,
    private readonly failures: NoteFailureService,
  ) {}

  @EventPattern<string>(DEAD_LETTER_TOPIC)
  async onDeadLetter(@Payload() data: unknown, @Ctx() context: KafkaContext | InProcessContext): Promise<void> {
    await this.runner.run(deliveryOf(context), data, checkDeadLetter, (letter) =>
      this.failures.recordDeadLetter(letter),
    );
  }

  beforeApplicationShutdown(): void {
    this.runner.close();
  }
}
