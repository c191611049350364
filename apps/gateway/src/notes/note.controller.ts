import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import type { Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.guard.js';
import { ContractPipe, UuidPipe } from '../http/request-validation.js';
import {
  SubmitNoteBodySchema,
  type NoteAcceptedResponse,
  type NoteStatusResponse,
  type SubmitNoteBody,
} from './note.dto.js';
import { NoteService } from './note.service.js';

@Controller('v1/notes')
export class NoteController {
  constructor(private readonly notes: NoteService) {}

  @Post()
  @HttpCode(202)
  @Roles('submitter', 'admin')
  submit(
    @CurrentPrincipal() principal: Principal,
    @Body(new ContractPipe(SubmitNoteBodySchema)) body: SubmitNoteBody,
  ): Promise<NoteAcceptedResponse> {
    return this.notes.submit(principal, body);
  }

  @Get(':id')
  @Roles('submitter', 'reviewer', 'admin')
  status(@CurrentPrincipal() principal: Principal, @Param('id', UuidPipe) id: string): Promise<NoteStatusResponse> {
    return this.notes.status(principal, id);
  }
}
