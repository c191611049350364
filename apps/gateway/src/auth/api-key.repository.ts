import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { PrismaService } from '#database';
import type { Role } from './principal.js';

export interface StoredApiKey {
  id: string;
  tenantId: string;
  role: Role;
  secretHash: string;
}

@Injectable()
export class ApiKeyRepository {
  constructor(private readonly prisma: PrismaService) {}

  async findActiveByKeyId(keyId: string): Promise<StoredApiKey | null> {
    const row = await this.prisma.client.apiKey.findFirst({
      where: { keyId, revokedAt: null },
      select: { id: true, tenantId: true, role: true, secretHash: true },
    });
    return row;
  }

  async create(input: {
    tenantId: string;
    keyId: string;
    secretHash: string;
    role: Role;
    label: string;
  }): Promise<string> {
    const id = randomUUID();
    await this.prisma.client.apiKey.create({ data: { id, ...input } });
    return id;
  }
}
