import { Controller, Get, Header, Headers, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { Public } from '#platform';
import { GATEWAY_LOGGER } from '../../gateway.tokens.js';
import { loadPageAssets, pageShell, type PageAsset } from './review-page.assets.js';

/**
 * The reviewers' page. Public on purpose: it holds no data. Everything it shows comes from /v1/review with the API
 * key the reviewer types in, which the page keeps in sessionStorage and sends as an Authorization header only.
 */
@Controller('review')
export class ReviewPageController {
  private readonly assets: Map<string, PageAsset> | null;
  private readonly shell = pageShell();

  constructor(@Inject(GATEWAY_LOGGER) logger: Logger) {
    this.assets = loadPageAssets();
    if (!this.assets) logger.warn('review page assets are missing from this build (npm run build copies them)');
  }

  @Get()
  @Public()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  @Header('x-content-type-options', 'nosniff')
  @Header('referrer-policy', 'no-referrer')
  page(@Res({ passthrough: true }) reply: FastifyReply): string {
    void reply.header('content-security-policy', this.shell.contentSecurityPolicy);
    return this.shell.html;
  }

  @Get('assets/:name')
  @Public()
  asset(
    @Param('name') name: string,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Buffer | string {
    const asset = this.assets?.get(name);
    if (!asset) throw new NotFoundException(`no review page asset named ${name}`);
    void reply
      .header('content-type', asset.contentType)
      .header('cache-control', 'no-cache')
      .header('etag', asset.etag)
      .header('x-content-type-options', 'nosniff');
    if (ifNoneMatch === asset.etag) {
      void reply.status(304);
      return '';
    }
    return asset.body;
  }
}
