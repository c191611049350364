import { runMain } from '#platform';
import { gatewayService } from './gateway.service-definition.js';

void runMain(gatewayService);
