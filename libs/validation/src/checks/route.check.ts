import type { MedicationFacts } from './medication-facts.js';
import { flag, type ValidationFlag } from './validation-flag.js';

/** The route code must say what the route text says, and be a route the drug is given by. */
export function checkRoute(facts: MedicationFacts, flags: ValidationFlag[]): void {
  const route = facts.medication.route;
  if (!route) return;
  const path = `${facts.path}/route`;
  if (facts.route) {
    if (facts.routeReading === null) {
      flags.push(
        flag('ROUTE_UNPARSEABLE', path, 'route text could not be read as a route, so its coding was not verified'),
      );
    } else if (route.code !== null && route.code !== facts.routeReading) {
      flags.push(flag('ROUTE_MISMATCH', `${path}/code`, 'route code does not match the route text'));
    }
  }
  const code = route.code ?? facts.routeReading;
  if (facts.drug && code !== null && !facts.drug.routes.has(code)) {
    flags.push(flag('ROUTE_UNEXPECTED', `${path}/code`, 'this drug is not usually given by this route'));
  }
}
