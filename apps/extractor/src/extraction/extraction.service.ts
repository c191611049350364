import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { MessageProducer, Outcome, type MessageOutcome } from '#platform';
import { EXTRACTIONS_RAW_TOPIC, type NoteSubmitted, type RawExtraction } from '#schemas';
import { EXTRACTION_ENGINE, type ExtractionEngine } from '../engines/extraction-engine.port.js';

@Injectable()
export class ExtractionService {
  constructor(
    @Inject(EXTRACTION_ENGINE) private readonly engine: ExtractionEngine,
    private readonly producer: MessageProducer,
  ) {}

  /** Runs the engine on one submitted note and publishes the raw extraction for the validator. */
  async extract(note: NoteSubmitted): Promise<MessageOutcome> {
    const result = await this.engine.extract({
      noteId: note.noteId,
      tenantId: note.tenantId,
      text: note.text,
      ...(note.promptVariant ? { promptVariant: note.promptVariant } : {}),
    });
    const message: RawExtraction = {
      version: 1,
      messageId: randomUUID(),
      tenantId: note.tenantId,
      noteId: note.noteId,
      noteText: note.text,
      engine: {
        name: this.engine.descriptor.name,
        model: this.engine.descriptor.model,
        version: this.engine.descriptor.version,
      },
      extraction: result.extraction,
      modelSeconds: result.modelSeconds,
      producedAt: new Date().toISOString(),
    };
    await this.producer.send(EXTRACTIONS_RAW_TOPIC, [{ key: note.noteId, value: message }]);
    return Outcome.success();
  }
}
