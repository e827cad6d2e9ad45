import { readFileSync } from 'node:fs';
import { protocolVersion, version } from 'livekit-client';
import { describe, expect, it } from 'vitest';
import {
  SUPPORTED_CLIENT_PROTOCOLS,
  TESTED_LIVEKIT_CLIENT_VERSION,
  unsupportedClientReason,
} from './compat';

function dependencyPin(packageJsonUrl: URL): string | undefined {
  const manifest = JSON.parse(readFileSync(packageJsonUrl, 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  return manifest.dependencies?.['livekit-client'] ?? manifest.devDependencies?.['livekit-client'];
}

const upgradeHelp =
  `The development media server was built and tested against livekit-client ${TESTED_LIVEKIT_CLIENT_VERSION} ` +
  `(client protocol ${SUPPORTED_CLIENT_PROTOCOLS.join(', ')}). Before changing the pin, run the ` +
  'package Playwright suite against the new client, then update src/compat.ts.';

describe('the livekit-client this server speaks to', () => {
  it('is the tested version where it is installed', () => {
    expect(version, upgradeHelp).toBe(TESTED_LIVEKIT_CLIENT_VERSION);
  });

  it('speaks a client protocol this server supports', () => {
    expect(SUPPORTED_CLIENT_PROTOCOLS, upgradeHelp).toContain(protocolVersion);
  });

  it('is pinned exactly, in the web app and in this package', () => {
    expect(
      dependencyPin(new URL('../../../apps/web/package.json', import.meta.url)),
      upgradeHelp,
    ).toBe(TESTED_LIVEKIT_CLIENT_VERSION);
    expect(dependencyPin(new URL('../package.json', import.meta.url)), upgradeHelp).toBe(
      TESTED_LIVEKIT_CLIENT_VERSION,
    );
  });
});

describe('unsupportedClientReason', () => {
  it('accepts the tested protocol and explains any other', () => {
    expect(unsupportedClientReason(17, '2.23.0')).toBeUndefined();
    const reason = unsupportedClientReason(18, '3.0.0');
    expect(reason).toContain('protocol 18');
    expect(reason).toContain(TESTED_LIVEKIT_CLIENT_VERSION);
    expect(reason).toContain('LIVEKIT_URL');
  });
});
