import { Controller, Inject } from '@nestjs/common';
import type { Logger } from 'pino';
import { GATEWAY_LOGGER } from '../../gateway.tokens.js';
import { BrowserPage, BrowserPageController, PREACT_HTM, SHARED_STYLESHEET } from '../../http/browser-page.js';

/** The finance dashboard's files: its own modules in ./assets, preact + htm for views, uPlot for the chart. */
const FINANCE_PAGE = {
  path: '/finance',
  title: 'Clinex finance',
  moduleUrl: import.meta.url,
  sourceFolder: 'apps/gateway/src/finance/page/assets',
  entry: 'finance-app.js',
  stylesheets: ['uplot.css', SHARED_STYLESHEET, 'finance.css'],
  vendor: {
    ...PREACT_HTM,
    'uplot.mjs': { pkg: 'uplot', file: 'dist/uPlot.esm.js', specifier: 'uplot' },
    'uplot.css': { pkg: 'uplot', file: 'dist/uPlot.min.css' },
  },
};

/** The finance dashboard: every figure comes from /v1/finance with the finance, admin or operator key typed in. */
@Controller('finance')
export class FinancePageController extends BrowserPageController {
  constructor(@Inject(GATEWAY_LOGGER) logger: Logger) {
    super(new BrowserPage(FINANCE_PAGE), logger);
  }
}
