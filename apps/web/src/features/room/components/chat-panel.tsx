'use client';

import { useEffect, useRef, useState } from 'react';
import { CHAT_MAX_LENGTH } from '@conclave/contracts';
import type { ChatMessageView } from '../room-session';

/** The room's chat; messages are sealed with the sender's media key before they leave. */
export function ChatPanel({
  messages,
  onSend,
  canSend,
}: {
  messages: ChatMessageView[];
  onSend: (text: string) => void;
  canSend: boolean;
}) {
  const [draft, setDraft] = useState('');
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    list.current?.lastElementChild?.scrollIntoView({ block: 'nearest' });
  }, [messages.length]);
  return (
    <section aria-labelledby="chat-heading" className="flex h-full min-h-0 flex-col">
      <h2 id="chat-heading" className="text-sm font-semibold text-slate-200">
        Chat <span className="text-xs font-normal text-slate-400">end-to-end encrypted</span>
      </h2>
      <ol
        ref={list}
        aria-label="Chat messages"
        className="mt-2 min-h-0 flex-1 space-y-2 overflow-y-auto"
      >
        {messages.length === 0 && (
          <li className="text-sm text-slate-400">
            No messages yet. Only people in the room now can read what you send.
          </li>
        )}
        {messages.map((message) => (
          <li key={`${message.from}/${message.id}`} className="text-sm">
            <span className="font-medium text-slate-200">
              {message.mine ? 'You' : message.fromName}
            </span>
            <span className="ml-2 text-xs text-slate-500">
              {new Date(message.sentAt).toLocaleTimeString([], {
                hour: '2-digit',
                minute: '2-digit',
              })}
            </span>
            <p className="whitespace-pre-wrap break-words text-slate-100">{message.text}</p>
          </li>
        ))}
      </ol>
      <form
        className="mt-2 flex gap-2"
        onSubmit={(event) => {
          event.preventDefault();
          if (!draft.trim()) return;
          onSend(draft);
          setDraft('');
        }}
      >
        <label htmlFor="chat-input" className="sr-only">
          Message
        </label>
        <input
          id="chat-input"
          value={draft}
          maxLength={CHAT_MAX_LENGTH}
          onChange={(event) => setDraft(event.target.value)}
          disabled={!canSend}
          placeholder={canSend ? 'Message everyone' : 'Waiting for keys…'}
          className="min-w-0 flex-1 rounded-md bg-white/10 px-3 py-2 text-sm text-white placeholder:text-slate-400"
        />
        <button
          type="submit"
          disabled={!canSend}
          className="rounded-md bg-blue-700 px-3 py-2 text-sm text-white hover:bg-blue-600 disabled:opacity-50"
        >
          Send
        </button>
      </form>
    </section>
  );
}
