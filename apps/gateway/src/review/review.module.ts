import { Module } from '@nestjs/common';
import { ReviewPageController } from './page/review-page.controller.js';
import { ReviewController } from './review.controller.js';
import { ReviewRepository } from './review.repository.js';
import { ReviewService } from './review.service.js';

// Owns human review: the review API (queue, claims, decisions, gold export) and the review page.
@Module({
  controllers: [ReviewController, ReviewPageController],
  providers: [ReviewRepository, ReviewService],
})
export class ReviewModule {}
