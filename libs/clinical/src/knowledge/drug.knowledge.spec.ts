import { describe, expect, it } from '@jest/globals';
import { DRUG_TABLE_SIZE, drugIdentity, drugNameKey, findDrug } from './drug.knowledge.js';
import { DRUGS } from './drugs.data.js';

describe('drug knowledge table', () => {
  it('covers at least the 200 most prescribed drugs, with synonyms', () => {
    expect(DRUG_TABLE_SIZE.drugs).toBeGreaterThanOrEqual(200);
    expect(DRUG_TABLE_SIZE.names).toBeGreaterThan(DRUG_TABLE_SIZE.drugs * 2);
  });

  it('has consistent entries: a route each, min <= max <= daily maximum, lower-case names', () => {
    for (const d of DRUGS) {
      expect(d.routes.length).toBeGreaterThan(0);
      expect(d.name).toBe(d.name.toLowerCase());
      for (const alias of d.aka ?? []) expect(alias).toBe(alias.toLowerCase());
      if (d.dose) {
        const [min, max, , maxDaily] = d.dose;
        expect(min).toBeLessThanOrEqual(max);
        if (maxDaily !== undefined) expect(max).toBeLessThanOrEqual(maxDaily);
      }
    }
  });

  it.each([
    ['Lipitor', 'atorvastatin'],
    ['Toprol-XL', 'metoprolol'],
    ['Extra Strength Tylenol', 'acetaminophen'],
    ['Tylenol No. 3', 'acetaminophen/codeine'],
    ['Tylenol #3', 'acetaminophen/codeine'],
    ['K-Dur', 'potassium chloride'],
    ['NPH insulin', 'insulin nph'],
    ['verapamil SR', 'verapamil'],
    ['Levothroid', 'levothyroxine'],
    ['ASA', 'aspirin'],
    ['Feso4', 'ferrous sulfate'],
    ['metoprolol succinate ER', 'metoprolol'],
    ['Lasix', 'furosemide'],
    ['Lantus', 'insulin glargine'],
  ])('%s is %s', (name, generic) => {
    expect(findDrug(name)?.name).toBe(generic);
    expect(drugIdentity(name)).toBe(generic);
  });

  it('does not know supplements and agents it was not given, and names them by their own text', () => {
    expect(findDrug('Lutein')).toBeNull();
    expect(findDrug('I-131')).toBeNull();
    expect(drugIdentity('Lutein  ')).toBe('lutein');
  });

  it('resolves units and routes from the entry', () => {
    const levo = findDrug('Synthroid')!;
    expect(levo.dose).toMatchObject({ min: 12.5, max: 300, unit: { code: 'ug' } });
    expect(levo.routes.has('PO')).toBe(true);
    expect(levo.routes.has('NG')).toBe(true);
    const insulin = findDrug('Lantus')!;
    expect(insulin.dimensions.has('mass')).toBe(false);
    expect(insulin.dimensions.has('arbitrary')).toBe(true);
    expect(findDrug('Lotemax')!.dimensions.has('percent')).toBe(true);
  });

  it('normalises names for look-up', () => {
    expect(drugNameKey('Tylenol No.  3')).toBe('tylenol 3');
    expect(drugNameKey('K-Dur')).toBe('k dur');
  });
});
