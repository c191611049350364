import { describe, expect, it } from '@jest/globals';
import { labValueNumbers } from './lab.check.js';

describe('labValueNumbers', () => {
  it('reads thousands separators both as one number and as a list', () => {
    expect(labValueNumbers('1,200')).toEqual(expect.arrayContaining([1200, 1, 200]));
    expect(labValueNumbers('107,000')).toContain(107000);
  });

  it('reads decimals and signs, and nothing from text without digits', () => {
    expect(labValueNumbers('8.2 %')).toEqual([8.2]);
    expect(labValueNumbers('-2.5')).toEqual([-2.5]);
    expect(labValueNumbers('negative')).toEqual([]);
  });
});
