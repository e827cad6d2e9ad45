import { describe, expect, it } from 'vitest';
import { safeNextPath } from './safe-next';

describe('safeNextPath', () => {
  it('keeps paths of this site, with their query and fragment', () => {
    expect(safeNextPath('/orgs/1/members')).toBe('/orgs/1/members');
    expect(safeNextPath('/meet/abc?occurrence=20261201T083000Z#x')).toBe(
      '/meet/abc?occurrence=20261201T083000Z#x',
    );
    // Encoded slashes and backslashes are path characters here, not another host.
    expect(safeNextPath('/%2F%2Fevil.example')).toBe('/%2F%2Fevil.example');
    expect(safeNextPath('/%5Cevil.example')).toBe('/%5Cevil.example');
  });

  it('refuses anything a browser would take to another origin, or run', () => {
    for (const hostile of [
      '//evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      '\\/evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      ' //evil.example',
      'https://evil.example',
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      '%2F%2Fevil.example',
      'evil.example',
      '///evil.example',
      '/\u0000/evil.example',
      '',
    ]) {
      expect(safeNextPath(hostile), JSON.stringify(hostile)).toBeNull();
    }
    expect(safeNextPath(null)).toBeNull();
    expect(safeNextPath(`/${'a'.repeat(3000)}`)).toBeNull();
  });
});
