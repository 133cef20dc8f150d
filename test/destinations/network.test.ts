// Which addresses a webhook may dial: every non-public range refused, in the spellings that reach it
// (IPv4-mapped, NAT64, 6to4), public ones let through; the connection-time lookup answers in the
// shape node asks for (one address, or all when it races address families) and refuses private ones.
import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { test } from 'node:test';
import { isNonPublicAddress, publicOnlyLookup } from '../../src/destinations/network.js';

test('non-public addresses in every spelling are refused; public ones are not', () => {
  const refused = [
    '10.1.2.3',
    '127.0.0.1',
    '169.254.169.254',
    '172.16.0.1',
    '192.168.1.1',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fe80::1',
    'fd00::5',
    '[::1]',
    '::ffff:10.0.0.5',
    '::ffff:7f00:1',
    '64:ff9b::a00:5',
    '64:ff9b::10.0.0.5',
    '64:ff9b:1::1',
    '2002:a00:5::1',
    'not-an-address',
  ];
  for (const a of refused) assert.equal(isNonPublicAddress(a), true, a);
  for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '64:ff9b::808:808', '2002:808:808::1', '::ffff:8.8.8.8'])
    assert.equal(isNonPublicAddress(a), false, a);
});

test('the connection-time lookup refuses a name that resolves to a private address, in both answer shapes', async () => {
  const ask = (all: boolean) =>
    new Promise<{ error: (Error & { code?: string }) | null; answer: unknown }>((resolve) =>
      publicOnlyLookup('localhost', { all }, (error: NodeJS.ErrnoException | null, answer: string | LookupAddress[]) => resolve({ error, answer })),
    );
  for (const all of [false, true]) {
    const { error } = await ask(all);
    assert.equal(error?.code, 'ENONPUBLIC');
    assert.match(error.message, /localhost is .*non-public address/);
  }
});
