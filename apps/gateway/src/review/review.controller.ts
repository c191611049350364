import { Readable } from 'node:stream';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import type { Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.guard.js';
import { ApiProblems } from '../docs/openapi.decorators.js';
import { ContractPipe, UuidPipe } from '../http/request-validation.js';
import {
  ClaimBodySchema,
  DecisionBodySchema,
  ExportQuerySchema,
  QueueQuerySchema,
  type ClaimBody,
  type ClaimResponse,
  type DecisionBody,
  type DecisionResponse,
  type ExportQuery,
  type QueueQuery,
  type QueueView,
  type ReviewItemView,
} from './review.dto.js';
import { ReviewService } from './review.service.js';

/** Clinical reviewers' API: the tenant's review queue, claims, decisions and the export of reviewed extractions. */
@ApiTags('review')
@ApiBearerAuth()
@ApiProblems()
@Controller('v1/review')
@Roles('reviewer', 'admin')
export class ReviewController {
  constructor(private readonly review: ReviewService) {}

  @Get('queue')
  queue(
    @CurrentPrincipal() principal: Principal,
    @Query(new ContractPipe(QueueQuerySchema, 'query')) query: QueueQuery,
  ): Promise<QueueView> {
    return this.review.queue(principal, query);
  }

  @Get('items/:id')
  item(@CurrentPrincipal() principal: Principal, @Param('id', UuidPipe) id: string): Promise<ReviewItemView> {
    return this.review.item(principal, id);
  }

  @Post('items/:id/claim')
  @HttpCode(200)
  claim(
    @CurrentPrincipal() principal: Principal,
    @Param('id', UuidPipe) id: string,
    @Body(new ContractPipe(ClaimBodySchema)) body: ClaimBody,
  ): Promise<ClaimResponse> {
    return this.review.claim(principal, id, body);
  }

  @Delete('items/:id/claim')
  @HttpCode(204)
  release(@CurrentPrincipal() principal: Principal, @Param('id', UuidPipe) id: string): Promise<void> {
    return this.review.release(principal, id);
  }

  @Post('items/:id/decision')
  @HttpCode(200)
  decide(
    @CurrentPrincipal() principal: Principal,
    @Param('id', UuidPipe) id: string,
    @Body(new ContractPipe(DecisionBodySchema)) body: DecisionBody,
  ): Promise<DecisionResponse> {
    return this.review.decide(principal, id, body);
  }

  /** JSON Lines, streamed from the database in batches: `format=contract` (default) or `format=gold`. */
  @Get('export')
  export(
    @CurrentPrincipal() principal: Principal,
    @Query(new ContractPipe(ExportQuerySchema, 'query')) query: ExportQuery,
  ): StreamableFile {
    const format = query.format ?? 'contract';
    return new StreamableFile(Readable.from(this.review.exportLines(principal, query)), {
      type: 'application/x-ndjson; charset=utf-8',
      disposition: `attachment; filename="clinex-review-${format}.jsonl"`,
    });
  }
}
