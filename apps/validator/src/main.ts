import { runMain } from '#platform';
import { validatorService } from './validator.service-definition.js';

void runMain(validatorService);
