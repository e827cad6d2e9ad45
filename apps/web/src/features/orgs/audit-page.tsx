'use client';

import { useCallback, useEffect, useState, type FormEvent } from 'react';
import {
  AUDIT_ACTIONS,
  auditPageSchema,
  memberListSchema,
  type AuditEntry,
  type Member,
} from '@conclave/contracts';
import {
  Alert,
  Button,
  Card,
  EmptyState,
  formatDateTime,
  SelectField,
  Spinner,
  TextField,
} from '../../components/ui';
import { api, errorMessage } from '../../lib/api';
import { AUDIT_ROLES, useOrg } from './org-context';

interface Filters {
  action: string;
  actor: string;
  from: string;
  to: string;
}

const EMPTY: Filters = { action: '', actor: '', from: '', to: '' };
const PAGE_SIZE = 25;

/** datetime-local (the user's time zone) → ISO 8601 with offset for the API. */
function toIso(local: string): string | undefined {
  return local ? new Date(local).toISOString() : undefined;
}

/** The org's audit log: newest first, filtered by action, actor and time, a page at a time. */
export function AuditPage() {
  const { org } = useOrg();
  const [members, setMembers] = useState<Member[]>([]);
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [pages, setPages] = useState<number[]>([]); // `before` cursors of the pages already left
  const [before, setBefore] = useState<number | undefined>(undefined);
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [nextBefore, setNextBefore] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const allowed = AUDIT_ROLES.includes(org.role);

  useEffect(() => {
    if (!allowed) return;
    api(`/orgs/${org.id}/members`, { schema: memberListSchema })
      .then((list) => setMembers(list.members))
      .catch(() => setMembers([]));
  }, [org.id, allowed]);

  const load = useCallback(async () => {
    if (!allowed) return;
    setEntries(null);
    setError(null);
    try {
      const page = await api(`/orgs/${org.id}/audit`, {
        schema: auditPageSchema,
        query: {
          limit: PAGE_SIZE,
          before,
          action: filters.action,
          actor: filters.actor,
          from: toIso(filters.from),
          to: toIso(filters.to),
        },
      });
      setEntries(page.entries);
      setNextBefore(page.nextBefore);
    } catch (caught) {
      setError(errorMessage(caught));
      setEntries([]);
    }
  }, [org.id, filters, before, allowed]);
  useEffect(() => {
    void load();
  }, [load]);

  if (!allowed) {
    return <Alert tone="info">The audit log is for owners, admins and compliance officers.</Alert>;
  }

  function apply(event: FormEvent) {
    event.preventDefault();
    setPages([]);
    setBefore(undefined);
    setFilters(draft);
  }

  const nameOf = (entry: AuditEntry) =>
    entry.actor
      ? (members.find((m) => m.userId === entry.actor?.userId)?.displayName ??
        entry.actor.label ??
        'someone')
      : 'system';

  return (
    <div className="space-y-6">
      <Card
        title="Audit log"
        description="Every sign-in, role change, invitation, removal, reset and key change, in an append-only, hash-chained log."
      >
        <form
          onSubmit={apply}
          className="grid gap-3 sm:grid-cols-2 lg:grid-cols-5 lg:items-end"
          aria-label="Filter the audit log"
        >
          <SelectField
            label="Action"
            value={draft.action}
            onChange={(e) => setDraft({ ...draft, action: e.target.value })}
          >
            <option value="">All actions</option>
            {[...new Set(AUDIT_ACTIONS.map((a) => `${a.split('.')[0]}.`))].map((prefix) => (
              <option key={prefix} value={prefix}>
                All {prefix.slice(0, -1)} actions
              </option>
            ))}
            {AUDIT_ACTIONS.filter((a) => !a.startsWith('instance.')).map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </SelectField>
          <SelectField
            label="Actor"
            value={draft.actor}
            onChange={(e) => setDraft({ ...draft, actor: e.target.value })}
          >
            <option value="">Anyone</option>
            {members.map((m) => (
              <option key={m.userId} value={m.userId}>
                {m.displayName}
              </option>
            ))}
          </SelectField>
          <TextField
            label="From"
            type="datetime-local"
            value={draft.from}
            onChange={(e) => setDraft({ ...draft, from: e.target.value })}
          />
          <TextField
            label="To"
            type="datetime-local"
            value={draft.to}
            onChange={(e) => setDraft({ ...draft, to: e.target.value })}
          />
          <div className="flex gap-2">
            <Button type="submit">Apply</Button>
            <Button
              variant="secondary"
              onClick={() => {
                setDraft(EMPTY);
                setFilters(EMPTY);
                setPages([]);
                setBefore(undefined);
              }}
            >
              Clear
            </Button>
          </div>
        </form>
      </Card>
      <Card>
        {error && <Alert tone="error">{error}</Alert>}
        {!entries && <Spinner label="Loading entries…" />}
        {entries && entries.length === 0 && !error && (
          <EmptyState title="No entries match">Try fewer filters or a wider time range.</EmptyState>
        )}
        {entries && entries.length > 0 && (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <caption className="sr-only">Audit entries, newest first</caption>
              <thead className="border-b border-slate-200 text-slate-500">
                <tr>
                  <th scope="col" className="py-2 pr-3 font-medium">
                    #
                  </th>
                  <th scope="col" className="py-2 pr-3 font-medium">
                    Time
                  </th>
                  <th scope="col" className="py-2 pr-3 font-medium">
                    Actor
                  </th>
                  <th scope="col" className="py-2 pr-3 font-medium">
                    Action
                  </th>
                  <th scope="col" className="py-2 font-medium">
                    Details
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {entries.map((entry) => (
                  <tr key={entry.id} data-testid="audit-entry">
                    <td className="py-2 pr-3 text-slate-500">{entry.seq}</td>
                    <td className="whitespace-nowrap py-2 pr-3">
                      {formatDateTime(entry.occurredAt)}
                    </td>
                    <td className="py-2 pr-3">{nameOf(entry)}</td>
                    <td className="py-2 pr-3 font-mono text-xs">{entry.action}</td>
                    <td className="py-2 font-mono text-xs text-slate-600">
                      {Object.entries(entry.details).map(([key, value]) => (
                        <span key={key} className="mr-3 inline-block">
                          {key}: {typeof value === 'string' ? value : JSON.stringify(value)}
                        </span>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <nav aria-label="Audit log pages" className="mt-4 flex gap-3">
          <Button
            variant="secondary"
            size="sm"
            disabled={pages.length === 0}
            onClick={() => {
              const previous = pages.slice(0, -1);
              setPages(previous);
              setBefore(pages.length > 1 ? pages[pages.length - 2] : undefined);
            }}
          >
            Newer entries
          </Button>
          <Button
            variant="secondary"
            size="sm"
            disabled={nextBefore === null}
            onClick={() => {
              if (nextBefore !== null) {
                setPages([...pages, nextBefore]);
                setBefore(nextBefore);
              }
            }}
          >
            Older entries
          </Button>
        </nav>
      </Card>
    </div>
  );
}
