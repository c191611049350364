import { runMain } from '#platform';
import { extractorService } from './extractor.service-definition.js';

void runMain(extractorService);
