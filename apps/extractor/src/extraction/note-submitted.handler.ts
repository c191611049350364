import { Controller, Inject, type BeforeApplicationShutdown } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext, Payload } from '@nestjs/microservices';
import { deliveryOf, MessageRunner, type InProcessContext } from '#platform';
import { compileContract, NOTES_SUBMITTED_TOPIC, NoteSubmittedSchema } from '#schemas';
import { ExtractionService } from './extraction.service.js';

const checkNoteSubmitted = compileContract(NoteSubmittedSchema);

@Controller()
export class NoteSubmittedHandler implements BeforeApplicationShutdown {
  constructor(
    private readonly runner: MessageRunner,
    @Inject(ExtractionService) private readonly extraction: ExtractionService,
  ) {}

  @EventPattern<string>(NOTES_SUBMITTED_TOPIC)
  async onNoteSubmitted(@Payload() data: unknown, @Ctx() context: KafkaContext | InProcessContext): Promise<void> {
    await this.runner.run(deliveryOf(context), data, checkNoteSubmitted, (note) => this.extraction.extract(note));
  }

  beforeApplicationShutdown(): void {
    this.runner.close();
  }
}
