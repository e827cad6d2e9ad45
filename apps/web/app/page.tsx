import { ApiHealth } from '../src/features/health/api-health';

export default function HomePage() {
  return (
    <div className="space-y-6">
      <section>
        <h1 className="text-3xl font-semibold tracking-tight">Conclave</h1>
        <p className="mt-2 max-w-prose text-slate-600">
          Meetings that are end-to-end encrypted by default. Recordings are made and encrypted in a
          participant&apos;s browser, so whoever runs this server cannot read what was said.
        </p>
      </section>
      <ApiHealth />
    </div>
  );
}
