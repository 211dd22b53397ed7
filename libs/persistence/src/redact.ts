/**
 * Connection strings carry credentials. Everything this lib puts in an error
 * message or a log line goes through `redactMongoUri` first.
 */

// Query options whose values are secrets (AWS session tokens, key file passwords).
const SECRET_OPTIONS = /([?&](?:authMechanismProperties|tlsCertificateKeyFilePassword|sslPass|password|pass)=)[^&#]*/gi;

/**
 * Replaces the `user:pass@` part of a MongoDB URI with `***@` and hides secret
 * query options. When in doubt it hides more: the credentials end at the last
 * `@` before the query string, so an unescaped `@` or `/` in a password is
 * still hidden. Works on text that merely contains a URI too.
 */
export function redactMongoUri(uri: string): string {
  return String(uri).replace(/(mongodb(?:\+srv)?:\/\/|\/\/)([^?#\s]*@)/gi, '$1***@').replace(SECRET_OPTIONS, '$1***');
}

/** The host list of a MongoDB URI (`host1:27017,host2:27017`), without credentials, path or options. */
export function mongoHosts(uri: string): string {
  const afterScheme = String(uri).replace(/^[a-z+]+:\/\//i, '');
  const query = afterScheme.search(/[?#]/);
  const authority = query === -1 ? afterScheme : afterScheme.slice(0, query);
  const at = authority.lastIndexOf('@');
  const hostAndPath = at === -1 ? authority : authority.slice(at + 1);
  const slash = hostAndPath.indexOf('/');
  const hosts = slash === -1 ? hostAndPath : hostAndPath.slice(0, slash);
  return hosts || 'unknown host';
}
