import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { refusedAddressReason } from '@everjust/core';

/**
 * The SSRF guard of outbound webhooks. A tenant chooses the URL, so it could name our own network:
 * loopback, private ranges, cloud metadata (169.254.169.254). Every address a host name resolves to is
 * checked before any connection, and the connection is then made to exactly the checked addresses
 * (the HTTP agent's `lookup` returns them), so a DNS answer that changes between check and connect
 * (rebinding) cannot get through. Literal IP URLs, which never reach a lookup, are checked too.
 */

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses. Injectable: tests map names without touching DNS. */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: HostResolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((entry) => ({ address: entry.address, family: entry.family === 6 ? 6 : 4 }));

export class TargetRefusedError extends Error {
  readonly code = 'WEBHOOK_TARGET_REFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'TargetRefusedError';
  }
}

export interface TargetPolicy {
  resolver: HostResolver;
  /** Development and tests only (EVERJUST_WEBHOOK_ALLOW_PRIVATE). */
  allowPrivate: boolean;
}

/**
 * The addresses `hostname` may be reached at: all of them public (unless the policy allows private),
 * or a TargetRefusedError naming the first that is not. An IP literal is checked as it is.
 */
export async function resolveTarget(hostname: string, policy: TargetPolicy): Promise<ResolvedAddress[]> {
  const bare = hostname.replace(/^\[|\]$/g, '');
  const literal = isIP(bare);
  const addresses: ResolvedAddress[] = literal ? [{ address: bare, family: literal === 6 ? 6 : 4 }] : await policy.resolver(bare);
  if (addresses.length === 0) throw new TargetRefusedError(`${hostname} resolves to no address`);
  if (!policy.allowPrivate) {
    for (const { address } of addresses) {
      const reason = refusedAddressReason(address);
      if (reason) throw new TargetRefusedError(`${hostname} resolves to ${address} (${reason}): webhooks go to public addresses only`);
    }
  }
  return addresses;
}

/**
 * A `lookup` for an http(s) Agent that answers with `addresses` (already checked) for `hostname` and
 * refuses anything else; each address is checked again here, so the agent cannot connect where the
 * policy forbids, whatever called it.
 */
export function pinnedLookup(hostname: string, addresses: readonly ResolvedAddress[], policy: Pick<TargetPolicy, 'allowPrivate'>): LookupFunction {
  const expected = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (name, options, callback) => {
    const refuse = (message: string) => (callback as (error: Error) => void)(new TargetRefusedError(message));
    if (name.toLowerCase() !== expected) return refuse(`Unexpected lookup of ${name}`);
    const allowed = policy.allowPrivate ? addresses : addresses.filter(({ address }) => refusedAddressReason(address) === null);
    if (allowed.length !== addresses.length || allowed.length === 0) return refuse(`${name}: refused address`);
    const family = typeof options === 'object' ? options.family : undefined;
    const matching = family === 4 || family === 6 ? allowed.filter((entry) => entry.family === family) : allowed;
    if (matching.length === 0) return refuse(`${name} has no IPv${family} address`);
    if (typeof options === 'object' && options.all) {
      (callback as (error: null, addresses: ResolvedAddress[]) => void)(null, matching.map((entry) => ({ ...entry })));
    } else {
      (callback as (error: null, address: string, family: number) => void)(null, matching[0].address, matching[0].family);
    }
  };
}
