import { Controller, Get, Header, Headers, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { Public } from '#platform';
import { GATEWAY_LOGGER } from '../../gateway.tokens.js';
import { BrowserPage } from '../../http/browser-page.js';

/** The finance dashboard's files: its own modules in ./assets, preact + htm for views, uPlot for the chart. */
const FINANCE_PAGE = {
  path: '/finance',
  title: 'Clinex finance',
  moduleUrl: import.meta.url,
  sourceFolder: 'apps/gateway/src/finance/page/assets',
  entry: 'finance-app.js',
  stylesheets: ['uplot.css', 'finance.css'],
  vendor: {
    'preact.mjs': { pkg: 'preact', file: 'dist/preact.mjs', specifier: 'preact' },
    'preact-hooks.mjs': { pkg: 'preact', file: 'hooks/dist/hooks.mjs', specifier: 'preact/hooks' },
    'htm.mjs': { pkg: 'htm', file: 'dist/htm.mjs', specifier: 'htm' },
    'uplot.mjs': { pkg: 'uplot', file: 'dist/uPlot.esm.js', specifier: 'uplot' },
    'uplot.css': { pkg: 'uplot', file: 'dist/uPlot.min.css' },
  },
};

/**
 * The finance dashboard. Public on purpose, like the review page: the shell and its scripts hold no figures.
 * Every number comes from /v1/finance with the API key the user types in, kept in sessionStorage and sent only as
 * an Authorization header, so the API's role and tenant checks are the dashboard's too.
 */
@Controller('finance')
export class FinancePageController {
  private readonly page = new BrowserPage(FINANCE_PAGE);

  constructor(@Inject(GATEWAY_LOGGER) logger: Logger) {
    if (!this.page.complete) logger.warn('finance page assets are missing from this build (npm run build copies them)');
  }

  @Get()
  @Public()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  @Header('x-content-type-options', 'nosniff')
  @Header('referrer-policy', 'no-referrer')
  shell(@Res({ passthrough: true }) reply: FastifyReply): string {
    void reply.header('content-security-policy', this.page.contentSecurityPolicy);
    return this.page.html;
  }

  @Get('assets/:name')
  @Public()
  asset(
    @Param('name') name: string,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Buffer | string {
    const body = this.page.send(name, ifNoneMatch, reply);
    if (body === null) throw new NotFoundException(`no finance page asset named ${name}`);
    return body;
  }
}
