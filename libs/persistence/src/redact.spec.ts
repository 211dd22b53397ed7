import { mongoHosts, redactMongoUri } from './redact';

describe('redactMongoUri', () => {
  it.each([
    ['mongodb://user:s3cret@localhost:27017/db', 'mongodb://***@localhost:27017/db'],
    ['mongodb+srv://app:p%40ss@cluster0.ab12c.mongodb.net/ao?retryWrites=true', 'mongodb+srv://***@cluster0.ab12c.mongodb.net/ao?retryWrites=true'],
    ['mongodb://onlyuser@h1:1,h2:2/?replicaSet=rs0', 'mongodb://***@h1:1,h2:2/?replicaSet=rs0'],
    ['mongodb://localhost:27017/db', 'mongodb://localhost:27017/db'],
    ['mongodb://127.0.0.1:41543/', 'mongodb://127.0.0.1:41543/'],
  ])('%s', (uri, expected) => {
    expect(redactMongoUri(uri)).toBe(expected);
  });

  it('hides a password with an unescaped @ or / in it', () => {
    const out = redactMongoUri('mongodb://u:pa@ss/w0rd@db.example.com:27017/app');
    expect(out).toBe('mongodb://***@db.example.com:27017/app');
    expect(out).not.toMatch(/pa|w0rd/);
  });

  it('hides secret query options', () => {
    const out = redactMongoUri(
      'mongodb://h/db?authMechanism=MONGODB-AWS&authMechanismProperties=AWS_SESSION_TOKEN:tok123&tlsCertificateKeyFilePassword=kp&appName=x',
    );
    expect(out).not.toContain('tok123');
    expect(out).not.toContain('=kp');
    expect(out).toContain('appName=x');
  });

  it('redacts URIs embedded in a longer message', () => {
    expect(redactMongoUri('failed to connect to mongodb://a:b@h:1/x after 5s')).toBe('failed to connect to mongodb://***@h:1/x after 5s');
  });
});

describe('mongoHosts', () => {
  it.each([
    ['mongodb://user:pw@localhost:27017/db', 'localhost:27017'],
    ['mongodb+srv://u:p@cluster0.ab12c.mongodb.net/ao?x=1', 'cluster0.ab12c.mongodb.net'],
    ['mongodb://h1:1,h2:2/?replicaSet=rs0', 'h1:1,h2:2'],
    ['mongodb://127.0.0.1:1', '127.0.0.1:1'],
    ['mongodb://u:pa@ss/w@host:9/db', 'host:9'],
    ['', 'unknown host'],
  ])('%s -> %s', (uri, hosts) => {
    expect(mongoHosts(uri)).toBe(hosts);
  });
});
