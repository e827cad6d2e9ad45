import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { findTextIssue, safeText, textIssue } from './text';
import { createMeetingSchema } from './meetings';

describe('the shared text check', () => {
  it('refuses control characters, lone surrogates and bidi overrides; allows the rest', () => {
    expect(textIssue('Weekly review ✨ 👩‍💻 Grüße')).toBeNull();
    expect(textIssue('a\u0000b')).toMatch(/control/);
    expect(textIssue('a\u0085b')).toMatch(/control/);
    expect(textIssue('a\ud800b')).toMatch(/lone surrogate/);
    expect(textIssue('a\udc00')).toMatch(/lone surrogate/);
    expect(textIssue('\ud83d\ude00')).toBeNull();
    expect(textIssue('abc\u202egpj.exe')).toMatch(/bidirectional/);
    expect(textIssue('two\nlines')).toMatch(/single line/);
    expect(textIssue('two\nlines\tand a tab', { multiline: true })).toBeNull();
  });

  it('as a refinement, says so in zod issues; meeting titles and descriptions carry it', () => {
    expect(safeText(z.string()).safeParse('x\u0007').success).toBe(false);
    const base = {
      title: 'T',
      startLocal: '2027-01-01T09:00',
      endLocal: '2027-01-01T10:00',
      timeZone: 'UTC',
    };
    expect(createMeetingSchema.safeParse({ ...base, title: 'a\u0000' }).success).toBe(false);
    expect(createMeetingSchema.safeParse({ ...base, title: 'a\ud800' }).success).toBe(false);
    expect(createMeetingSchema.safeParse({ ...base, description: 'line\nline' }).success).toBe(
      true,
    );
  });

  it('finds the first bad string anywhere in a request, keys included, with its path', () => {
    expect(findTextIssue({ a: ['ok', { b: 'x\u0000' }] })).toEqual({
      path: '/a/1/b',
      message: 'must not contain control characters',
    });
    expect(findTextIssue({ ['k\ud800']: 1 })?.message).toMatch(/a key/);
    expect(findTextIssue({ a: 'fine\nhere', n: 1, t: true, z: null })).toBeNull();
  });
});
