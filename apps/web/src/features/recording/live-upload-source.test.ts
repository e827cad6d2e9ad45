import { describe, expect, it } from 'vitest';
import { LiveUploadSource } from './live-upload-source';

const bytes = (...values: number[]) => new Uint8Array(values);

async function text(value: { size: number } | null): Promise<number[]> {
  if (!value) return [];
  return [...new Uint8Array(await (value as Blob).arrayBuffer())];
}

describe('LiveUploadSource', () => {
  it('waits for a flush, then hands out what is there past the offset', async () => {
    const source = new LiveUploadSource();
    let resolved = false;
    const pending = source.slice(0, 100).then((r) => {
      resolved = true;
      return r;
    });
    await Promise.resolve();
    expect(resolved).toBe(false);
    source.append(bytes(1, 2, 3));
    const first = await pending;
    expect(await text(first.value)).toEqual([1, 2, 3]);
    expect(first.done).toBe(false);
    source.append(bytes(4, 5));
    source.append(bytes(6));
    const second = await source.slice(3, 5);
    expect(await text(second.value)).toEqual([4, 5]);
    expect(second.done).toBe(false);
  });

  it('says done only when the slice reaches the end after end()', async () => {
    const source = new LiveUploadSource();
    source.append(bytes(1, 2, 3, 4));
    source.end();
    const partial = await source.slice(0, 2);
    expect(partial.done).toBe(false);
    const rest = await source.slice(2, Number.POSITIVE_INFINITY);
    expect(await text(rest.value)).toEqual([3, 4]);
    expect(rest.done).toBe(true);
    // tus asks once more at the very end when the last flush was acknowledged already.
    const empty = await source.slice(4, 10);
    expect(empty.value?.size).toBe(0);
    expect(empty.done).toBe(true);
  });

  it('keeps unacknowledged bytes for a resume and forgets acknowledged ones', async () => {
    const source = new LiveUploadSource();
    source.append(bytes(1, 2));
    source.append(bytes(3, 4));
    source.append(bytes(5));
    source.acknowledge(3); // inside the second piece: it stays whole
    expect(source.acknowledgedBytes).toBe(2);
    expect(await text((await source.slice(3, 5)).value)).toEqual([4, 5]);
    source.acknowledge(4);
    expect(source.acknowledgedBytes).toBe(4);
    await expect(source.slice(1, 5)).rejects.toThrow(/acknowledged 4 bytes/);
  });

  it('fails pending and later slices once abandoned', async () => {
    const source = new LiveUploadSource();
    const pending = source.slice(0, 10);
    source.fail(new Error('abandoned'));
    await expect(pending).rejects.toThrow('abandoned');
    await expect(source.slice(0, 10)).rejects.toThrow('abandoned');
  });

  it('refuses bytes after the end', () => {
    const source = new LiveUploadSource();
    source.end();
    expect(() => source.append(bytes(1))).toThrow(/has ended/);
  });
});
