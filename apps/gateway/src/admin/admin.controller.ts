import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import type { Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.guard.js';
import { ApiJsonBody, ApiJsonResponse, ApiProblems } from '../docs/openapi.decorators.js';
import { ContractPipe, UuidPipe } from '../http/request-validation.js';
import {
  CreateApiKeyBodySchema,
  type ApiKeyCreatedResponse,
  type ApiKeyListResponse,
  type CreateApiKeyBody,
} from './admin.dto.js';
import { AdminService } from './admin.service.js';

/** API keys of the caller's own tenant; tenants themselves are created with the CLI. */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('v1/admin/api-keys')
@Roles('admin')
export class AdminController {
  constructor(private readonly admin: AdminService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an API key for your tenant; the key is in this response only' })
  @ApiJsonBody('CreateApiKeyRequest')
  @ApiJsonResponse(201, 'ApiKeyCreated', 'The new key')
  @ApiProblems(400, 413, 415)
  create(
    @CurrentPrincipal() principal: Principal,
    @Body(new ContractPipe(CreateApiKeyBodySchema)) body: CreateApiKeyBody,
  ): Promise<ApiKeyCreatedResponse> {
    return this.admin.createKey(principal, body);
  }

  @Get()
  @ApiOperation({ summary: "Your tenant's API keys (never their secrets)" })
  @ApiJsonResponse(200, 'ApiKeyList', 'The keys')
  @ApiProblems()
  list(@CurrentPrincipal() principal: Principal): Promise<ApiKeyListResponse> {
    return this.admin.listKeys(principal);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke one of your tenant’s API keys' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 204, description: 'Revoked' })
  @ApiProblems(400, 404)
  revoke(@CurrentPrincipal() principal: Principal, @Param('id', UuidPipe) id: string): Promise<void> {
    return this.admin.revokeKey(principal, id);
  }
}
