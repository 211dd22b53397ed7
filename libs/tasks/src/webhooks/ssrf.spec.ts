import { classifyAddress, isAllowedAddress, type AddressClass } from './ssrf';

describe('classifyAddress', () => {
  const table: Array<[string, AddressClass]> = [
    // IPv4
    ['8.8.8.8', 'public'],
    ['203.0.114.1', 'public'],
    ['172.32.0.1', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['169.254.0.1', 'link-local'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    // IPv6
    ['2606:4700:4700::1111', 'public'],
    ['2a00:1450:4001:80e::200e', 'public'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fc00::1', 'private'],
    ['fd00:ec2::254', 'private'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['64:ff9b::7f00:1', 'reserved'],
    ['2002:7f00:1::', 'reserved'],
    // IPv4 inside IPv6: judged as the IPv4 address
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:8.8.8.8', 'public'],
    ['0:0:0:0:0:ffff:c0a8:0101', 'private'],
    ['::127.0.0.1', 'loopback'],
    ['[::1]', 'loopback'],
    // Not an address
    ['localhost', 'invalid'],
    ['example.com', 'invalid'],
    ['', 'invalid'],
    ['999.1.1.1', 'invalid'],
  ];
  it.each(table)('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });
});

describe('isAllowedAddress', () => {
  it('allows public addresses only, unless private ones are allowed by config', () => {
    expect(isAllowedAddress('93.184.216.34', { allowPrivate: false })).toBe(true);
    for (const a of ['127.0.0.1', '169.254.169.254', 'fd00:ec2::254', '::ffff:127.0.0.1', '10.0.0.1', '100.64.1.1', '0.0.0.0']) {
      expect(isAllowedAddress(a, { allowPrivate: false })).toBe(false);
      expect(isAllowedAddress(a, { allowPrivate: true })).toBe(true);
    }
    // Not an address at all: never.
    expect(isAllowedAddress('localhost', { allowPrivate: true })).toBe(false);
  });
});
