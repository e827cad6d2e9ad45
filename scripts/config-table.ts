import { configSchema } from '../apps/api/src/config';

/**
 * The README's configuration table, generated from the one place configuration is defined
 * (apps/api/src/config.ts). `npx tsx scripts/config-table.ts` prints it;
 * scripts/config-table.test.ts fails when the README is out of date.
 */
export function configTable(): string {
  const rows = Object.entries(configSchema.shape).map(([name, schema]) => {
    const parsed = schema.safeParse(undefined);
    const fallback =
      parsed.success && parsed.data !== undefined ? `\`${String(parsed.data)}\`` : '(unset)';
    return `| \`${name}\` | ${fallback} | ${schema.description ?? ''} |`;
  });
  return ['| Variable | Default | What it does |', '| --- | --- | --- |', ...rows].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(configTable());
}
