import { Inject, Injectable, type INestApplication, type OnModuleInit } from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost, ModulesContainer } from '@nestjs/core';
import { SwaggerModule } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config.js';
import { buildOpenApiDocument } from '../docs/openapi.document.js';
import { installJsonBodyParser } from './json-body.parser.js';

export const BATCH_ROUTE = '/v1/notes/batch';

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
    });
  }
}
