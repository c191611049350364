import { Inject, Injectable, type INestApplication, type OnModuleInit } from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost, ModulesContainer } from '@nestjs/core';
import { SwaggerModule } from '@nestjs/swagger';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config.js';
import { buildOpenApiDocument } from '../docs/openapi.document.js';
import { installJsonBodyParser } from './json-body.parser.js';

export const BATCH_ROUTE = '/v1/notes/batch';

/**
 * Content-Security-Policy of Swagger UI at /docs: its scripts and styles come from the gateway itself, it fetches
 * only the gateway (the document, and "try it out" calls), and it may not be framed. Inline styles are allowed
 * (Swagger UI's page template and components carry them); inline scripts are not.
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const isDocs = (request: FastifyRequest) => /^\/docs(\/|$)/.test(request.url.split('?')[0]!);

/**
 * Gives /docs (Swagger UI and its files, which the Swagger module serves outside Nest's routes) its own CSP in
 * place of the API's `default-src 'none'`. A header set on the reply wins over the security headers every service
 * sets (libs/platform bootstrap). Installed before the routes are registered, like every hook.
 */
export function installDocsPolicy(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    if (isDocs(request)) void reply.header('content-security-policy', DOCS_CONTENT_SECURITY_POLICY);
    done();
  });
}

/**
 * Configures the HTTP server while the app initialises (before it listens): the JSON-only body parser with its size
 * limits, and the OpenAPI document with Swagger UI at /docs (/docs/openapi.json), public like /health.
 */
@Injectable()
export class HttpSetup implements OnModuleInit {
  constructor(
    private readonly host: HttpAdapterHost,
    private readonly modules: ModulesContainer,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onModuleInit(): void {
    const adapter = this.host.httpAdapter;
    installJsonBodyParser(adapter.getInstance<FastifyInstance>(), {
      defaultBytes: this.config.MAX_BODY_BYTES,
      perRoute: { [BATCH_ROUTE]: this.config.MAX_BATCH_BODY_BYTES },
    });
    if (!this.config.DOCS_ENABLED) return;
    // Lifecycle hooks do not get the application object; SwaggerModule reads only these three parts of it. The
    // document is built on first request, when every module (review, finance...) has registered its routes.
    const app = {
      container: { getModules: () => this.modules },
      config: new ApplicationConfig(),
      getHttpAdapter: () => adapter,
    } as unknown as INestApplication;
    SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
      jsonDocumentUrl: 'docs/openapi.json',
      raw: ['json'],
      customSiteTitle: 'Clinex gateway API',
      // No badge from validator.swagger.io: the page loads nothing from elsewhere (and its CSP would block it).
      swaggerOptions: { validatorUrl: null },
    });
  }
}
