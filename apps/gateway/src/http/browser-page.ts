import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Get, Header, Headers, NotFoundException, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { Public } from '#platform';

/** One file a page may load, with what its response needs. */
export interface BrowserPageAsset {
  body: Buffer;
  contentType: string;
  etag: string;
}

/** A file served from an npm package under a fixed name; `specifier` maps a bare import to it. */
export interface VendorFile {
  pkg: string;
  file: string;
  specifier?: string;
}

export interface BrowserPageOptions {
  /** Where the page is served (`/finance`); its files are under `${path}/assets/`. */
  path: string;
  title: string;
  /** `import.meta.url` of the page's controller: the page's own files sit in ./assets beside it. */
  moduleUrl: string;
  /** The same folder from the repository root, for a dist/ built without the postbuild copy. */
  sourceFolder: string;
  /** The page's entry module (a served name). */
  entry: string;
  /**
   * Served names of the stylesheets, in cascade order: the page's own, a vendor file, or one of the files every page
   * may load (SHARED_STYLESHEET, the look the gateway's pages have in common).
   */
  stylesheets: readonly string[];
  vendor: Readonly<Record<string, VendorFile>>;
  /** Modules the gateway writes at boot (from libs/, so the page never drifts from them), by served name. */
  generated?: Readonly<Record<string, () => string>>;
}

/** preact and htm, the views of every page: no build step, the templates are tagged template literals. */
export const PREACT_HTM: Readonly<Record<string, VendorFile>> = {
  'preact.mjs': { pkg: 'preact', file: 'dist/preact.mjs', specifier: 'preact' },
  'preact-hooks.mjs': { pkg: 'preact', file: 'hooks/dist/hooks.mjs', specifier: 'preact/hooks' },
  'htm.mjs': { pkg: 'htm', file: 'dist/htm.mjs', specifier: 'htm' },
};

/** Served by every page (from ./assets beside this module): typography, palette, resets, sign-in and top bar. */
export const SHARED_STYLESHEET = 'clinex-base.css';

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

function packageFolder(pkg: string): string {
  // Resolve the entry, then climb to the package's own folder (an exports map may hide inner files).
  let dir = path.dirname(createRequire(import.meta.url).resolve(pkg));
  while (path.basename(dir) !== pkg || !existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`the ${pkg} package folder is not found`);
    dir = parent;
  }
  return dir;
}

/**
 * ./assets beside `moduleUrl` (the sources, or dist/ after the postbuild copy), else `sourceFolder` in the checkout
 * the module runs from; the first that holds `probe`.
 */
function assetFolder(moduleUrl: string, sourceFolder: string, probe: string): string | null {
  const beside = path.join(path.dirname(fileURLToPath(moduleUrl)), 'assets');
  const places = [beside];
  for (let dir = path.dirname(beside); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) {
      places.push(path.join(dir, sourceFolder));
      break;
    }
  }
  return places.find((place) => existsSync(path.join(place, probe))) ?? null;
}

function toAsset(name: string, body: Buffer): BrowserPageAsset {
  const digest = createHash('sha256').update(body).digest('base64url');
  return {
    body,
    contentType: CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream',
    etag: `"${digest.slice(0, 27)}"`,
  };
}

function readFolder(folder: string, into: Map<string, BrowserPageAsset>): void {
  for (const name of readdirSync(folder)) {
    if (CONTENT_TYPES[path.extname(name)]) into.set(name, toAsset(name, readFileSync(path.join(folder, name))));
  }
}

let sharedAssets: ReadonlyMap<string, BrowserPageAsset> | null | undefined;

/** The files every page serves, read once for all pages; null when this build lacks them. */
function shared(): ReadonlyMap<string, BrowserPageAsset> | null {
  if (sharedAssets === undefined) {
    const folder = assetFolder(import.meta.url, 'apps/gateway/src/http/assets', SHARED_STYLESHEET);
    const assets = new Map<string, BrowserPageAsset>();
    if (folder) readFolder(folder, assets);
    sharedAssets = folder ? assets : null;
  }
  return sharedAssets;
}

/**
 * A page the gateway serves to browsers: an HTML shell, the page's own ES modules and styles, and the few npm
 * libraries it imports, all from the gateway (no bundler, no CDN: the machines it runs on may have no internet).
 * Files are read once, at construction. The shell's only inline script is the import map, allowed by its hash.
 */
export class BrowserPage {
  /** The page's name in messages: `finance` for `/finance`. */
  readonly name: string;
  readonly html: string;
  readonly contentSecurityPolicy: string;
  private readonly assets: Map<string, BrowserPageAsset> | null;

  constructor(options: BrowserPageOptions) {
    this.name = options.path.replace(/^\//, '');
    this.assets = BrowserPage.load(options);
    const base = `${options.path}/assets`;
    const imports = Object.fromEntries(
      Object.entries(options.vendor)
        .filter(([, v]) => v.specifier)
        .map(([name, v]) => [v.specifier!, `${base}/${name}`]),
    );
    const importMap = JSON.stringify({ imports });
    const links = options.stylesheets.map((name) => `<link rel="stylesheet" href="${base}/${name}">`).join('\n');
    this.html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${options.title}</title>
<link rel="icon" href="data:,">
${links}
<script type="importmap">${importMap}</script>
<script type="module" src="${base}/${options.entry}"></script>
</head>
<body>
<div id="app"><noscript>This page needs JavaScript.</noscript></div>
</body>
</html>
`;
    this.contentSecurityPolicy = [
      "default-src 'none'",
      `script-src 'self' 'sha256-${createHash('sha256').update(importMap).digest('base64')}'`,
      "style-src 'self'",
      "connect-src 'self'",
      "img-src 'self' data:",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; ');
  }

  /** False when the page's own or shared files are missing from this build (the shell then loads nothing useful). */
  get complete(): boolean {
    return this.assets !== null;
  }

  /**
   * Sets a file's headers on `reply` and returns its body, or '' with 304 when the browser's copy is current;
   * null when the page has no file of that name.
   */
  send(name: string, ifNoneMatch: string | undefined, reply: FastifyReply): Buffer | string | null {
    const asset = this.assets?.get(name);
    if (!asset) return null;
    void reply
      .header('content-type', asset.contentType)
      .header('cache-control', 'no-cache')
      .header('etag', asset.etag)
      .header('x-content-type-options', 'nosniff');
    if (ifNoneMatch !== asset.etag) return asset.body;
    void reply.status(304);
    return '';
  }

  private static load(options: BrowserPageOptions): Map<string, BrowserPageAsset> | null {
    const folder = assetFolder(options.moduleUrl, options.sourceFolder, options.entry);
    const common = shared();
    if (!folder || !common) return null;
    // The page's own files come after the shared ones, so a page could replace one under the same name.
    const assets = new Map(common);
    readFolder(folder, assets);
    for (const [name, write] of Object.entries(options.generated ?? {})) {
      assets.set(name, toAsset(name, Buffer.from(write())));
    }
    for (const [name, { pkg, file }] of Object.entries(options.vendor)) {
      assets.set(name, toAsset(name, readFileSync(path.join(packageFolder(pkg), file))));
    }
    return assets;
  }
}

/**
 * The two routes of a page: the shell at the controller's path and its files under `assets/`. A page's controller
 * extends this with its own `@Controller(path)` and BrowserPage. Public on purpose: a shell and its scripts hold no
 * data; everything a page shows comes from the API with the key the user types in, kept in sessionStorage and sent
 * only as an Authorization header, so the API's role and tenant checks are the page's too.
 */
export abstract class BrowserPageController {
  protected constructor(
    private readonly page: BrowserPage,
    logger: Logger,
  ) {
    if (!page.complete) logger.warn(`${page.name} page assets are missing from this build (npm run build copies them)`);
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
    if (body === null) throw new NotFoundException(`no ${this.page.name} page asset named ${name}`);
    return body;
  }
}
