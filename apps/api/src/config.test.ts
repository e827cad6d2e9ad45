import { describe, expect, it } from 'vitest';
import { ConfigError, configSchema, loadConfig } from './config';

describe('loadConfig', () => {
  it('works with an empty environment: one machine, embedded defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: 3000,
      PUBLIC_URL: 'http://localhost:3000',
      DATA_DIR: './data',
      SERVE_WEB: true,
      CONCLAVE_TEST_HOOKS: false,
    });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.LIVEKIT_URL).toBeUndefined();
  });

  it('treats empty strings as unset and coerces numbers and booleans', () => {
    const config = loadConfig({
      DATABASE_URL: '',
      PORT: '8080',
      SERVE_WEB: 'false',
      TRUST_PROXY: '1',
    });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.PORT).toBe(8080);
    expect(config.PUBLIC_URL).toBe('http://localhost:8080');
    expect(config.SERVE_WEB).toBe(false);
    expect(config.TRUST_PROXY).toBe(1);
  });

  it('takes the proxy as a hop count or a list of proxy addresses, never "trust everything"', () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    // The old boolean keeps a safe meaning: one proxy (the TLS proxy) in front.
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.5, 10.1.0.0/16,loopback' }).TRUST_PROXY).toEqual([
      '10.0.0.5',
      '10.1.0.0/16',
      'loopback',
    ]);
    expect(() => loadConfig({ TRUST_PROXY: 'everyone' })).toThrow(/TRUST_PROXY: not a hop count/);
    expect(() => loadConfig({ TRUST_PROXY: '99' })).toThrow(/TRUST_PROXY: at most 16/);
  });

  it('strips a trailing slash from PUBLIC_URL', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://meet.example.org/' }).PUBLIC_URL).toBe(
      'https://meet.example.org',
    );
  });

  it('names every invalid variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', SERVE_WEB: 'maybe' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toMatch(/PORT/);
    expect(message).toMatch(/DATABASE_URL: must be a postgresql:\/\/ URL/);
    expect(message).toMatch(/SERVE_WEB/);
  });

  it('requires the LiveKit settings together', () => {
    expect(() => loadConfig({ LIVEKIT_URL: 'wss://lk.example.org' })).toThrow(
      /must be set together/,
    );
  });

  it('refuses production without a server secret, and with test hooks', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/SERVER_SECRET: required/);
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        SERVER_SECRET: 'x'.repeat(40),
        CONCLAVE_TEST_HOOKS: 'true',
      }),
    ).toThrow(/CONCLAVE_TEST_HOOKS/);
  });

  it('documents every variable', () => {
    for (const [name, schema] of Object.entries(configSchema.shape)) {
      expect(schema.description, `${name} has a description`).toBeTruthy();
    }
  });
});
