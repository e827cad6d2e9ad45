import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Config, EnvConfig } from '../config';

const secretsFileSchema = z.object({
  serverSecret: z.string().min(32),
  livekitApiKey: z.string().min(1),
  livekitApiSecret: z.string().min(32),
});
export type GeneratedSecrets = z.infer<typeof secretsFileSchema>;

/**
 * On a single machine without configuration, secrets are made once and kept in
 * DATA_DIR/secrets.json (mode 0600), so that a second `npm start` keeps sessions and
 * signatures valid. Production sets them in the environment instead.
 */
export async function loadOrCreateSecrets(dataDir: string): Promise<GeneratedSecrets> {
  const file = path.resolve(dataDir, 'secrets.json');
  try {
    const parsed = secretsFileSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    if (parsed.success) return parsed.data;
    throw new Error(`${file} is not a valid secrets file; move it away to generate a new one`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secrets: GeneratedSecrets = {
    serverSecret: randomBytes(32).toString('base64url'),
    livekitApiKey: `dev-${randomBytes(6).toString('hex')}`,
    livekitApiSecret: randomBytes(32).toString('base64url'),
  };
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return secrets;
}

export async function completeConfig(config: EnvConfig): Promise<Config> {
  if (config.SERVER_SECRET) return { ...config, SERVER_SECRET: config.SERVER_SECRET };
  const secrets = await loadOrCreateSecrets(config.DATA_DIR);
  return { ...config, SERVER_SECRET: secrets.serverSecret };
}
