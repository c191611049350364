import { describe, expect, it } from '@jest/globals';
import { normaliseRoute } from './route.normaliser.js';

describe('normaliseRoute', () => {
  it.each([
    ['po', 'PO'],
    ['p.o.', 'PO'],
    ['P.O.', 'PO'],
    ['by mouth', 'PO'],
    ['orally', 'PO'],
    ['oral', 'PO'],
    ['per os', 'PO'],
    ['IV', 'IV'],
    ['i.v.', 'IV'],
    ['intravenous', 'IV'],
    ['intravenously', 'IV'],
    ['IV push', 'IV'],
    ['IM', 'IM'],
    ['intramuscularly', 'IM'],
    ['subcutaneous', 'SC'],
    ['subcutaneously', 'SC'],
    ['subq', 'SC'],
    ['sub-q', 'SC'],
    ['sq', 'SC'],
    ['SC', 'SC'],
    ['SL', 'SL'],
    ['sublingual', 'SL'],
    ['under the tongue', 'SL'],
    ['PR', 'PR'],
    ['rectally', 'PR'],
    ['per rectum', 'PR'],
    ['topical', 'TOP'],
    ['topically', 'TOP'],
    ['inhaled', 'INH'],
    ['nebulized', 'INH'],
    ['nebs', 'INH'],
    ['MDI', 'INH'],
    ['via nebulizer', 'INH'],
    ['intranasal', 'NAS'],
    ['nasal spray', 'NAS'],
    ['in each nostril', 'NAS'],
    ['ophthalmic', 'OPH'],
    ['eye drops', 'OPH'],
    ['in each eye', 'OPH'],
    ['OU', 'OPH'],
    ['otic', 'OT'],
    ['in each ear', 'OT'],
    ['transdermal', 'TD'],
    ['patch', 'TD'],
    ['vaginally', 'PV'],
    ['per NG tube', 'NG'],
    ['via PEG', 'NG'],
    ['intradermal', 'ID'],
    ['buccal', 'BUCC'],
  ])('%s -> %s', (text, code) => {
    expect(normaliseRoute(text)).toBe(code);
  });

  it('returns null for text that is not a route', () => {
    for (const text of ['through the left arm port', 'daily', '', 'as']) expect(normaliseRoute(text)).toBeNull();
  });
});
