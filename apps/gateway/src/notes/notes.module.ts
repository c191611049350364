import { Module } from '@nestjs/common';
import { FinanceModule } from '../finance/finance.module.js';
import { IdempotencyRepository } from '../idempotency/idempotency.repository.js';
import { IdempotencyService } from '../idempotency/idempotency.service.js';
import { OutboxModule } from '../outbox/outbox.module.js';
import { NoteController } from './note.controller.js';
import { NoteRepository } from './note.repository.js';
import { NoteService } from './note.service.js';

// Owns the notes API: submission (single, batch, idempotent), status, listing and extraction read-back.
@Module({
  imports: [OutboxModule, FinanceModule],
  controllers: [NoteController],
  providers: [NoteRepository, NoteService, IdempotencyRepository, IdempotencyService],
})
export class NotesModule {}
