import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { INestApplication } from '@nestjs/common';
import { ApiKeyService } from '../../apps/gateway/src/auth/api-key.service.js';
import { ROLES, type Role } from '../../apps/gateway/src/auth/principal.js';
import { TenantRepository } from '../../apps/gateway/src/tenants/tenant.repository.js';

export interface DemoTenant {
  tenantId: string;
  slug: string;
  keys: Record<Role, string>;
}

const DEMO_SLUG = 'demo-hospital';

/**
 * The demo tenant and one API key per role, created through the gateway's own services on first start. Keys are
 * stored hashed in the database, so their plaintext is kept in the local data folder (never in the repository) to
 * print them again on later starts.
 */
export async function ensureDemoTenant(gateway: INestApplication, keysFile: string): Promise<DemoTenant> {
  const tenants = gateway.get(TenantRepository);
  const existing = await tenants.findBySlug(DEMO_SLUG);
  if (existing && existsSync(keysFile)) {
    const saved = JSON.parse(readFileSync(keysFile, 'utf8')) as DemoTenant;
    if (saved.tenantId === existing.id) return saved;
  }
  const tenant = existing ?? (await tenants.create(DEMO_SLUG, 'Demo Hospital'));
  const apiKeys = gateway.get(ApiKeyService);
  const keys = {} as Record<Role, string>;
  for (const role of ROLES) keys[role] = (await apiKeys.issue(tenant.id, role, `demo ${role} key`)).apiKey;
  const demo: DemoTenant = { tenantId: tenant.id, slug: tenant.slug, keys };
  writeFileSync(keysFile, JSON.stringify(demo, null, 2), { mode: 0o600 });
  return demo;
}
