import { describe, expect, it } from 'vitest';
import { isPublicAddress, refusedAddressReason } from './network-address.js';

describe('outbound address policy', () => {
  it.each([
    '127.0.0.1', '127.8.9.10', '10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254',
    '100.64.0.1', '100.127.255.255', '0.0.0.0', '0.1.2.3', '224.0.0.1', '255.255.255.255', '240.0.0.1', '198.18.0.1', '192.0.2.5',
    '::', '::1', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'fe80::1%eth0', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:a9fe:a9fe',
    '64:ff9b::10.0.0.1', '2002:0a00:0001::1', '2001:db8::1', '[::1]', '::127.0.0.1', 'not-an-ip',
  ])('refuses %s', (address) => {
    expect(refusedAddressReason(address)).not.toBeNull();
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.15.255.255', '172.32.0.1', '100.63.255.255', '100.128.0.1', '192.169.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8', '2002:0808:0808::1'])(
    'allows %s',
    (address) => {
      expect(refusedAddressReason(address)).toBeNull();
    },
  );

  it('says why', () => {
    expect(refusedAddressReason('10.0.0.1')).toBe('private');
    expect(refusedAddressReason('169.254.169.254')).toBe('link-local');
    expect(refusedAddressReason('::ffff:127.0.0.1')).toMatch(/loopback.*inside IPv6/);
  });
});
