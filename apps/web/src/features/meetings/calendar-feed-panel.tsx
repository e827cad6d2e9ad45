'use client';

import { useCallback, useEffect, useState } from 'react';
import {
  calendarFeedCreatedSchema,
  calendarFeedStatusSchema,
  type CalendarFeedStatus,
} from '@conclave/contracts';
import { Alert, Button, Card, formatDateTime } from '../../components/ui';
import { api, errorMessage } from '../../lib/api';
import { CopyButton } from './copy-button';

/** My calendar feed: a secret URL for calendar programs; shown once, replaceable, revocable. */
export function CalendarFeedPanel() {
  const [status, setStatus] = useState<CalendarFeedStatus | null>(null);
  const [url, setUrl] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setStatus(await api('/calendar/feed', { schema: calendarFeedStatusSchema }));
    } catch (caught) {
      setError(errorMessage(caught));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card
      title="Calendar feed"
      description="Subscribe to your meetings from any calendar program. The address is secret: whoever has it sees your meetings' titles and times."
    >
      {error && (
        <Alert tone="error" className="mb-3">
          {error}
        </Alert>
      )}
      {url && (
        <div className="mb-3 space-y-2">
          <label htmlFor="feed-url" className="block text-sm font-medium text-slate-800">
            Your feed address (shown once: copy it now)
          </label>
          <input
            id="feed-url"
            readOnly
            value={url}
            className="block w-full rounded-md border border-slate-300 bg-slate-50 px-3 py-2 font-mono text-xs"
            onFocus={(event) => event.currentTarget.select()}
          />
          <CopyButton text={url} label="Copy feed address" fallbackId="feed-url" />
        </div>
      )}
      <p className="mb-3 text-sm text-slate-700" data-testid="feed-status">
        {status === null
          ? 'Checking…'
          : status.active
            ? `A feed is active (made ${status.createdAt ? formatDateTime(status.createdAt) : '?'}; ${
                status.lastUsedAt
                  ? `last fetched ${formatDateTime(status.lastUsedAt)}`
                  : 'not fetched yet'
              }).`
            : 'You have no calendar feed.'}
      </p>
      <div className="flex flex-wrap gap-2">
        <Button
          variant="secondary"
          busy={busy}
          onClick={() =>
            void run(async () => {
              const created = await api('/calendar/feed', {
                method: 'POST',
                schema: calendarFeedCreatedSchema,
              });
              setUrl(created.url);
              await load();
            })
          }
        >
          {status?.active ? 'Replace the feed address' : 'Make a feed address'}
        </Button>
        {status?.active && (
          <Button
            variant="ghost"
            busy={busy}
            onClick={() =>
              void run(async () => {
                await api('/calendar/feed', { method: 'DELETE' });
                setUrl(null);
                await load();
              })
            }
          >
            Revoke the feed
          </Button>
        )}
      </div>
    </Card>
  );
}
