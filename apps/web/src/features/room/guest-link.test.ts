import { ready } from '@conclave/crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createGuestLink,
  linkSecretFromFragment,
  recallLinkSecret,
  rememberLinkSecret,
} from './guest-link';

function memoryStorage() {
  const data = new Map<string, string>();
  return {
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
  };
}

describe('guest links', () => {
  beforeAll(async () => {
    await ready();
  });

  it('puts the secret in the fragment only, and reads it back', () => {
    const storage = memoryStorage();
    const { url, linkSecret } = createGuestLink(storage, 'https://meet.example', 'm-1');
    const parsed = new URL(url);
    expect(parsed.pathname).toBe('/meet/m-1');
    expect(parsed.search).toBe('');
    expect(url).not.toContain(`?${linkSecret}`);
    expect(linkSecretFromFragment(parsed.hash)).toBe(linkSecret);
    expect(recallLinkSecret(storage, 'm-1')).toBe(linkSecret);
    expect(recallLinkSecret(storage, 'm-2')).toBeNull();
  });

  it('ignores fragments without a well-formed 32-byte secret', () => {
    expect(linkSecretFromFragment('')).toBeNull();
    expect(linkSecretFromFragment('#k=short')).toBeNull();
    expect(linkSecretFromFragment('#k=' + 'A'.repeat(43) + '!')).toBeNull();
    const storage = memoryStorage();
    rememberLinkSecret(storage, 'm', 'garbage');
    expect(recallLinkSecret(storage, 'm')).toBeNull();
  });
});
