// `npm run docs:openapi`: writes docs/openapi.json, the checked-in copy of the gateway's OpenAPI document, from the
// code (controllers' decorators + TypeBox contracts). Runs from dist/ (after the build) so decorator metadata is
// tsc's, as in the running gateway; test/e2e/gateway-openapi.test.ts fails when the copy is stale.
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import * as prettier from 'prettier';
import { createLogger, InProcessBus, inProcessMessaging, Metrics, MetricsModule } from '#platform';
import { loadGatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { buildOpenApiDocument } from '../../apps/gateway/src/docs/openapi.document.js';
import { GatewayModule } from '../../apps/gateway/src/gateway.module.js';

export const OPENAPI_FILE = 'docs/openapi.json';

@Module({})
class DocsRootModule {}

/** The repository root, from the sources or from dist/: the nearest folder up with package.json and prisma/. */
function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) || !existsSync(path.join(dir, 'prisma'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the Clinex repository root');
    dir = parent;
  }
  return dir;
}

/** The document as the gateway serves it: its module in preview mode, so nothing connects to anything. */
export async function generateOpenApiJson(): Promise<string> {
  const config = loadGatewayConfig({
    DATABASE_URL: 'postgresql://docs@127.0.0.1/docs',
    MESSAGE_TRANSPORT: 'in-process',
  });
  const logger = createLogger({ name: 'docs', level: 'error' });
  // As startService assembles it: the gateway module beside the (global) metrics module its services inject.
  const root: DynamicModule = {
    module: DocsRootModule,
    imports: [
      MetricsModule.forRoot(new Metrics('docs')),
      GatewayModule.forRoot(config, logger, inProcessMessaging(new InProcessBus())),
    ],
  };
  const app = await NestFactory.create(root, new FastifyAdapter(), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  try {
    const file = path.join(repoRoot(), OPENAPI_FILE);
    const options = { ...(await prettier.resolveConfig(file)), filepath: file };
    return await prettier.format(JSON.stringify(buildOpenApiDocument(app)), options);
  } finally {
    await app.close();
  }
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const file = path.join(repoRoot(), OPENAPI_FILE);
  await writeFile(file, await generateOpenApiJson());
  process.stdout.write(`wrote ${OPENAPI_FILE}\n`);
}
