import { Injectable } from '@nestjs/common';
import type { ApiKeyRecord, OperatorKeyRecord } from '../auth/api-key.repository.js';
import { ApiKeyService } from '../auth/api-key.service.js';
import type { Principal } from '../auth/principal.js';
import { TenantRepository, type TenantRecord } from '../tenants/tenant.repository.js';
import type { ApiKeyCreatedResponse, ApiKeyListResponse, CreateApiKeyBody } from './admin.dto.js';
import { AdminError, AdminErrorCode } from './admin.errors.js';

export interface OperatorKeyView {
  id: string;
  role: 'operator';
  label: string;
  createdAt: string;
  revokedAt: string | null;
}

const operatorView = (key: OperatorKeyRecord): OperatorKeyView => ({
  id: key.id,
  role: 'operator',
  label: key.label,
  createdAt: key.createdAt.toISOString(),
  revokedAt: key.revokedAt?.toISOString() ?? null,
});

const view = (key: ApiKeyRecord) => ({
  id: key.id,
  role: key.role,
  label: key.label,
  createdAt: key.createdAt.toISOString(),
});

/**
 * Tenant administration. Over HTTP an `admin` key manages its own tenant's keys only; creating tenants (and their
 * first admin key) and platform-operator keys is an operator's job, done with the CLI (`clinex admin …`) against the
 * database. No HTTP route creates an operator key.
 */
@Injectable()
export class AdminService {
  constructor(
    private readonly apiKeys: ApiKeyService,
    private readonly tenants: TenantRepository,
  ) {}

  async createKey(principal: Principal, body: CreateApiKeyBody): Promise<ApiKeyCreatedResponse> {
    const key = await this.apiKeys.issue(principal.tenantId, body.role, body.label);
    return { ...view(key), apiKey: key.apiKey };
  }

  async listKeys(principal: Principal): Promise<ApiKeyListResponse> {
    const keys = await this.apiKeys.list(principal.tenantId);
    return { items: keys.map((k) => ({ ...view(k), revokedAt: k.revokedAt?.toISOString() ?? null })) };
  }

  async revokeKey(principal: Principal, id: string): Promise<void> {
    if (!(await this.apiKeys.revoke(principal.tenantId, id))) {
      throw new AdminError(AdminErrorCode.API_KEY_NOT_FOUND, 'no API key with this id in your tenant', 'id');
    }
  }

  /** Operator only (CLI): a new tenant. */
  async createTenant(slug: string, name: string): Promise<TenantRecord> {
    if (await this.tenants.findBySlug(slug)) {
      throw new AdminError(AdminErrorCode.TENANT_EXISTS, `a tenant with slug ${slug} already exists`, 'slug');
    }
    return this.tenants.create(slug, name);
  }

  /** Operator only (CLI): a key for any tenant, found by slug. */
  async createKeyForTenant(slug: string, body: CreateApiKeyBody): Promise<ApiKeyCreatedResponse & { tenant: string }> {
    const tenant = await this.tenants.findBySlug(slug);
    if (!tenant) throw new AdminError(AdminErrorCode.TENANT_NOT_FOUND, `no tenant with slug ${slug}`, 'slug');
    const key = await this.apiKeys.issue(tenant.id, body.role, body.label);
    return { ...view(key), apiKey: key.apiKey, tenant: tenant.slug };
  }

  listTenants(): Promise<TenantRecord[]> {
    return this.tenants.list();
  }

  /** Operator only (CLI): a platform-operator key, of no tenant. */
  async createOperatorKey(label: string): Promise<OperatorKeyView & { apiKey: string }> {
    const key = await this.apiKeys.issueOperator(label);
    return { ...operatorView(key), apiKey: key.apiKey };
  }

  async listOperatorKeys(): Promise<OperatorKeyView[]> {
    return (await this.apiKeys.listOperators()).map(operatorView);
  }

  async revokeOperatorKey(id: string): Promise<void> {
    if (!(await this.apiKeys.revokeOperator(id))) {
      throw new AdminError(AdminErrorCode.API_KEY_NOT_FOUND, 'no operator key with this id', 'id');
    }
  }
}
